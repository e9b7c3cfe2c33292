"""Forms for preventive actions (element 3): they validate and lay out; the rules are in
complaints.preventive."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout, Submit
from django import forms
from django.utils import timezone

from complaints.forms.fields import EarliestDateMixin
from complaints.forms.log import DATE_WIDGET
from complaints.models import (
    Category,
    CustomerCommunication,
    PreventiveAction,
    PreventiveAdjustment,
    RepeatedProblem,
)

_NOTE = HTML(
    '<div class="alert alert-warning" role="note"><strong>Personal data:</strong> Describe '
    "customers as a group, never by name. Don't type names, e-mail addresses, phone numbers, "
    "postcodes or account numbers into these boxes: evidence drafted from this record hides "
    "what looks like personal data, but it should not be here at all.</div>"
)


def _rows(n: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": n})


class PreventiveActionForm(EarliestDateMixin, forms.ModelForm):
    """The whole record, section by section as the unit's outcomes 3.1–3.5; what customers
    were told (3.3) and the adjustments (3.4) are added on their own forms."""

    class Meta:
        model = PreventiveAction
        fields = [
            "kind",
            "repeated_problem",
            "title",
            "category",
            "product",
            "proposal",
            "authority",
            "decision",
            "decision_on",
            "agreed",
            "description",
            "implemented_on",
            "monitoring_plan",
            "organisation_change",
            "how_actioned",
        ]
        labels = {
            "kind": "Whose change is it?",
            "repeated_problem": "The repeated problem it addresses",
            "title": "Name the change",
            "category": "Type of problem it should prevent",
            "product": "Product or service (optional)",
            "proposal": "What did you propose?",
            "authority": "Who did you negotiate it with?",
            "decision": "Their decision",
            "decision_on": "Decided on",
            "agreed": "What was agreed",
            "description": "What changed in systems or procedures?",
            "implemented_on": "The day it took effect",
            "monitoring_plan": "How will you monitor it?",
            "organisation_change": "What did your organisation bring in?",
            "how_actioned": "How did you action it?",
        }
        # "" drops the model's help text where the label already says it.
        help_texts = {
            "proposal": "",
            "description": "",
            "organisation_change": "",
            "how_actioned": "What you did to put it into practice, e.g. briefed your team.",
            "repeated_problem": "If the change comes from one of your repeated problems. Only "
            "decided ones are listed: choose the best option for a repeated problem first.",
            "category": "Casebook measures the change against these problems in your centre's "
            "log, before and after the day it took effect.",
            "product": "Narrow the measurement to one product or service; leave blank for all.",
            "authority": "The appropriate authority, by name or role, e.g. customer services "
            "manager.",
            "agreed": "The changes they asked for, or why they refused.",
            "implemented_on": "Leave blank until the change is in place.",
            "monitoring_plan": "What you will watch, for how long, and who you will tell. "
            "Casebook adds the before/after result from the problem log.",
        }
        widgets = {
            "kind": forms.RadioSelect,
            "decision_on": DATE_WIDGET,
            "implemented_on": DATE_WIDGET,
            "proposal": _rows(3),
            "agreed": _rows(2),
            "description": _rows(3),
            "monitoring_plan": _rows(3),
            "organisation_change": _rows(3),
            "how_actioned": _rows(3),
        }

    def __init__(self, *args, learner, centres=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [
            c for c in self.fields["category"].choices if c[0] != Category.UNCLASSIFIED
        ]
        self.fields["decision"].choices = [
            ("", "Not decided yet"),
            *PreventiveAction.Decision.choices,
        ]
        chosen = self.instance.repeated_problem_id
        records = RepeatedProblem.objects.filter(learner=learner).exclude(
            status=RepeatedProblem.Status.OPEN
        )
        if chosen:
            records = RepeatedProblem.objects.filter(learner=learner).filter(
                pk__in=[*records.values_list("pk", flat=True), chosen]
            )
        self.fields["repeated_problem"].queryset = records.order_by("-created_at")
        self.fields["repeated_problem"].empty_label = "None: it stands alone"
        if centres is not None and len(centres) > 1 and not self.instance.pk:
            self.fields["centre"] = forms.ModelChoiceField(
                queryset=type(centres[0]).objects.filter(pk__in=[c.pk for c in centres]),
                label="Centre",
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            _NOTE,
            Fieldset(
                "The change",
                *(["centre"] if "centre" in self.fields else []),
                "kind",
                "repeated_problem",
                "title",
                Div(
                    Div("category", css_class="col-md-6"),
                    Div("product", css_class="col-md-6"),
                    css_class="row",
                ),
            ),
            Fieldset(
                "3.1 Negotiating it with the appropriate authority",
                HTML(
                    '<p class="form-text mt-0">For a change you proposed. Skip this part for '
                    "a change your organisation brought in.</p>"
                ),
                "proposal",
                "authority",
                Div(
                    Div("decision", css_class="col-md-6"),
                    Div("decision_on", css_class="col-md-6"),
                    css_class="row",
                ),
                "agreed",
            ),
            Fieldset("3.2 Actioning it", "description", "implemented_on"),
            Fieldset(
                "3.4 Monitoring it",
                "monitoring_plan",
                HTML(
                    '<p class="form-text">What you tell customers (3.3) and any adjustments '
                    "after monitoring (3.4) are added on the preventive action's page.</p>"
                ),
            ),
            Fieldset(
                "3.5 A change your organisation brought in",
                HTML(
                    '<p class="form-text mt-0">Only for a change your organisation introduced '
                    "that you put into practice.</p>"
                ),
                "organisation_change",
                "how_actioned",
            ),
            Submit("save", "Save the preventive action"),
        )

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class CommunicationForm(EarliestDateMixin, forms.ModelForm):
    class Meta:
        model = CustomerCommunication
        fields = ["sent_on", "channel", "audience", "message"]
        labels = {
            "sent_on": "When",
            "channel": "How",
            "audience": "Which customers",
            "message": "What you told them",
        }
        help_texts = {
            "audience": "A group, not names, e.g. customers waiting for a router.",
            "message": "In the words you used: what is being done, and what it means for them.",
        }
        widgets = {"sent_on": DATE_WIDGET, "message": _rows(4)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("sent_on", timezone.localdate())
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            _NOTE,
            Div(
                Div("sent_on", css_class="col-md-5"),
                Div("channel", css_class="col-md-7"),
                css_class="row",
            ),
            "audience",
            "message",
            Submit("save", "Save what customers were told"),
        )


class AdjustmentForm(EarliestDateMixin, forms.ModelForm):
    class Meta:
        model = PreventiveAdjustment
        fields = ["made_on", "what", "why"]
        labels = {
            "made_on": "When",
            "what": "What did you adjust?",
            "why": "Why? What did the monitoring show?",
        }
        help_texts = {"what": "", "why": ""}
        widgets = {"made_on": DATE_WIDGET, "what": _rows(3), "why": _rows(3)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("made_on", timezone.localdate())
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout("made_on", "what", "why", Submit("save", "Save the adjustment"))
