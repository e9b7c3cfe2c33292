"""manage.py import_problems: the web page's importer, for a file on the server."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Centre, Membership, Role, User
from complaints.importing import batch, dates, storage
from complaints.importing import mapping as m

FIELD_HELP = "; ".join(f"{name}: {m.FIELD_DEFAULTS[name]}" for name in m.FIELDS)


class Command(BaseCommand):
    help = (
        "Import a company system's export (CSV or XLSX) into a learner's problem log. "
        "Columns are matched to fields from the header row; --map overrides the guess. "
        "All or nothing unless --skip-invalid; rows whose external reference is already in "
        "the centre's log are skipped. Prints every rejected or skipped row and the counts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The CSV or XLSX file.")
        parser.add_argument("--centre", required=True, help="The centre's slug.")
        parser.add_argument(
            "--learner",
            help="Username of the learner whose log receives the problems (recorded as the "
            "uploader). Needed when the centre has more than one learner.",
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=COLUMN",
            help=f"Take FIELD from the column headed COLUMN (FIELD= leaves it out). FIELD is "
            f"one of {', '.join(m.FIELDS)}. Unmapped fields take defaults: {FIELD_HELP}.",
        )
        parser.add_argument(
            "--date-format",
            default="",
            help="dmy (day first, UK: 25/08/2017), mdy (month first, US) or iso. Needed "
            "only when the file's dates could be read either way. ISO dates are always read.",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the valid rows and report the rest (default: all or nothing).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report; write nothing."
        )

    def handle(self, *args, **options) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        centre = Centre.objects.filter(slug=options["centre"]).first()
        if centre is None:
            raise CommandError(f"No centre has the slug “{options['centre']}”.")
        learner = _learner(centre, options["learner"])
        date_format = dates.date_format_from(options["date_format"])
        if date_format is None:
            raise CommandError(
                f"--date-format “{options['date_format']}” is not one of dmy, mdy or iso."
            )
        try:
            with batch.import_problems_from_file(
                path=path,
                centre=centre,
                learner=learner,
                mapping=_mapping(options["map"]),
                date_format=date_format,
                skip_invalid=options["skip_invalid"],
                dry_run=options["dry_run"],
            ) as outcome:
                self._print_report(outcome.job)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            message = " ".join(exc.messages)
            if any(error.code == "date_format" for error in exc.error_list):
                message += " Use --date-format dmy (day first) or --date-format mdy."
            raise CommandError(message) from None
        if options["verbosity"] >= 2:
            steps = ", ".join(f"{step} {secs} s" for step, secs in outcome.seconds.items())
            self.stdout.write(f"Time taken: {steps}.")
        self._print_counts(outcome, dry_run=options["dry_run"])

    def _print_report(self, job) -> None:
        lines = storage.report_lines(job)
        next(lines, None)  # the header
        for row, column, reason, outcome in lines:
            self.stdout.write(f"Row {row}, {column}: {reason} ({outcome})")

    def _print_counts(self, outcome: batch.FileImport, *, dry_run: bool) -> None:
        counts = (
            f"imported {outcome.imported}, skipped {outcome.skipped}, "
            f"rejected {outcome.rejected} (of {outcome.rows} rows)"
        )
        if dry_run:
            self.stdout.write(f"Dry run, nothing written: would have {counts}.")
        elif outcome.written:
            self.stdout.write(self.style.SUCCESS(f"Import #{outcome.job.pk}: {counts}."))
        else:
            self.stdout.write(f"Nothing written: {counts.replace('imported', 'would import')}.")
            raise CommandError(
                f"{outcome.rejected} rows have problems, so nothing was imported (all or "
                "nothing). Fix them, or use --skip-invalid to import the valid rows only."
            )


def _learner(centre: Centre, username: str | None) -> User:
    learners = User.objects.filter(
        memberships__centre=centre, memberships__role=Role.LEARNER
    ).distinct()
    if username:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user has the username “{username}”.")
        if not Membership.objects.filter(user=user, centre=centre, role=Role.LEARNER).exists():
            raise CommandError(f"{username} is not a learner at {centre}.")
        return user
    found = list(learners[:2])
    if len(found) != 1:
        raise CommandError(
            f"{centre} has {learners.count()} learners: name one with --learner USERNAME."
        )
    return found[0]


def _mapping(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        field = field.strip()
        if not sep:
            raise CommandError(f"--map “{pair}” must be FIELD=COLUMN.")
        if field not in m.FIELDS:
            raise CommandError(
                f"--map: “{field}” is not a field Casebook imports; use one of "
                f"{', '.join(m.FIELDS)}."
            )
        mapping[field] = column.strip()
    return mapping
