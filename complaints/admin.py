from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin import CentreScopedAdmin
from complaints.models import (
    Action,
    CustomerCommunication,
    PreventiveAction,
    PreventiveAdjustment,
    Problem,
)


class ActionInline(admin.TabularInline):
    model = Action
    extra = 0
    fields = ("kind", "taken_at", "taken_by", "description", "with_whom", "satisfaction_score")


@admin.register(Problem)
class ProblemAdmin(CentreScopedAdmin, SimpleHistoryAdmin):
    list_display = ("reference", "received_at", "learner", "product", "category", "status")
    list_filter = ("status", "category", "channel", "identified_by")
    search_fields = ("description", "product", "customer_ref", "external_ref")
    date_hierarchy = "received_at"
    list_select_related = ("centre", "learner")
    inlines = [ActionInline]
    readonly_fields = ("number", "created_at", "updated_at")


class CustomerCommunicationInline(admin.TabularInline):
    """What customers were told, readable beside the action."""

    model = CustomerCommunication
    extra = 0
    fields = readonly_fields = ("sent_on", "channel", "audience", "message")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # Shown only inside the action's page, which the centre-scoped admin already guards.
        return True


class PreventiveAdjustmentInline(admin.TabularInline):
    model = PreventiveAdjustment
    extra = 0
    fields = readonly_fields = ("made_on", "what", "why")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # Shown only inside the action's page, which the centre-scoped admin already guards.
        return True


@admin.register(PreventiveAction)
class PreventiveActionAdmin(CentreScopedAdmin, SimpleHistoryAdmin):
    list_display = (
        "title",
        "centre",
        "learner",
        "kind",
        "decision",
        "category",
        "product",
        "implemented_on",
    )
    list_filter = ("kind", "decision", "category")
    search_fields = ("title", "description", "product", "authority")
    list_select_related = ("centre", "learner")
    # Read, not written, here: the rules linking an action to a repeated problem and adding
    # what customers were told or an adjustment are complaints.preventive's.
    readonly_fields = ("repeated_problem", "created_at", "updated_at")
    inlines = [CustomerCommunicationInline, PreventiveAdjustmentInline]
