from __future__ import annotations

from django.urls import path

from apps.keys.views import keys as views
from apps.keys.views import requests as request_views

app_name = "keys"

urlpatterns = [
    path("", views.key_list, name="list"),
    path("new/", views.key_create, name="create"),
    path("hygiene/", views.hygiene, name="hygiene"),
    path("hygiene/bulk/", views.hygiene_bulk, name="hygiene_bulk"),
    path("requests/", request_views.request_queue, name="requests"),
    path("requests/settings/", request_views.policy, name="policy"),
    path("requests/<id:request_id>/", request_views.request_detail, name="request_detail"),
    path(
        "requests/<id:request_id>/approve/", request_views.request_approve, name="request_approve"
    ),
    path("requests/<id:request_id>/reject/", request_views.request_reject, name="request_reject"),
    path("requests/<id:request_id>/reveal/", request_views.request_reveal, name="request_reveal"),
    path("mine/", request_views.mine, name="mine"),
    path("mine/request/", request_views.request_new, name="request_new"),
    path("badge/", request_views.badge, name="badge"),
    path("rotations/<id:rotation_id>/cancel/", views.rotation_cancel, name="rotation_cancel"),
    path("<str:key_hash>/", views.key_detail, name="detail"),
    path("<str:key_hash>/toggle/", views.key_toggle, name="toggle"),
    path("<str:key_hash>/disable-own/", views.key_disable_own, name="disable_own"),
    path("<str:key_hash>/rename/", views.key_rename, name="rename"),
    path("<str:key_hash>/settings/", views.key_edit, name="edit"),
    path("<str:key_hash>/delete/", views.key_delete, name="delete"),
    path("<str:key_hash>/rotate/", views.key_rotate, name="rotate"),
    path("<str:key_hash>/increase/", request_views.request_increase, name="increase"),
]
