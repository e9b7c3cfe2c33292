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
]
