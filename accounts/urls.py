from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<int:pk>/", views.notification_open, name="notification-open"),
    path(
        "notifications/mark-all-read/",
        views.notifications_mark_all_read,
        name="notifications-mark-all-read",
    ),
    path("notifications/settings/", views.notification_settings, name="notification-settings"),
    path("centres/<slug:slug>/api-keys/", views.api_tokens, name="api-tokens"),
    path("api-keys/<int:pk>/revoke/", views.api_token_revoke, name="api-token-revoke"),
]
