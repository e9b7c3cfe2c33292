"""A person's own pages: their notifications and how they receive them. Interfaces only:
each parses input and calls one selector or service."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.forms import NotificationSettingsForm
from accounts.models import Notification

NOTIFICATIONS_PER_PAGE = 25


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = selectors.notifications_for_user(user=request.user)
    page = Paginator(notifications, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "accounts/notification_list.html", {"page": page})


def _get_notification_for_user(user, pk: int) -> Notification:
    """The user's own notification; 404 for anyone else's, so ids reveal nothing."""
    return get_object_or_404(Notification, pk=pk, recipient=user)


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a notification read and go on to what it is about (only ever within the site)."""
    notification = _get_notification_for_user(request.user, pk)
    services.notifications_mark_read(user=request.user, ids=[notification.pk])
    if not services.is_site_path(notification.url):
        messages.warning(request, "That notification's link leads off Casebook: not followed.")
        return redirect("accounts:notifications")
    return redirect(notification.url)


@require_POST
@login_required
def notifications_mark_all_read(request: HttpRequest) -> HttpResponse:
    marked = services.notifications_mark_read(user=request.user)
    if marked:
        messages.success(
            request, f"{marked} notification{'' if marked == 1 else 's'} marked as read."
        )
    return redirect("accounts:notifications")


@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    form = NotificationSettingsForm(
        request.POST if request.method == "POST" else None,
        initial={"email_notifications": request.user.email_notifications},
    )
    if request.method == "POST" and form.is_valid():
        enabled = form.cleaned_data["email_notifications"]
        services.notification_email_set(user=request.user, enabled=enabled)
        messages.success(
            request,
            "Notifications will be e-mailed to you."
            if enabled
            else "Notifications will no longer be e-mailed to you; they stay on this site.",
        )
        return redirect("accounts:notification-settings")
    return render(request, "accounts/notification_settings.html", {"form": form})


def login_locked_out(request: HttpRequest, original_response=None, credentials=None):
    """What django-axes shows a username and address pair that failed too often (429): how
    long logging in from here is paused, and the way out (AXES_LOCKOUT_CALLABLE)."""
    minutes = round(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return render(
        request,
        "registration/locked_out.html",
        {
            "username": username,
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "minutes": minutes,
        },
        status=429,
    )
