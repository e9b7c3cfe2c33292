from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from config.demo import DEMO_PEOPLE, demo_seed, demo_story_describe


class Command(BaseCommand):
    help = "Create (or reuse) the demo centre with a user of each role and a realistic problem log."

    def handle(self, *args, **options):
        try:
            summary = demo_seed()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Demo centre '{summary.centre.slug}': {summary.users_created} user(s) created, "
            f"{summary.problems_created} problem(s), {summary.actions_created} action(s) and "
            f"{summary.preventive_actions_created} preventive action(s) added."
        )
        if summary.evidence_created:
            self.stdout.write(
                f"The demo learner's portfolio gained {summary.evidence_created} evidence "
                "item(s): a draft, a submitted one, one referred back, one signed by the "
                "assessor, and an observation whose element record is countersigned; the "
                "internal verifier has sampled and accepted one signed assessment."
            )
        if summary.story:
            self.stdout.write(f"A story to try: {demo_story_describe(summary.story)}.")
        if summary.analysed:
            self.stdout.write("The analytics engine has analysed the demo log.")
        self.stdout.write(
            f"Demo users (password {settings.DEMO_PASSWORD!r}): "
            + ", ".join(username for username, *_ in DEMO_PEOPLE[:5])
        )
