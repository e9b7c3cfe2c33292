"""Forms for the problem log: they validate and lay out; the rules are in services."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout, Submit
from django import forms
from django.utils import timezone

from complaints.models import Action, ActionKind, Problem, Status
from complaints.services import TRANSITIONS

PERSONAL_DATA_NOTE = (
    "Refer to the customer by a reference, never by name. Don't type names, e-mail "
    "addresses, phone numbers, postcodes or account numbers into these boxes: Casebook flags "
    "them and hides them from exports."
)

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ProblemForm(forms.ModelForm):
    why_1 = forms.CharField(label="Why did it happen?", required=False, max_length=300)
    why_2 = forms.CharField(label="Why? (2)", required=False, max_length=300)
    why_3 = forms.CharField(label="Why? (3)", required=False, max_length=300)
    why_4 = forms.CharField(label="Why? (4)", required=False, max_length=300)
    why_5 = forms.CharField(label="Why? (5): the root cause", required=False, max_length=300)
    within_authority = forms.TypedChoiceField(
        label="Could you solve it within your own authority?",
        choices=[("", "Not sure yet"), ("yes", "Yes"), ("no", "No")],
        coerce=lambda v: {"yes": True, "no": False}.get(v),
        empty_value=None,
        required=False,
    )

    class Meta:
        model = Problem
        fields = [
            "received_at",
            "identified_by",
            "customer_kind",
            "customer_ref",
            "channel",
            "product",
            "category",
            "severity",
            "customer_expectation",
            "description",
            "within_authority",
            "exception_what",
            "exception_authorised_by",
            "exception_authorised_at",
            "root_cause_category",
        ]
        labels = {
            "received_at": "When was it received or spotted?",
            "identified_by": "Who identified the problem?",
            "customer_kind": "Customer",
            "customer_ref": "Customer reference",
            "product": "Product or service",
            "category": "Type of problem",
            "customer_expectation": "What did the customer expect?",
            "description": "What went wrong?",
            "exception_what": "Authorised exception to usual practice (if any)",
            "exception_authorised_by": "Authorised by (name or role)",
            "exception_authorised_at": "Authorised on",
            "root_cause_category": "Cause category (fishbone)",
        }
        help_texts = {
            "customer_ref": "A reference from your system, e.g. an order or account reference. "
            "Not a name.",
            "category": "The unit's three problem types: a gap between what the customer "
            "expected and what you offer, a system or procedure failure, or a shortage of "
            "resources or human error.",
        }
        widgets = {
            "received_at": DATETIME_WIDGET,
            "exception_authorised_at": DATETIME_WIDGET,
            "customer_expectation": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 4}),
            "exception_what": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, centres=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [
            c for c in self.fields["category"].choices if c[0] != "unclassified"
        ] + ([("unclassified", "Unclassified")] if self.instance.category == "unclassified" else [])
        if not self.instance.pk:
            self.initial.setdefault("received_at", timezone.localtime().replace(second=0))
        whys = list(self.instance.root_cause_whys or [])
        for i in range(5):
            self.initial.setdefault(f"why_{i + 1}", whys[i] if i < len(whys) else "")
        if self.instance.pk:
            self.initial["within_authority"] = {True: "yes", False: "no"}.get(
                self.instance.within_authority, ""
            )
        if centres is not None and len(centres) > 1:
            self.fields["centre"] = forms.ModelChoiceField(queryset=None, label="Centre")
            self.fields["centre"].queryset = type(centres[0]).objects.filter(
                pk__in=[c.pk for c in centres]
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            HTML(
                '<div class="alert alert-warning" role="note"><strong>Personal data:</strong> '
                f"{PERSONAL_DATA_NOTE}</div>"
            ),
            Fieldset(
                "The problem",
                *(["centre"] if "centre" in self.fields else []),
                Div(
                    Div("received_at", css_class="col-md-4"),
                    Div("identified_by", css_class="col-md-4"),
                    Div("channel", css_class="col-md-4"),
                    css_class="row",
                ),
                Div(
                    Div("customer_kind", css_class="col-md-4"),
                    Div("customer_ref", css_class="col-md-4"),
                    Div("severity", css_class="col-md-4"),
                    css_class="row",
                ),
                Div(
                    Div("product", css_class="col-md-6"),
                    Div("category", css_class="col-md-6"),
                    css_class="row",
                ),
                "customer_expectation",
                "description",
            ),
            Fieldset(
                "Authority and exceptions",
                "within_authority",
                "exception_what",
                Div(
                    Div("exception_authorised_by", css_class="col-md-6"),
                    Div("exception_authorised_at", css_class="col-md-6"),
                    css_class="row",
                ),
            ),
            Fieldset(
                "Root cause (5 whys)",
                "why_1",
                "why_2",
                "why_3",
                "why_4",
                "why_5",
                "root_cause_category",
            ),
        )

    def clean(self):
        data = super().clean()
        whys = [data.get(f"why_{i}", "").strip() for i in range(1, 6)]
        while whys and not whys[-1]:
            whys.pop()
        if "" in whys:
            self.add_error(f"why_{whys.index('') + 1}", "Fill the whys in order, without gaps.")
        data["root_cause_whys"] = whys
        if data.get("exception_what") and not data.get("exception_authorised_by"):
            self.add_error(
                "exception_authorised_by", "Say who authorised the exception to usual practice."
            )
        return data

    def service_fields(self) -> dict:
        """The cleaned values the services take (the model fields plus the 5 whys)."""
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        fields["root_cause_whys"] = self.cleaned_data["root_cause_whys"]
        return fields


class ActionForm(forms.ModelForm):
    class Meta:
        model = Action
        fields = [
            "kind",
            "taken_at",
            "description",
            "with_whom",
            "satisfaction_score",
            "customer_words",
        ]
        labels = {
            "kind": "What did you do?",
            "taken_at": "When",
            "description": "What happened",
            "with_whom": "Who with (colleagues or authority, by role)",
            "satisfaction_score": "Customer's satisfaction (1 = very unhappy, 5 = very happy)",
            "customer_words": "What the customer said",
        }
        widgets = {
            "taken_at": DATETIME_WIDGET,
            "description": forms.Textarea(attrs={"rows": 3}),
            "customer_words": forms.Textarea(attrs={"rows": 2}),
            "satisfaction_score": forms.Select(
                choices=[("", "—")] + [(i, str(i)) for i in range(1, 6)]
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("taken_at", timezone.localtime().replace(second=0))
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Div(
                Div("kind", css_class="col-md-7"),
                Div("taken_at", css_class="col-md-5"),
                css_class="row",
            ),
            "description",
            "with_whom",
            Div(
                Div("satisfaction_score", css_class="col-md-5"),
                Div("customer_words", css_class="col-md-7"),
                css_class="row",
            ),
            Submit("add", "Add to the timeline"),
        )


class StatusForm(forms.Form):
    to = forms.ChoiceField(label="Move to", choices=Status.choices)
    note = forms.CharField(
        label="Note (needed when escalating or reopening)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, problem: Problem, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = TRANSITIONS[problem.status]
        self.fields["to"].choices = [("", "Choose…")] + [
            (v, label) for v, label in Status.choices if v in allowed
        ]


ACTION_KIND_HELP = {
    ActionKind.RESPONDED: "You responded positively, following your organisation's guidelines.",
    ActionKind.SOLVED_IN_AUTHORITY: "You solved it yourself, within your own authority.",
    ActionKind.WORKED_WITH_OTHERS: "You worked with colleagues or other teams: name them.",
    ActionKind.KEPT_INFORMED: "You told the customer what was being done.",
    ActionKind.SATISFACTION_CHECKED: "You checked the customer was satisfied: score and words.",
    ActionKind.SOLVED_BEFORE_AWARE: "You fixed a system or procedure problem before customers "
    "noticed.",
    ActionKind.INFORMED_AUTHORITY: "You told the appropriate authority and colleagues what was "
    "done.",
}
