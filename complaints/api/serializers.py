"""What the API sends back about problems, and the shapes of what it takes (for the schema:
the checking itself is the web forms', complaints/api/validation.py)."""

from __future__ import annotations

from rest_framework import serializers

from complaints.forms.log import ProblemForm
from complaints.models import (
    Action,
    ActionKind,
    Category,
    Channel,
    CustomerKind,
    Fishbone,
    IdentifiedBy,
    Problem,
    Severity,
    Status,
)
from complaints.privacy import redact

# A new problem takes one of the unit's types (or other): "unclassified" is for imports.
LOGGABLE_CATEGORIES = [c for c in Category.choices if c[0] != Category.UNCLASSIFIED]
PROBLEM_TEXT = ("customer_expectation", "description", "exception_what")
ACTION_TEXT = ("description", "customer_words")


class _Redacting(serializers.ModelSerializer):
    """Free text as the web shows it: in full to the learner whose log it is, with flagged
    personal data redacted for everyone else (a centre's token included). The view puts
    the asking person's id in the context as ``owner_id`` (None for a token)."""

    text_fields: tuple[str, ...] = ()

    def log_owner_id(self, instance) -> int:
        return instance.learner_id

    def to_representation(self, instance):
        data = super().to_representation(instance)
        owner = self.context.get("owner_id")
        if owner is None or self.log_owner_id(instance) != owner:
            for name in self.text_fields:
                if data.get(name):
                    data[name] = redact(data[name])
        return data


class ActionSerializer(_Redacting):
    text_fields = ACTION_TEXT
    taken_by = serializers.CharField(source="taken_by.username", read_only=True)

    class Meta:
        model = Action
        fields = [
            "id",
            "kind",
            "taken_at",
            "taken_by",
            "description",
            "with_whom",
            "satisfaction_score",
            "customer_words",
            "created_at",
        ]
        read_only_fields = fields

    def log_owner_id(self, instance) -> int:
        return instance.problem.learner_id


class ProblemSerializer(_Redacting):
    text_fields = PROBLEM_TEXT
    reference = serializers.CharField(read_only=True)
    centre = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    learner = serializers.CharField(source="learner.username", read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:problem-detail")
    root_cause_whys = serializers.ListField(child=serializers.CharField(), read_only=True)
    personal_data_flags = serializers.ListField(child=serializers.CharField(), read_only=True)
    # Blank until a cause is chosen (a read-only model field's schema would leave "" out).
    root_cause_category = serializers.ChoiceField(
        choices=Fishbone.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Problem
        fields = [
            "id",
            "url",
            "reference",
            "centre",
            "learner",
            "external_ref",
            # What the learner records, as the web form (and the API's writes) take it.
            *ProblemForm.Meta.fields,
            "root_cause_whys",
            "status",
            "acknowledged_at",
            "resolved_at",
            "closed_at",
            "first_response_due",
            "resolution_due",
            "personal_data_flags",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ProblemDetailSerializer(ProblemSerializer):
    actions = serializers.SerializerMethodField()

    class Meta(ProblemSerializer.Meta):
        fields = [*ProblemSerializer.Meta.fields, "actions"]
        read_only_fields = fields

    def get_actions(self, problem) -> list[dict]:
        actions = problem.actions.select_related("taken_by").order_by("taken_at", "pk")
        return ActionSerializer(actions, many=True, context=self.context).data

    get_actions._spectacular_annotation = {"field": ActionSerializer(many=True)}


# --- What the API takes (documentation of the shapes; checked by the web forms) ------------------


class ProblemInSerializer(serializers.Serializer):
    learner = serializers.CharField(
        required=False,
        help_text="Username of the learner whose log it goes in: required with a token (a "
        "learner of the token's centre); a learner signed in writes to their own log.",
    )
    external_ref = serializers.CharField(
        required=False,
        max_length=100,
        help_text="The problem's reference in your system. A second create with the same "
        "reference returns the problem already logged (200) instead of a duplicate.",
    )
    centre = serializers.SlugField(
        required=False, help_text="Only for a learner signed in at several centres."
    )
    received_at = serializers.DateTimeField()
    identified_by = serializers.ChoiceField(choices=IdentifiedBy.choices)
    customer_kind = serializers.ChoiceField(choices=CustomerKind.choices)
    customer_ref = serializers.CharField(required=False, allow_blank=True, max_length=60)
    channel = serializers.ChoiceField(choices=Channel.choices)
    product = serializers.CharField(max_length=120)
    category = serializers.ChoiceField(choices=LOGGABLE_CATEGORIES)
    severity = serializers.ChoiceField(choices=Severity.choices)
    customer_expectation = serializers.CharField(required=False, allow_blank=True)
    description = serializers.CharField()
    within_authority = serializers.BooleanField(required=False, allow_null=True)
    exception_what = serializers.CharField(required=False, allow_blank=True)
    exception_authorised_by = serializers.CharField(
        required=False, allow_blank=True, max_length=120
    )
    exception_authorised_at = serializers.DateTimeField(required=False, allow_null=True)
    root_cause_whys = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False, max_length=5
    )
    root_cause_category = serializers.ChoiceField(
        choices=Fishbone.choices, required=False, allow_blank=True
    )


class ProblemBatchInSerializer(serializers.Serializer):
    problems = ProblemInSerializer(
        many=True,
        help_text="Up to 500 problems, each with its external_ref. All or nothing: one "
        "invalid item and none is logged.",
    )


class BatchItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    reference = serializers.CharField()
    external_ref = serializers.CharField()
    created = serializers.BooleanField(help_text="False: it was already in the log.")


class ProblemBatchOutSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    existing = serializers.IntegerField()
    problems = BatchItemSerializer(many=True)


class StatusInSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Status.choices)
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=1000, help_text="Needed to escalate or reopen."
    )


class ActionInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ActionKind.choices)
    taken_at = serializers.DateTimeField()
    description = serializers.CharField()
    with_whom = serializers.CharField(required=False, allow_blank=True, max_length=200)
    satisfaction_score = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=5
    )
    customer_words = serializers.CharField(required=False, allow_blank=True)


class ErrorSerializer(serializers.Serializer):
    """Errors by field: {"field": ["message"]}; ``non_field_errors`` for the rest."""

    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()
