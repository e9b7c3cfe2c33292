"""The engine's results and runs as the API sends them."""

from __future__ import annotations

from rest_framework import serializers

from analytics.models import AnalysisRun, Effectiveness, RecurringCandidate, Signal


class SpikeSerializer(serializers.ModelSerializer):
    dimension_label = serializers.CharField(read_only=True)
    key_label = serializers.CharField(read_only=True)

    class Meta:
        model = Signal
        fields = [
            "id",
            "dimension",
            "dimension_label",
            "key",
            "key_label",
            "granularity",
            "period_start",
            "period_end",
            "observed",
            "expected",
            "threshold",
            "score",
            "p_value",
            "q_value",
            "method",
            "baseline_start",
            "baseline_end",
        ]
        read_only_fields = fields


class CandidateSerializer(serializers.ModelSerializer):
    problem_ids = serializers.SerializerMethodField()

    class Meta:
        model = RecurringCandidate
        fields = [
            "id",
            "category",
            "product",
            "status",
            "size",
            "first_at",
            "last_at",
            "shared_words",
            "cohesion",
            "problem_ids",
        ]
        read_only_fields = fields

    def get_problem_ids(self, candidate) -> list[int]:
        return sorted(problem.pk for problem in candidate.incidents.all())


class EffectivenessSerializer(serializers.ModelSerializer):
    preventive_action = serializers.IntegerField(source="action_id", read_only=True)
    title = serializers.CharField(source="action.title", read_only=True)

    class Meta:
        model = Effectiveness
        fields = [
            "preventive_action",
            "title",
            "computed_at",
            "before_start",
            "before_end",
            "after_start",
            "after_end",
            "count_before",
            "count_after",
            "exposure_before",
            "exposure_after",
            "adjusted_for_volume",
            "rate_ratio",
            "ci_low",
            "ci_high",
            "p_value",
            "q_value",
            "verdict",
            "summary",
        ]
        read_only_fields = fields


class SignalsSerializer(serializers.Serializer):
    centre = serializers.CharField(help_text="The centre's slug.")
    spikes = SpikeSerializer(many=True)
    candidates = CandidateSerializer(many=True, help_text="Proposed repeated problems.")
    effectiveness = EffectivenessSerializer(many=True)


class RunSerializer(serializers.ModelSerializer):
    centre = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:run-detail")
    waiting_for_job_service = serializers.BooleanField(
        read_only=True,
        help_text="Queued, but the job service could not be reached when it was asked for: "
        "it is sent again, and starts by itself, once the service answers.",
    )
    stalled = serializers.BooleanField(
        read_only=True,
        help_text="Under way, but silent for longer than a step takes (its worker stopped or "
        "its message was lost): it is sent again and carries on.",
    )

    class Meta:
        model = AnalysisRun
        fields = [
            "id",
            "url",
            "centre",
            "trigger",
            "scope",
            "status",
            "progress",
            "step",
            "created_at",
            "started_at",
            "finished_at",
            "duration_ms",
            "counts",
            "error",
            "waiting_for_job_service",
            "stalled",
        ]
        read_only_fields = fields


class RunInSerializer(serializers.Serializer):
    centre = serializers.SlugField(
        required=False, help_text="For a manager of several centres; a token's is its own."
    )
