from django.core.management.base import BaseCommand, CommandError

from portal.tokens import api_token_create, user_by_name


class Command(BaseCommand):
    help = "Create an API token for a user and print it. It is shown once and cannot be recovered."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for.")
        parser.add_argument("--scope", choices=["read", "write", "facts", "events"], default="write",
                            help="read: GET endpoints and git clone only; write (default): also changes and pushes.")
        parser.add_argument("--expires-days", type=int, default=0, help="Days until it expires (0: never).")

    def handle(self, *args, username: str, name: str, scope: str, expires_days: int, **options) -> None:
        if expires_days < 0:
            raise CommandError("--expires-days must be 0 (never) or more.")
        user = user_by_name(username)
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not user.is_active:
            raise CommandError(f"User {username!r} is inactive; its tokens would not work.")
        self.stdout.write(api_token_create(user=user, name=name, scope=scope, expires_in_days=expires_days or None))
