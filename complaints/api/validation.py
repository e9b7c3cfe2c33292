"""JSON in, the web forms' validation, JSON errors out. The API checks what it is sent with
the same forms as the pages (ProblemForm, StatusForm, ActionForm), so an error says the same
thing in the same words; its errors are ``{"field": ["message", ...]}``, with
``non_field_errors`` for what concerns no one field."""

from __future__ import annotations

import json
from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError
from rest_framework import serializers

from accounts.models import Centre, Role, User
from complaints.forms import ProblemForm
from complaints.forms.log import WHY_FIELDS
from complaints.models import Problem

NON_FIELD = "non_field_errors"
# The free-text answer to "could you solve it within your own authority?" is a boolean in
# JSON and a yes/no/not sure choice on the page.
_AUTHORITY = {True: "yes", False: "no", None: ""}
_EXTERNAL_REF = forms.CharField(max_length=Problem._meta.get_field("external_ref").max_length)
_USERNAME = forms.CharField(max_length=150)


class ApiValidationError(serializers.ValidationError):
    """A 400 whose body is the errors by field, as given."""

    def __init__(self, errors: dict):
        super().__init__(errors)


def as_form_value(value) -> str:
    """What a browser would have sent for a JSON value: a form field is only ever given a
    string (a number or a list where text belongs is then refused by the field, never a
    crash)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def form_data(payload: Mapping, names) -> dict[str, str]:
    return {name: as_form_value(payload[name]) for name in names if name in payload}


def form_errors(form: forms.Form, renamed: Mapping[str, str] | None = None) -> dict:
    errors: dict[str, list[str]] = {}
    for name, messages in form.errors.items():
        key = NON_FIELD if name == "__all__" else (renamed or {}).get(name, name)
        errors.setdefault(key, []).extend(messages)
    return errors


def service_errors(error: ValidationError, default_field: str = NON_FIELD) -> dict:
    """A service's refusal by field (a plain message goes under ``default_field``)."""
    if hasattr(error, "error_dict"):
        return {
            (NON_FIELD if name == "__all__" else name): list(messages)
            for name, messages in error.message_dict.items()
        }
    return {default_field: list(error.messages)}


def require_object(payload) -> Mapping:
    if not isinstance(payload, Mapping):
        raise ApiValidationError({NON_FIELD: ["Send a JSON object."]})
    return payload


# --- Problems ------------------------------------------------------------------------------------


def problem_fields(payload: Mapping, *, centres: list[Centre]) -> tuple[Centre, dict]:
    """A new problem's fields, checked by the page's ProblemForm: (centre, the fields
    problem_create takes). ``root_cause_whys`` is a list of up to five answers, as the
    page's five boxes."""
    data = form_data(payload, ProblemForm.Meta.fields)
    authority = payload.get("within_authority")
    data["within_authority"] = (
        _AUTHORITY[authority] if authority in (True, False, None) else as_form_value(authority)
    )
    whys = payload.get("root_cause_whys") or []
    if not isinstance(whys, list) or len(whys) > len(WHY_FIELDS):
        raise ApiValidationError({"root_cause_whys": ["Give up to five whys, in order."]})
    data.update(zip(WHY_FIELDS, (as_form_value(why) for why in whys), strict=False))
    if len(centres) > 1:
        by_slug = {c.slug: c.pk for c in centres}
        data["centre"] = str(by_slug.get(str(payload.get("centre", "")), ""))
    form = ProblemForm(data, centres=centres)
    if not form.is_valid():
        errors = form_errors(form, renamed=dict.fromkeys(WHY_FIELDS, "root_cause_whys"))
        raise ApiValidationError(errors)
    centre = form.cleaned_data.get("centre") or centres[0]
    return centre, form.service_fields()


def external_ref(payload: Mapping, *, required: bool) -> str:
    """The company system's reference: the key that makes a create safe to retry."""
    field = forms.CharField(
        max_length=_EXTERNAL_REF.max_length,
        required=required,
        error_messages={"required": "Give the problem's reference in your system."},
    )
    try:
        return field.clean(as_form_value(payload.get("external_ref"))).strip()
    except ValidationError as error:
        raise ApiValidationError({"external_ref": error.messages}) from error


def learner_named(payload: Mapping, *, centre: Centre) -> User:
    """The learner whose log a token writes to, by username: a learner of the token's
    centre (as a manager's import names one)."""
    try:
        username = _USERNAME.clean(as_form_value(payload.get("learner")))
    except ValidationError as error:
        messages = ["Name the learner whose log this goes in (their username)."]
        raise ApiValidationError({"learner": messages}) from error
    learner = User.objects.filter(
        username=username,
        is_active=True,
        memberships__centre=centre,
        memberships__role=Role.LEARNER,
    ).first()
    if learner is None:
        raise ApiValidationError({"learner": [f"{username} is not a learner at {centre}."]})
    return learner
