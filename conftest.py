"""Fixtures shared by every app's tests: a cast of users, an API token, a signed-in client."""

import pytest
from django.test import Client

from portal.tokens import api_token_create

PASSWORD = "paved-test-password"


def pytest_configure(config):
    """Hash test passwords with a fast hasher: Django's PBKDF2 (a million rounds, ~0.6 s a user on this
    machine) made every fixture that creates users cost seconds, and the suite overran CI's budget.
    Production keeps Django's default hashers; nothing here is used outside tests."""
    from django.conf import settings
    from django.contrib.auth.hashers import get_hashers, get_hashers_by_algorithm

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    get_hashers.cache_clear()
    get_hashers_by_algorithm.cache_clear()


def _user(django_user_model, username: str):
    return django_user_model.objects.create_user(username, f"{username}@example.com", PASSWORD)


@pytest.fixture(autouse=True)
def default_roles(request):
    """Every test starts with the built-in roles and an empty access cache. Transactional tests (live
    server, real workers) flush the database afterwards, which removes the roles the migration made:
    they are made again here when missing."""
    from core.access import access_cache_clear

    access_cache_clear()
    uses_db = "django_db" in request.keywords or {"db", "transactional_db", "live_server"} & set(
        request.fixturenames)
    if uses_db:
        from core.defaults import default_roles_ensure
        from core.models import Grant, Role

        request.getfixturevalue("transactional_db" if "transactional_db" in request.fixturenames
                                or "live_server" in request.fixturenames else "db")
        if default_roles_ensure(Role, Grant):
            access_cache_clear()
    yield
    access_cache_clear()


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


# --- An organisation for access tests -------------------------------------------------------------
# engineering is the parent of team-a; owner and teammate are in team-a, lead in engineering,
# outsider in team-b. orders belongs to team-a, billing to team-b.
ORG_YAML = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: engineering}
spec: {type: department, children: [team-a]}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a}
spec: {type: team, parent: engineering, children: [], members: [owner, teammate]}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-b}
spec: {type: team, children: [], members: [outsider]}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: platform-team}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: owner}
spec: {profile: {email: owner@example.com}, memberOf: [team-a]}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: teammate}
spec: {profile: {email: teammate@example.com}, memberOf: [team-a]}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: lead}
spec: {profile: {email: lead@example.com}, memberOf: [engineering]}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: outsider}
spec: {profile: {email: outsider@example.com}, memberOf: [team-b]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: orders, tags: [payments]}
spec: {type: service, lifecycle: production, owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: billing}
spec: {type: service, lifecycle: production, owner: team-b}
"""


@pytest.fixture
def lead(django_user_model):
    return _user(django_user_model, "lead")


@pytest.fixture
def org(db, tmp_path, settings, owner, teammate, outsider, lead):
    """The organisation above, ingested from a file location (as production reads it)."""
    from types import SimpleNamespace

    from catalog import services
    from catalog.models import Entity, Location

    folder = tmp_path / "org"
    folder.mkdir()
    path = folder / "catalog-info.yaml"
    path.write_text(ORG_YAML)
    settings.PAVED_FILE_ROOTS = [*settings.PAVED_FILE_ROOTS, str(folder)]
    location = Location.objects.create(type="file", target=str(path))
    services.location_refresh(location_id=location.pk)
    location.refresh_from_db()
    return SimpleNamespace(
        location=location,
        orders=Entity.objects.get(ref="component:default/orders"),
        billing=Entity.objects.get(ref="component:default/billing"),
    )
