"""Write a learner's records as PDF, for centres' batch use: the same documents the records
page gives (the achievement and knowledge records, the evidence index, the full portfolio)."""

import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portfolio.models import Enrolment
from portfolio.services.printing import PARTS, record_print


class Command(BaseCommand):
    help = (
        "Export a learner's evidence achievement record, knowledge evidence record, evidence "
        "index or full portfolio as PDF."
    )

    def add_arguments(self, parser):
        parser.add_argument("--learner", required=True, help="The learner's username.")
        parser.add_argument("--out", required=True, help="The PDF file to write.")
        parser.add_argument(
            "--part",
            choices=list(PARTS),
            default="achievement",
            help="Which document (default: achievement).",
        )
        parser.add_argument("--unit", help="The unit code, when the learner has several.")

    def handle(self, *args, learner, out, part, unit=None, **options):
        enrolments = Enrolment.objects.filter(learner__username=learner).select_related(
            "learner", "assessor", "unit", "centre"
        )
        if unit:
            enrolments = enrolments.filter(unit__code=unit)
        found = list(enrolments)
        if not found:
            raise CommandError(
                f"No enrolment for learner {learner!r}" + (f" on unit {unit}" if unit else "")
            )
        if len(found) > 1:
            codes = ", ".join(sorted(e.unit.code for e in found))
            raise CommandError(f"{learner} is enrolled on {codes}: choose one with --unit.")
        target = Path(out)
        if not target.parent.is_dir():
            raise CommandError(f"{target.parent} is not a folder: nothing written.")
        printed = record_print(enrolment=found[0], part=part)
        # Written beside the target and moved into place, so a failure leaves no half file.
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False, suffix=".part") as f:
            f.write(printed.body)
        os.replace(f.name, target)
        draft = " (DRAFT: not fully signed)" if printed.is_draft else ""
        self.stdout.write(f"{printed.title}{draft}: {target} ({len(printed.body):,} bytes)")
