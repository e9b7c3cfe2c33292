from django.contrib import admin

from accounts.admin import CentreScopedAdmin
from analytics.models import AnalysisRun, AnalysisSettings, RecurringCandidate, Signal


@admin.register(AnalysisSettings)
class AnalysisSettingsAdmin(CentreScopedAdmin):
    list_display = ("centre", "group_window_days", "updated_at")


@admin.register(AnalysisRun)
class AnalysisRunAdmin(CentreScopedAdmin):
    list_display = ("pk", "centre", "scope", "trigger", "status", "created_at", "duration_ms")
    list_filter = ("status", "scope", "trigger")
    readonly_fields = [f.name for f in AnalysisRun._meta.fields]


@admin.register(Signal)
class SignalAdmin(CentreScopedAdmin):
    list_display = (
        "centre",
        "dimension",
        "key",
        "granularity",
        "period_start",
        "observed",
        "expected",
        "method",
        "active",
    )
    list_filter = ("granularity", "dimension", "method", "active")


@admin.register(RecurringCandidate)
class RecurringCandidateAdmin(CentreScopedAdmin):
    list_display = ("pk", "centre", "product", "category", "size", "status", "last_at")
    list_filter = ("status", "category")
    raw_id_fields = ("dismissed_by",)
