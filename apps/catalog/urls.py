from __future__ import annotations

from django.urls import path

from apps.catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.catalog_list, name="list"),
    path("compare/", views.compare, name="compare"),
    path("pick/", views.pick, name="pick"),
    path("models/<str:author>/<str:slug>/", views.model_detail, name="model"),
]
