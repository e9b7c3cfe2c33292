"""Forms for importing: they validate and lay out; the rules are in importing/services.py."""

from __future__ import annotations

import hashlib

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from complaints.importing import dates
from complaints.importing import mapping as m
from complaints.importing.selectors import CategoryRow, ImportTarget
from complaints.models import Category, ImportJob

ACCEPT = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOT_IN_FILE = "— Not in the file —"


class UploadForm(forms.Form):
    file = forms.FileField(
        label="File to import",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    log = forms.ChoiceField(label="Import into the problem log of")

    def __init__(self, *args, targets: list[ImportTarget], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.targets = {target.key: target for target in targets}
        self.fields["file"].help_text = (
            f"A CSV file or an Excel workbook (.xlsx), up to "
            f"{filesizeformat(settings.CASEBOOK_IMPORT_MAX_BYTES)}. The first row must hold "
            "the column headings."
        )
        self.fields["log"].choices = [
            (target.key, _target_label(target, several_centres=_several_centres(targets)))
            for target in targets
        ]
        if len(targets) == 1:  # nothing to choose: the page says whose log it is
            self.fields["log"].initial = targets[0].key
            self.fields["log"].required = False
            self.fields["log"].widget = forms.HiddenInput()

    def clean(self):
        cleaned = super().clean()
        if self.only_target and self.has_error("log"):  # a hidden field: say it where seen
            self.add_error(None, "You can import only into the problem log named on this page.")
        return cleaned

    def clean_log(self) -> str:
        return self.cleaned_data["log"] or next(iter(self.targets))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.CASEBOOK_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {filesizeformat(upload.size)}; the largest file Casebook imports "
                f"is {filesizeformat(limit)}. Split it into smaller files and import each."
            )
        return upload

    @property
    def target(self) -> ImportTarget:
        return self.targets[self.cleaned_data["log"]]

    @property
    def only_target(self) -> ImportTarget | None:
        return next(iter(self.targets.values())) if len(self.targets) == 1 else None


def _several_centres(targets: list[ImportTarget]) -> bool:
    return len({target.centre.pk for target in targets}) > 1


def _target_label(target: ImportTarget, *, several_centres: bool) -> str:
    name = target.learner.display_name
    return f"{name} at {target.centre.name}" if several_centres else name


class MappingForm(forms.Form):
    """One select per field (the file's column headings), the date format, and one select
    per category value found in the file."""

    date_format = forms.ChoiceField(
        label="How are the dates written?",
        choices=list(dates.DATE_FORMATS.items()),
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, job: ImportJob, categories: list[CategoryRow], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.job = job
        columns = [("", NOT_IN_FILE)] + [(header, header) for header in job.headers]
        self.mapping_fields = []
        for name in m.FIELDS:
            key = f"map_{name}"
            self.fields[key] = forms.ChoiceField(
                label=m.FIELD_LABELS[name],
                choices=columns,
                required=name in m.REQUIRED_FIELDS,
                initial=job.mapping.get(name, ""),
                help_text=f"If not in the file: {m.FIELD_DEFAULTS[name]}",
                error_messages={"required": "Choose the column that holds it."},
                widget=forms.Select(
                    attrs={"class": "form-select", "aria-describedby": f"{key}-default"}
                ),
            )
            self.mapping_fields.append(self[key])
        self.fields["date_format"].initial = job.date_format
        self.category_values: dict[str, str] = {}
        self.category_fields = []
        for row in categories:
            key = "category_" + hashlib.sha256(row.value.encode()).hexdigest()[:16]
            self.category_values[key] = row.value
            self.fields[key] = forms.ChoiceField(
                label=row.value,
                choices=Category.choices,
                initial=row.category,
                required=False,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            self.category_fields.append((self[key], row))

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = attrs.get("class", "") + " is-invalid"
                attrs["aria-invalid"] = "true"

    def clean(self):
        cleaned = super().clean()
        for problem in m.mapping_problems(self.mapping(), self.job.headers, check_required=False):
            self.add_error(None, problem)
        return cleaned

    def mapping(self) -> dict[str, str]:
        return {
            name: self.cleaned_data.get(f"map_{name}", "")
            for name in m.FIELDS
            if self.cleaned_data.get(f"map_{name}")
        }

    def service_fields(self) -> dict:
        return {
            "mapping": self.mapping(),
            "date_format": self.cleaned_data.get("date_format") or "",
            "categories": {
                value: self.cleaned_data[key]
                for key, value in self.category_values.items()
                if self.cleaned_data.get(key)
            },
        }
