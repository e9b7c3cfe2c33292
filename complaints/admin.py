from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin import CentreScopedAdmin
from complaints.models import Action, PreventiveAction, Problem


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


@admin.register(PreventiveAction)
class PreventiveActionAdmin(CentreScopedAdmin, SimpleHistoryAdmin):
    list_display = ("title", "centre", "learner", "category", "product", "implemented_on")
    list_filter = ("category",)
    search_fields = ("title", "description", "product")
    list_select_related = ("centre", "learner")
