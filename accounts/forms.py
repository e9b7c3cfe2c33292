"""Forms for people's own settings: they validate and lay out; the rules are in services."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms

from accounts.models import User


class NotificationSettingsForm(forms.Form):
    email_notifications = forms.BooleanField(
        label=User._meta.get_field("email_notifications").verbose_name.capitalize(),
        help_text=User._meta.get_field("email_notifications").help_text,
        required=False,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Which system will use it?",
        max_length=100,
        help_text="For example: CRM nightly export. Shown in the list and the audit log.",
    )
    scope = forms.ChoiceField(
        label="It may",
        choices=[
            ("read", "Read the centre's log and analysis"),
            ("write", "Read, and also log problems and change them"),
        ],
        widget=forms.RadioSelect,
        initial="read",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
