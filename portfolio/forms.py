"""Forms for the portfolio: they validate and lay out; the rules are in services."""

from __future__ import annotations

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout
from django import forms
from django.utils import timezone

from complaints.forms.fields import EarliestDateMixin, ModelIdsField
from portfolio.models import Enrolment, EvidenceItem, EvidenceType, KnowledgeItem
from portfolio.services.evidence import STAR_FIELDS

PERSONAL_DATA_NOTE = (
    "Refer to customers by a reference, never by name: keep names, e-mail addresses, phone "
    "numbers and account numbers out of your evidence."
)


class EvidenceForm(EarliestDateMixin, forms.ModelForm):
    """An evidence item's text, date and links. The type is fixed when it is created; a
    personal statement is written as STAR and its narrative composed from the four parts."""

    class Meta:
        model = EvidenceItem
        fields = [
            "title",
            "date",
            "narrative",
            "situation",
            "task",
            "action",
            "result",
            "problems",
            "repeated_problems",
            "preventive_actions",
        ]
        labels = {
            "narrative": "What the evidence is and what it shows",
            "situation": "Situation: what was the problem?",
            "task": "Task: what did you need to do?",
            "action": "Action: what did you do, step by step?",
            "result": "Result: how did it end, and was the customer satisfied?",
            "problems": "Problems from your log",
            "repeated_problems": "Repeated problems",
            "preventive_actions": "Preventive actions",
        }
        help_texts = {
            "problems": "The problems this evidence draws on. Hold Ctrl (⌘ on a Mac) to "
            "choose more than one.",
            "repeated_problems": "Repeated problems Casebook found that include your problems.",
            "preventive_actions": "Changes you made to stop a problem happening again.",
        }
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "narrative": forms.Textarea(attrs={"rows": 8}),
            "situation": forms.Textarea(attrs={"rows": 4}),
            "task": forms.Textarea(attrs={"rows": 3}),
            "action": forms.Textarea(attrs={"rows": 8}),
            "result": forms.Textarea(attrs={"rows": 4}),
            "problems": forms.SelectMultiple(attrs={"size": 8}),
            "repeated_problems": forms.SelectMultiple(attrs={"size": 4}),
            "preventive_actions": forms.SelectMultiple(attrs={"size": 4}),
        }
        field_classes = {
            "problems": ModelIdsField,
            "repeated_problems": ModelIdsField,
            "preventive_actions": ModelIdsField,
        }

    def __init__(self, *args, evidence_type: EvidenceType, link_choices: dict, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.evidence_type = evidence_type
        is_star = evidence_type.code == "P"
        for name in STAR_FIELDS if not is_star else ("narrative",):
            del self.fields[name]
        if is_star:
            for name in STAR_FIELDS:
                self.fields[name].required = True
        else:
            self.fields["narrative"].required = True
        self.fields["date"].required = evidence_type.dated
        self.fields["date"].help_text = (
            "The date of the questions and answers." if evidence_type.dated else ""
        )
        for name, queryset in link_choices.items():
            self.fields[name].queryset = queryset
            self.fields[name].required = False
            if not queryset.exists():
                self.fields[name].widget = forms.MultipleHiddenInput()
        if not self.instance.pk and not self.initial.get("date"):
            self.initial["date"] = timezone.localdate()
        self.helper = FormHelper()
        self.helper.form_tag = False
        text = (
            [Fieldset("Your statement, as STAR", *STAR_FIELDS)]
            if is_star
            else [Fieldset("The evidence", "narrative")]
        )
        links = [n for n, q in link_choices.items() if q.exists()]
        self.helper.layout = Layout(
            HTML(
                '<div class="alert alert-warning" role="note"><strong>Personal data:</strong> '
                f"{PERSONAL_DATA_NOTE}</div>"
            ),
            Div(
                Div("title", css_class="col-md-8"),
                Div("date", css_class="col-md-4"),
                css_class="row",
            ),
            *text,
            Fieldset("What it draws on", *links) if links else HTML(""),
        )


class EvidenceTypeChoiceForm(forms.Form):
    evidence_type = forms.ModelChoiceField(
        queryset=EvidenceType.objects.none(),
        widget=forms.RadioSelect,
        label="What kind of evidence is it?",
        empty_label=None,
    )

    def __init__(self, *args, enrolment: Enrolment, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evidence_type"].queryset = enrolment.unit.evidence_types.filter(
            is_evidence_type=True
        )
        self.fields["evidence_type"].label_from_instance = lambda t: t.name


class MappingForm(forms.Form):
    """The mapping panel's ticks; the template lays the boxes out by element and group."""

    outcomes = ModelIdsField(queryset=None, required=False)
    knowledge_items = ModelIdsField(queryset=None, required=False)
    range_items = ModelIdsField(queryset=None, required=False)

    def __init__(self, *args, enrolment: Enrolment, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        unit = enrolment.unit
        self.fields["outcomes"].queryset = unit.outcomes.all()
        self.fields["knowledge_items"].queryset = KnowledgeItem.objects.filter(unit=unit)
        self.fields["range_items"].queryset = unit.range_items.all()


class AttachmentForm(forms.Form):
    """One file; what kind it is and whether it is kept is decided by its content, in the
    service, not by the browser's `accept` hint."""

    file = forms.FileField(label="Attach a file", allow_empty_file=True)


class WitnessRequestForm(forms.Form):
    witness_name = forms.CharField(label="Witness's name", max_length=120)
    witness_role = forms.CharField(
        label="Their role, and how they know your work",
        max_length=120,
        help_text="For example “Team leader, my line manager”.",
    )
    # The column's length: a form EmailField allows 320 characters, and PostgreSQL would
    # refuse a longer address than the column holds (a 500).
    witness_email = forms.EmailField(label="Their e-mail address", max_length=254)
    prompt = forms.CharField(
        label="What would you like them to describe?",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Say which problem or occasion, and what they saw you do. " + PERSONAL_DATA_NOTE,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Div(
                Div("witness_name", css_class="col-md-6"),
                Div("witness_role", css_class="col-md-6"),
                css_class="row",
            ),
            "witness_email",
            "prompt",
        )


class WitnessStatementForm(forms.Form):
    text = forms.CharField(
        label="Your statement",
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Describe what you saw, in your own words: when, where, what they did and "
        "how it ended. Refer to customers by a description, not by name.",
    )
    witness_name = forms.CharField(label="Your name", max_length=120)
    witness_role = forms.CharField(
        label="Your role",
        max_length=120,
        help_text="Your job, and how you know their work, e.g. “Team leader, I manage them”.",
    )
    confirmed = forms.BooleanField(
        label="I confirm this is a true account of what I saw",
        required=True,
        error_messages={"required": "Tick to confirm this is a true account of what you saw."},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "text",
            Div(
                Div("witness_name", css_class="col-md-6"),
                Div("witness_role", css_class="col-md-6"),
                css_class="row",
            ),
            "confirmed",
        )


# Assessment and signatures ----------------------------------------------------------------


class AssessmentForm(forms.Form):
    """The assessor's decision on each outcome the evidence claims: competent or not yet,
    with feedback (needed for not yet, the service says so)."""

    VERDICTS = [("competent", "Competent"), ("not_yet", "Not yet")]

    def __init__(self, *args, outcomes, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcomes = list(outcomes)
        for outcome in self.outcomes:
            self.fields[f"verdict_{outcome.pk}"] = forms.ChoiceField(
                label="Decision", choices=self.VERDICTS, widget=forms.RadioSelect
            )
            self.fields[f"feedback_{outcome.pk}"] = forms.CharField(
                label="Feedback",
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text="What the evidence shows; for not yet, what is still needed.",
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            *(
                Fieldset(
                    f"{o.code} {o.text}",
                    InlineRadios(f"verdict_{o.pk}"),
                    f"feedback_{o.pk}",
                    css_class="cb-decision",
                )
                for o in self.outcomes
            )
        )

    def decisions(self):
        from portfolio.services.assessment import Decision

        return [
            Decision(
                outcome=o,
                verdict=self.cleaned_data[f"verdict_{o.pk}"],
                feedback=self.cleaned_data[f"feedback_{o.pk}"],
            )
            for o in self.outcomes
        ]


class ReauthForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class UnlockForm(forms.Form):
    reason = forms.CharField(
        label="Why it is unlocked",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Kept with the unlock and on every signature it voids; the learner and "
        "their assessor and internal verifier read it.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class ElementRecordForm(forms.Form):
    feedback = forms.CharField(
        label="Feedback",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="To the learner, on their performance across the element.",
        error_messages={"required": "Write your feedback to the learner on this element."},
    )
    comments = forms.CharField(
        label="Comments", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class KnowledgeFeedbackForm(forms.Form):
    feedback = forms.CharField(
        label="Your feedback and comments",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "On the learner's knowledge evidence, as on the unit's knowledge record. You can "
            "change it until the candidate signs."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


# Internal verification ----------------------------------------------------------------------


class SamplingRateForm(forms.Form):
    rate = forms.IntegerField(
        label="Sampling rate (%)",
        min_value=1,
        max_value=100,
        help_text="The share of this assessor's signed assessments you sample, 1 to 100.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    reason = forms.CharField(
        label="Why this rate",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: new to assessing this unit, so 100% for now.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class TargetedSampleForm(forms.Form):
    """Add one signed assessment to the sample directly: chosen from those not yet sampled."""

    evidence = forms.TypedChoiceField(label="Assessment", coerce=int)
    reason = forms.CharField(
        label="Why you are sampling it",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: a complaint, a new assessment method, an unusual decision.",
    )

    def __init__(self, *args, assessments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].choices = [("", "Choose an assessment")] + [
            (
                a.item.pk,
                f"{a.item.enrolment.learner.display_name}, EI {a.item.ei}: {a.item.title}",
            )
            for a in assessments
        ]
        self.helper = FormHelper()
        self.helper.form_tag = False


class VerificationReviewForm(forms.Form):
    verdict = forms.ChoiceField(
        label="Your decision",
        choices=[
            ("accept", "Accept the assessor's decisions"),
            ("refer_back", "Refer back to the assessor"),
        ],
        widget=forms.RadioSelect,
    )
    comments = forms.CharField(
        label="Comments",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="To the assessor. Needed to refer back: say what they should look at again.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class AssessorResponseForm(forms.Form):
    text = forms.CharField(
        label="Your response",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What you did about the internal verifier's comments, or why your decisions "
        "stand.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
