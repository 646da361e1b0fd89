"""Fixtures shared by every app's tests: a cast of users, an API token, a signed-in client."""

import pytest
from django.test import Client

from portal.tokens import api_token_create

PASSWORD = "paved-test-password"


def _user(django_user_model, username: str):
    return django_user_model.objects.create_user(username, f"{username}@example.com", PASSWORD)


@pytest.fixture
def password() -> str:
    """The password of every user fixture."""
    return PASSWORD


@pytest.fixture
def owner(django_user_model):
    return _user(django_user_model, "owner")


@pytest.fixture
def teammate(django_user_model):
    return _user(django_user_model, "teammate")


@pytest.fixture
def outsider(django_user_model):
    return _user(django_user_model, "outsider")


@pytest.fixture
def api_token(owner) -> str:
    """A raw API token that authenticates as `owner`."""
    return api_token_create(user=owner, name="test")


@pytest.fixture
def client_owner(owner) -> Client:
    client = Client()
    client.force_login(owner)
    return client
