import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

USERNAME = "admin"


class Command(BaseCommand):
    help = (
        "Create or update the superuser 'admin'. Its password comes from PAVED_ADMIN_PASSWORD; "
        "without it, a new user gets a random password that is printed once."
    )

    def handle(self, *args, **options) -> None:
        password = settings.PAVED_ADMIN_PASSWORD or None
        user = get_user_model().objects.filter(username=USERNAME).first()
        if user is None:
            generated = password is None
            password = password or secrets.token_urlsafe(12)
            get_user_model().objects.create_superuser(USERNAME, "", password)
            if generated:
                self.stdout.write(f"Created user {USERNAME} with password: {password}")
            else:
                self.stdout.write(f"Created user {USERNAME} with the password from PAVED_ADMIN_PASSWORD.")
            return
        changed = not (user.is_staff and user.is_superuser and user.is_active)
        user.is_staff = user.is_superuser = user.is_active = True
        # Compare first: a new hash on every start would sign the admin out of every session.
        if password is not None and not user.check_password(password):
            user.set_password(password)
            changed = True
        if changed:
            user.save()
            self.stdout.write(f"Updated user {USERNAME}.")
        else:
            self.stdout.write(f"User {USERNAME} is up to date.")
