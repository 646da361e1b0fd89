"""Migration 0002: plaintext secrets written before it are encrypted (open runs) or wiped (ended runs)."""

import json

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

from scaffolding.models import ScaffoldRun

BEFORE = [("scaffolding", "0001_runs")]
SECRET = "plain-old-secret"


def _migrate_with_rows(statuses: list[str]) -> list:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_run = executor.loader.project_state(BEFORE).apps.get_model("scaffolding", "ScaffoldRun")
    pks = [old_run.objects.create(template_ref="template:default/t", status=status,
                                  secrets={"token": SECRET}).pk for status in statuses]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    return pks


def _column(pk) -> str:
    value = ScaffoldRun.objects.filter(pk=pk).values_list("secrets", flat=True).get()
    return value if isinstance(value, str) else ""


@pytest.mark.django_db(transaction=True)
def test_open_runs_are_encrypted_and_ended_runs_wiped(settings):
    open_pk, processing_pk, failed_pk, cancelled_pk = _migrate_with_rows(["open", "processing", "failed", "cancelled"])
    for pk in (open_pk, processing_pk):
        column = _column(pk)
        assert column and SECRET not in column
        assert json.loads(Fernet(settings.PAVED_SECRETS_ENCRYPTION_KEY).decrypt(column.encode())) == {"token": SECRET}
    for pk in (failed_pk, cancelled_pk):
        assert _column(pk) == ""
    assert all(run.secret_names == ["token"] for run in ScaffoldRun.objects.all())


@pytest.mark.django_db(transaction=True)
@override_settings(PAVED_SECRETS_ENCRYPTION_KEY="")
def test_without_a_key_every_plaintext_row_is_wiped():
    (open_pk,) = _migrate_with_rows(["open"])
    assert _column(open_pk) == "" and ScaffoldRun.objects.get(pk=open_pk).secret_names == ["token"]
