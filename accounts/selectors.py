"""Reads about people: which roles a user holds and where, and their notifications."""

from __future__ import annotations

import hmac

from django.db.models import QuerySet

from accounts.models import ROLE_PRIORITY, ApiToken, Centre, Membership, Notification, Role, User


def user_memberships(*, user: User) -> frozenset[tuple[str, int]]:
    """Every (role, centre id) the user holds, read once and kept on the user object for the
    rest of the request: the navigation, the role checks and the problem visibility rules
    all ask, and should not each go to the database."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_casebook_memberships", None)
    if cached is None:
        cached = frozenset(Membership.objects.filter(user=user).values_list("role", "centre_id"))
        user._casebook_memberships = cached
    return cached


def user_roles(*, user: User) -> set[str]:
    """Every role the user holds at any centre."""
    return {role for role, _ in user_memberships(user=user)}


def user_centre_ids(*, user: User, role: Role | str) -> list[int]:
    """The centres where the user holds a role, in a stable order."""
    return sorted(centre for held, centre in user_memberships(user=user) if held == role)


def user_primary_role(*, user: User) -> str | None:
    roles = user_roles(user=user)
    for role in ROLE_PRIORITY:
        if role in roles:
            return role
    return None


def centres_for_role(*, user: User, role: Role | str) -> QuerySet[Centre]:
    return Centre.objects.filter(memberships__user=user, memberships__role=role).distinct()


def centre_members(*, centre: Centre, role: Role | str) -> QuerySet[User]:
    return (
        User.objects.filter(memberships__centre=centre, memberships__role=role, is_active=True)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def user_has_role(*, user: User, role: Role | str, centre: Centre | None = None) -> bool:
    if centre is None:
        return role in user_roles(user=user)
    return Membership.objects.filter(user=user, centre=centre, role=role).exists()


def unread_notification_count(*, user: User) -> int:
    """How many of the user's notifications are unread: one indexed count, for the badge."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_for_user(*, user: User) -> QuerySet[Notification]:
    """The user's own notifications, newest first (the page paginates them)."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")


def api_token_for_key(*, key: str) -> ApiToken | None:
    """The token a presented key belongs to (revoked ones included: the caller refuses
    them), found by its prefix and checked by comparing hashes in constant time."""
    prefix, dot, secret = key.partition(".")
    if not dot or not secret or len(prefix) > 16:
        return None
    token = ApiToken.objects.select_related("centre").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.key_hash, ApiToken.hash_key(key)):
        return None
    return token


def api_tokens_for_centre(*, centre: Centre) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(centre=centre).select_related("created_by", "revoked_by")
