"""Forms for the problem log: they validate and lay out; the rules are in services."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout, Submit
from django import forms
from django.utils import timezone

from complaints.forms.fields import EarliestDateMixin, ModelIdsField
from complaints.models import (
    Action,
    ActionKind,
    Category,
    Option,
    OptionBasis,
    Problem,
    RepeatedProblem,
    Status,
)
from complaints.services import TRANSITIONS

PERSONAL_DATA_NOTE = (
    "Refer to the customer by a reference, never by name. Don't type names, e-mail "
    "addresses, phone numbers, postcodes or account numbers into these boxes: Casebook flags "
    "them and hides them from exports."
)

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

WHY_FIELDS = [f"why_{i}" for i in range(1, 6)]


class FiveWhysForm(forms.Form):
    """The 5 whys of a root cause as five boxes, shared by a problem and a repeated problem:
    filled from the instance's `root_cause_whys` list and laid out as one fieldset."""

    why_1 = forms.CharField(label="Why did it happen?", required=False, max_length=300)
    why_2 = forms.CharField(label="Why? (2)", required=False, max_length=300)
    why_3 = forms.CharField(label="Why? (3)", required=False, max_length=300)
    why_4 = forms.CharField(label="Why? (4)", required=False, max_length=300)
    why_5 = forms.CharField(label="Why? (5): the root cause", required=False, max_length=300)

    first_why_label = "Why did it happen?"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["why_1"].label = self.first_why_label
        whys = list(getattr(self.instance, "root_cause_whys", None) or [])
        for name, why in zip(WHY_FIELDS, whys, strict=False):
            self.initial.setdefault(name, why)

    def whys_fieldset(self) -> Fieldset:
        return Fieldset("Root cause (5 whys)", *WHY_FIELDS, "root_cause_category")

    def whys_submitted(self, data: dict) -> list[str]:
        """The five answers in order, trimmed (blank ones as "")."""
        return [(data.get(name) or "").strip() for name in WHY_FIELDS]


class ProblemForm(EarliestDateMixin, FiveWhysForm, forms.ModelForm):
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
            self.whys_fieldset(),
        )

    def clean(self):
        data = super().clean()
        whys = self.whys_submitted(data)
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


class ActionForm(EarliestDateMixin, forms.ModelForm):
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


# --- Repeated problems (element 2) ---------------------------------------------------------------

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RepeatedProblemForm(FiveWhysForm, forms.ModelForm):
    """The pattern, who identified it, and its root cause. The incidents are picked from the
    learner's log; the template lists them (a learner's log has hundreds of problems, so
    only the chosen ones and the filter's matches are on the page)."""

    first_why_label = "Why does it keep happening?"
    incidents = ModelIdsField(
        queryset=Problem.objects.none(),
        required=False,
        widget=forms.MultipleHiddenInput,
        error_messages={"invalid_choice": "Choose problems from your own log."},
    )

    class Meta:
        model = RepeatedProblem
        fields = [
            "title",
            "pattern",
            "identified_how",
            "identified_with",
            "root_cause_category",
        ]
        labels = {
            "title": "Name the repeated problem",
            "pattern": "The pattern in words",
            "identified_how": "How did you identify it?",
            "identified_with": "Which colleagues did you work with?",
            "root_cause_category": "Cause category (fishbone)",
        }
        help_texts = {
            "pattern": "What keeps happening, to which customers, how often, since when.",
            "identified_with": "Roles or first names, e.g. team leader, billing colleague.",
        }
        widgets = {"pattern": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, learner, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incidents"].queryset = Problem.objects.filter(learner=learner)
        if self.instance.pk and not self.is_bound:
            self.initial.setdefault(
                "incidents", list(self.instance.incidents.values_list("pk", flat=True))
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                "The repeated problem",
                "title",
                "pattern",
                Div(
                    Div("identified_how", css_class="col-md-5"),
                    Div("identified_with", css_class="col-md-7"),
                    css_class="row",
                ),
            ),
            self.whys_fieldset(),
        )

    def chosen_ids(self) -> list[int]:
        """The incidents ticked, as submitted (valid or not), to keep them ticked."""
        if self.is_bound:
            values = self.data.getlist(self.add_prefix("incidents"))
        else:
            values = self.initial.get("incidents", [])
        return [int(v) for v in values if _is_id(str(v))]

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["root_cause_whys"] = self.whys_submitted(data)
        for name in WHY_FIELDS:
            data.pop(name)
        return data


def _is_id(text: str) -> bool:
    """Digits that can be a row's id: isdigit() alone passes "²", which int() refuses, and a
    number longer than a 64-bit id overflows the database's integer."""
    return text.isascii() and text.isdigit() and len(text) <= 18


class IncidentFilterForm(forms.Form):
    """Narrows the learner's log to the problems worth reading for a pattern."""

    text = forms.CharField(label="Words or reference", required=False, max_length=200)
    product = forms.CharField(label="Product or service", required=False, max_length=120)
    category = forms.ChoiceField(
        label="Type of problem", required=False, choices=[("", "Any type"), *Category.choices]
    )
    received_from = forms.DateField(label="From", required=False, widget=DATE_WIDGET)
    received_to = forms.DateField(label="To", required=False, widget=DATE_WIDGET)

    def __init__(self, *args, products=(), **kwargs):
        super().__init__(*args, prefix="f", **kwargs)
        self.fields["product"].widget = forms.TextInput(attrs={"list": "product-list"})
        self.products = products
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Div(
                Div("text", css_class="col-md-6 col-lg-4"),
                Div("product", css_class="col-md-6 col-lg-4"),
                Div("category", css_class="col-md-6 col-lg-4"),
                Div("received_from", css_class="col-6 col-lg-3"),
                Div("received_to", css_class="col-6 col-lg-3"),
                css_class="row",
            ),
        )

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


class OptionForm(forms.ModelForm):
    class Meta:
        model = Option
        fields = [
            "title",
            "description",
            "basis",
            "customer_advantages",
            "customer_disadvantages",
            "organisation_advantages",
            "organisation_disadvantages",
            "cost",
            "feasibility",
        ]
        labels = {
            "title": "The option, in a few words",
            "description": "What it would involve",
            "basis": "It uses",
            "customer_advantages": "Advantages",
            "customer_disadvantages": "Disadvantages",
            "organisation_advantages": "Advantages",
            "organisation_disadvantages": "Disadvantages",
            "cost": "Cost",
            "feasibility": "How feasible is it?",
        }
        widgets = {
            "basis": forms.RadioSelect,
            **{
                name: forms.Textarea(attrs={"rows": 2})
                for name in (
                    "description",
                    "customer_advantages",
                    "customer_disadvantages",
                    "organisation_advantages",
                    "organisation_disadvantages",
                )
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset("The option", "title", "description", "basis"),
            Fieldset(
                "From the customer's point of view",
                Div(
                    Div("customer_advantages", css_class="col-md-6"),
                    Div("customer_disadvantages", css_class="col-md-6"),
                    css_class="row",
                ),
            ),
            Fieldset(
                "From the organisation's point of view",
                Div(
                    Div("organisation_advantages", css_class="col-md-6"),
                    Div("organisation_disadvantages", css_class="col-md-6"),
                    css_class="row",
                ),
            ),
            Fieldset(
                "Cost and feasibility",
                Div(
                    Div("cost", css_class="col-md-6"),
                    Div("feasibility", css_class="col-md-6"),
                    css_class="row",
                ),
            ),
            Submit("save", "Save the option"),
        )
        # A radio list needs no "---------" choice: the field is required.
        self.fields["basis"].choices = OptionBasis.choices


class ConsultationForm(EarliestDateMixin, forms.ModelForm):
    class Meta:
        model = RepeatedProblem
        fields = ["consulted_with", "consulted_on", "agreed"]
        labels = {
            "consulted_with": "Who did you work with to agree the way forward?",
            "consulted_on": "When?",
            "agreed": "What was agreed?",
        }
        help_texts = {
            "consulted_with": "Names or roles, e.g. team leader, customer services manager."
        }
        widgets = {"consulted_on": DATE_WIDGET, "agreed": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = True
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "consulted_with", "consulted_on", "agreed", Submit("save", "Save the consultation")
        )


class DecisionForm(forms.Form):
    option = forms.ModelChoiceField(
        queryset=Option.objects.none(),
        widget=forms.RadioSelect,
        label="The option you chose",
        empty_label=None,
    )
    justification = forms.CharField(
        label="Why is it the best option for both your customers and your organisation?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )

    def __init__(self, *args, repeated_problem, disabled=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["option"].queryset = repeated_problem.options.all()
        self.helper = FormHelper()
        self.helper.form_tag = False
        submit = Submit("decide", "Choose this option")
        if disabled:
            for field in self.fields.values():
                field.disabled = True
            submit = Submit(
                "decide",
                "Choose this option",
                disabled="disabled",
                aria_describedby="decide-blockers",
            )
        self.helper.layout = Layout("option", "justification", submit)
