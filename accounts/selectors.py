"""Reads about people: which roles a user holds and where."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import ROLE_PRIORITY, Centre, Membership, Role, User


def user_roles(*, user: User) -> set[str]:
    """Every role the user holds at any centre (cached on the user object per request)."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_casebook_roles", None)
    if cached is None:
        cached = set(Membership.objects.filter(user=user).values_list("role", flat=True))
        user._casebook_roles = cached
    return cached


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
