from __future__ import annotations

from django.urls import path

from apps.media.views import files, generations, videos

app_name = "media"

urlpatterns = [
    path("videos/", videos.video_list, name="videos"),
    path("videos/new/", videos.video_new, name="video_new"),
    path("videos/add/", videos.video_attach, name="video_attach"),
    path("videos/callback/<slug:slug>/", videos.video_callback, name="video_callback"),
    path("videos/<id:pk>/", videos.video_detail, name="video_detail"),
    path("videos/<id:pk>/retry/", videos.video_retry, name="video_retry"),
    path("videos/<id:pk>/content/", videos.video_content, name="video_content"),
    path("files/", files.file_list, name="files"),
    path("files/upload/", files.file_upload, name="file_upload"),
    path("files/<id:pk>/", files.file_detail, name="file_detail"),
    path("files/<id:pk>/download/", files.file_download, name="file_download"),
    path("files/<id:pk>/delete/", files.file_delete, name="file_delete"),
    path("generations/", generations.generation_list, name="generations"),
    path("generations/lookup/", generations.generation_lookup, name="generation_lookup"),
    path(
        "generations/<str:generation_id>/", generations.generation_detail, name="generation_detail"
    ),
]
