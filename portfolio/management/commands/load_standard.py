from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portfolio.standard import DEFAULT_UNIT_PATH, StandardError, standard_load


class Command(BaseCommand):
    help = "Load a unit standard data file (by default unit F6); loading it again is a no-op."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(DEFAULT_UNIT_PATH))

    def handle(self, *args, path: str, **options) -> None:
        started = timezone.now()
        try:
            unit = standard_load(path=path)
        except StandardError as exc:
            raise CommandError(str(exc)) from exc
        # The service hands back the existing row when the file is unchanged.
        if unit.loaded_at < started:
            self.stdout.write(f"Unit {unit.code} v{unit.version} is already loaded (unchanged).")
            return
        outcomes = unit.outcomes.count()
        knowledge = unit.knowledge_items.filter(parent=None).count()
        aspects = unit.knowledge_items.exclude(parent=None).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded unit {unit.code} v{unit.version}: {unit.elements.count()} elements, {outcomes} outcomes, "
                f"{knowledge} knowledge items (+{aspects} aspects), "
                f"{unit.range_items.count()} range items, "
                f"{unit.evidence_types.count()} evidence types."
            )
        )
