"""Forms for people's own settings: they validate and lay out; the rules are in services."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator

from accounts.models import User


class _UsernameLengthMixin:
    """Django's login forms set the username's max_length after the field is built, so it
    is never checked: a 300-character name went on to authenticate() and django-axes, whose
    attempt log holds 255 (a 500 on PostgreSQL). Here it is refused beside the field."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class LoginForm(_UsernameLengthMixin, AuthenticationForm):
    pass


class AdminLoginForm(_UsernameLengthMixin, AdminAuthenticationForm):
    pass


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
