"""Writes about people and centres."""

from __future__ import annotations

from django.db import transaction

from accounts.models import Centre, Membership, Role, User


@transaction.atomic
def membership_grant(*, user: User, centre: Centre, role: Role | str) -> Membership:
    """Give a user a role at a centre (idempotent). Centre admins get Django admin access."""
    membership, _ = Membership.objects.get_or_create(user=user, centre=centre, role=role)
    user.__dict__.pop("_casebook_memberships", None)  # accounts.selectors.user_memberships
    if role == Role.CENTRE_ADMIN and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return membership
