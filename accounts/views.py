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
from accounts.forms import ApiTokenForm, NotificationSettingsForm
from accounts.models import ApiToken, Centre, Notification, Role

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


def _administered_centre(request: HttpRequest, slug: str) -> Centre:
    """A centre the user is a centre admin of; 404 for any other."""
    return get_object_or_404(
        Centre, slug=slug, memberships__user=request.user, memberships__role=Role.CENTRE_ADMIN
    )


@login_required
def api_tokens(request: HttpRequest, slug: str) -> HttpResponse:
    """A centre's API keys: the list, and a new one made. Its key is shown on this response
    only: it is not stored, so it cannot be shown again."""
    centre = _administered_centre(request, slug)
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    made = None
    if request.method == "POST" and form.is_valid():
        token, key = services.api_token_create(centre=centre, by=request.user, **form.cleaned_data)
        made = {"token": token, "key": key}
        form = ApiTokenForm()
    response = render(
        request,
        "accounts/api_tokens.html",
        {
            "centre": centre,
            "tokens": selectors.api_tokens_for_centre(centre=centre),
            "form": form,
            "made": made,
        },
    )
    response["Cache-Control"] = "no-store"  # the page may hold a key
    return response


@require_POST
@login_required
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(
        ApiToken,
        pk=pk,
        centre__memberships__user=request.user,
        centre__memberships__role=Role.CENTRE_ADMIN,
    )
    services.api_token_revoke(token=token, by=request.user)
    messages.success(request, f"The key {token.prefix}… ({token.name}) is revoked.")
    return redirect("accounts:api-tokens", slug=token.centre.slug)


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
