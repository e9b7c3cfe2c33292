"""Recompute every signature's hash and say valid, not valid or void; exit 1 on any not
valid, so a scheduled run or CI can alert."""

from django.core.management.base import BaseCommand, CommandError

from portfolio import selectors
from portfolio.services.signing import signature_verify


class Command(BaseCommand):
    help = "Verify signatures: valid, not valid (content changed since signing) or void."

    def add_arguments(self, parser):
        parser.add_argument("--learner", help="Only this learner's signatures (username).")

    def handle(self, *args, learner=None, **options):
        signatures = selectors.signatures_all(learner_username=learner)
        if not signatures:
            self.stdout.write("No signatures to verify.")
            return
        failed = 0
        for signature in signatures:
            result = signature_verify(signature=signature)
            failed += result.state == "not valid"
            self.stdout.write(
                f"{result.state.upper():9}  #{signature.pk}  "
                f"{signature.enrolment.learner.username}  {signature.signed_at:%Y-%m-%d %H:%M}  "
                f"{signature.get_role_display()} {signature.signer.username}: "
                f"{signature.statement}" + (f"  ({result.reason})" if result.reason else "")
            )
        self.stdout.write(f"{len(signatures)} signature(s), {failed} not valid.")
        if failed:
            raise CommandError(f"{failed} signature(s) not valid", returncode=1)
