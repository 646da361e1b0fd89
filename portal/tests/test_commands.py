from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from portal.tokens import api_token_user

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_api_token_prints_a_working_token(owner):
    raw = run("create_api_token", "owner", "--name", "ci").strip()
    assert raw.startswith("pvd_")
    assert api_token_user(raw=raw) == owner
    assert owner.api_tokens.get().name == "ci"


def test_create_api_token_refuses_an_unknown_user():
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        run("create_api_token", "ghost")


def test_ensure_admin_uses_the_configured_password(settings):
    settings.PAVED_ADMIN_PASSWORD = "from-settings"
    output = run("ensure_admin")
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password("from-settings")
    assert "from-settings" not in output


def test_ensure_admin_generates_and_prints_a_password_once(settings):
    settings.PAVED_ADMIN_PASSWORD = None
    output = run("ensure_admin")
    assert output.startswith("Created user admin with password: ")
    password = output.rsplit(": ", 1)[1].strip()
    assert get_user_model().objects.get(username="admin").check_password(password)

    second = run("ensure_admin")
    assert "password" not in second
    assert get_user_model().objects.get(username="admin").check_password(password)


def test_ensure_admin_updates_an_existing_admin(settings, django_user_model):
    django_user_model.objects.create_user("admin", "", "old-password")
    settings.PAVED_ADMIN_PASSWORD = "new-password"
    run("ensure_admin")
    admin = django_user_model.objects.get(username="admin")
    assert admin.check_password("new-password")
    assert admin.is_superuser and admin.is_staff


def test_ensure_admin_leaves_an_up_to_date_admin_alone(settings, django_user_model):
    settings.PAVED_ADMIN_PASSWORD = "same"
    django_user_model.objects.create_superuser("admin", "", "same")
    hashed = django_user_model.objects.get(username="admin").password
    assert run("ensure_admin").strip() == "User admin is up to date."
    assert django_user_model.objects.get(username="admin").password == hashed
