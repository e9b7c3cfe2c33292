from functools import cache

from accounts.selectors import unread_notification_count, user_primary_role, user_roles


def roles(request):
    """Expose the signed-in user's roles so the navigation can show what each may reach."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": set(), "primary_role": None}
    return {"user_roles": user_roles(user=user), "primary_role": user_primary_role(user=user)}


def notifications(request):
    """The unread count for the navigation's badge. A callable the template calls when it
    shows the badge, counted at most once per request: a fragment rendered for htmx, which
    has no navigation, costs no query, and neither does a page for someone not signed in."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notification_count": 0}
    return {"unread_notification_count": cache(lambda: unread_notification_count(user=user))}
