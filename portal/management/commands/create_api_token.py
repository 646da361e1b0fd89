from django.core.management.base import BaseCommand, CommandError

from portal.tokens import api_token_create, user_by_name


class Command(BaseCommand):
    help = "Create an API token for a user and print it. It is shown once and cannot be recovered."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for.")

    def handle(self, *args, username: str, name: str, **options) -> None:
        user = user_by_name(username)
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not user.is_active:
            raise CommandError(f"User {username!r} is inactive; its tokens would not work.")
        self.stdout.write(api_token_create(user=user, name=name))
