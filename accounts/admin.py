from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import ApiToken, AuditEvent, Centre, Membership, Role, User


def administered_centre_ids(request) -> list[int]:
    """Centres whose data this staff user may manage in the admin (all, for superusers)."""
    cache = getattr(request, "_administered_centre_ids", None)
    if cache is None:
        cache = list(
            Membership.objects.filter(user=request.user, role=Role.CENTRE_ADMIN).values_list(
                "centre_id", flat=True
            )
        )
        request._administered_centre_ids = cache
    return cache


class CentreScopedAdmin(admin.ModelAdmin):
    """Admin for centre admins: they see and change only their own centres' rows.

    `centre_lookup` is the ORM path from the model to its centre. Superusers see everything.
    """

    centre_lookup = "centre"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(
            **{f"{self.centre_lookup}__in": administered_centre_ids(request)}
        ).distinct()

    def _is_centre_admin(self, request) -> bool:
        return (
            request.user.is_active
            and request.user.is_staff
            and bool(administered_centre_ids(request))
        )

    def has_module_permission(self, request):
        return request.user.is_superuser or self._is_centre_admin(request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser or self._is_centre_admin(request)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser or self._is_centre_admin(request)

    def has_add_permission(self, request):
        return request.user.is_superuser or self._is_centre_admin(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser or self._is_centre_admin(request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Centre and not request.user.is_superuser:
            kwargs["queryset"] = Centre.objects.filter(pk__in=administered_centre_ids(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(User)
class UserAdmin(CentreScopedAdmin, DjangoUserAdmin):
    centre_lookup = "memberships__centre"
    inlines = [MembershipInline]
    list_display = ("username", "first_name", "last_name", "email", "is_active", "is_staff")

    def get_readonly_fields(self, request, obj=None):
        """A signature names its signer by username inside what is hashed, so renaming
        someone who has signed would make their signatures read as not valid: once they
        have signed, the username is fixed (the name shown can still change)."""
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.signatures.exists():
            fields.append("username")
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        # Centre admins manage people, not Django's global permission flags.
        return [
            (
                name,
                {
                    **opts,
                    "fields": [
                        f
                        for f in opts["fields"]
                        if f not in {"is_superuser", "groups", "user_permissions"}
                    ],
                },
            )
            for name, opts in fieldsets
        ]


@admin.register(Centre)
class CentreAdmin(CentreScopedAdmin):
    centre_lookup = "id"
    list_display = ("name", "slug", "created_at")
    prepopulated_fields = {"slug": ("name",)}

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Membership)
class MembershipAdmin(CentreScopedAdmin):
    list_display = ("user", "centre", "role", "created_at")
    list_filter = ("role", "centre")
    search_fields = ("user__username", "user__first_name", "user__last_name")


class ReadOnlyAdminMixin:
    """For records written only through Casebook's own pages and services, where their rules
    apply: the admin lists and shows them, and never adds, changes or deletes one."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit log (on PostgreSQL the database refuses changes too). Open to those given
    its view permission."""

    list_display = ("at", "kind", "username", "address", "subject", "path")
    list_filter = ("kind",)
    search_fields = ("username", "subject", "path")
    date_hierarchy = "at"


@admin.register(ApiToken)
class ApiTokenAdmin(CentreScopedAdmin):
    """Read only, and never a secret (only the key's prefix and its hash are stored): keys
    are made and revoked on the centre admin's API keys page."""

    list_display = ("name", "centre", "prefix", "scope", "created_at", "last_used_at", "revoked_at")
    list_filter = ("scope", "centre")
    exclude = ("key_hash",)
    readonly_fields = (
        "centre",
        "name",
        "scope",
        "prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
