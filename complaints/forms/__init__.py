"""Forms for the problem log: they validate and lay out; the rules are in services. Problems
and repeated problems (log), preventive actions (preventive)."""

from complaints.forms.log import (
    ACTION_KIND_HELP,
    DATE_WIDGET,
    PERSONAL_DATA_NOTE,
    ActionForm,
    ConsultationForm,
    DecisionForm,
    IncidentFilterForm,
    OptionForm,
    ProblemForm,
    RepeatedProblemForm,
    StatusForm,
)
from complaints.forms.preventive import (
    AdjustmentForm,
    CommunicationForm,
    PreventiveActionForm,
)

__all__ = [
    "ACTION_KIND_HELP",
    "DATE_WIDGET",
    "PERSONAL_DATA_NOTE",
    "ActionForm",
    "AdjustmentForm",
    "CommunicationForm",
    "ConsultationForm",
    "DecisionForm",
    "IncidentFilterForm",
    "OptionForm",
    "PreventiveActionForm",
    "ProblemForm",
    "RepeatedProblemForm",
    "StatusForm",
]
