from accounts.selectors import user_primary_role, user_roles


def roles(request):
    """Expose the signed-in user's roles so the navigation can show what each may reach."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": set(), "primary_role": None}
    return {"user_roles": user_roles(user=user), "primary_role": user_primary_role(user=user)}
