from __future__ import annotations

from django.urls import path

from apps.playground import views

app_name = "playground"

urlpatterns = [
    path("", views.chat, name="chat"),
    path("embeddings/", views.embeddings, name="embeddings"),
    path("rerank/", views.rerank, name="rerank"),
    path("images/", views.images, name="images"),
    path("speech/", views.speech, name="speech"),
    path("speech/audio/<slug:token>/", views.speech_audio, name="speech_audio"),
    path("transcription/", views.transcription, name="transcription"),
    path("save/", views.exchange_save, name="save"),
    path("saved/", views.saved_list, name="saved"),
    path("saved/<id:pk>/", views.saved_detail, name="saved_detail"),
    path("saved/<id:pk>/delete/", views.saved_delete, name="saved_delete"),
]
