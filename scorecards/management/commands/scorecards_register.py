"""Register a scorecard file (a path under PAVED_FILE_ROOTS or a URL on the built-in git host) as a user."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from scorecards.services.definitions import ScorecardInvalid, scorecard_register


class Command(BaseCommand):
    help = "Register a scorecard file; --user must hold scorecards.scorecard.manage (the write is audited)."

    def add_arguments(self, parser):
        parser.add_argument("target", help="File path or URL of the scorecard YAML.")
        parser.add_argument("--user", required=True, help="Who registers it.")

    def handle(self, *args, target: str, user: str, **options):
        actor = get_user_model().objects.filter(username=user).first()
        if actor is None:
            raise CommandError(f"No user named {user!r}.")
        try:
            card = scorecard_register(actor=actor, target=target)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        except ScorecardInvalid as exc:
            raise CommandError("\n".join(m for messages in exc.message_dict.values() for m in messages)) from None
        self.stdout.write(f"{card.slug}: registered from {card.target}; scores are computed by a worker.")
