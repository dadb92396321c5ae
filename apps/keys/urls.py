from __future__ import annotations

from django.urls import path

from apps.keys import views

app_name = "keys"

urlpatterns = [
    path("", views.key_list, name="list"),
    path("new/", views.key_create, name="create"),
    path("sync/", views.sync_status, name="sync_status"),
    path("sync/now/", views.sync_now, name="sync_now"),
    path("hygiene/", views.hygiene, name="hygiene"),
    path("hygiene/bulk/", views.hygiene_bulk, name="hygiene_bulk"),
    path("requests/", views.request_queue, name="requests"),
    path("requests/settings/", views.policy, name="policy"),
    path("requests/<int:request_id>/", views.request_detail, name="request_detail"),
    path("requests/<int:request_id>/approve/", views.request_approve, name="request_approve"),
    path("requests/<int:request_id>/reject/", views.request_reject, name="request_reject"),
    path("requests/<int:request_id>/reveal/", views.request_reveal, name="request_reveal"),
    path("mine/", views.mine, name="mine"),
    path("mine/request/", views.request_new, name="request_new"),
    path("badge/", views.badge, name="badge"),
    path("rotations/<int:rotation_id>/cancel/", views.rotation_cancel, name="rotation_cancel"),
    path("<str:key_hash>/", views.key_detail, name="detail"),
    path("<str:key_hash>/toggle/", views.key_toggle, name="toggle"),
    path("<str:key_hash>/disable-own/", views.key_disable_own, name="disable_own"),
    path("<str:key_hash>/rename/", views.key_rename, name="rename"),
    path("<str:key_hash>/delete/", views.key_delete, name="delete"),
    path("<str:key_hash>/rotate/", views.key_rotate, name="rotate"),
    path("<str:key_hash>/increase/", views.request_increase, name="increase"),
]
