"""Shared pieces of the cost tests (imported by the other test_cost_* modules): an admin, a runner that
imports a file the way production does (upload → row → task), and a small FOCUS export."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from insights.models.cost import CostImport
from insights.services.cost import cost_import_create, cost_import_run

FOCUS_HEADER = ("BilledCost,EffectiveCost,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,"
                "ServiceName,ResourceId,Tags,SubAccountName,x_Extra\n")


def focus_line(cost: str, tags: str = "", *, month: str = "2025-01", currency: str = "USD") -> str:
    quoted = '"' + tags.replace('"', '""') + '"' if tags else ""
    return (f"{cost},{cost},{currency},{month}-01T00:00:00Z,{month}-28T00:00:00Z,{month}-03T00:00:00Z,"
            f"Amazon EC2,i-1,{quoted},acct,x\n")


# January 2025 (hand-computed: total 21.25, attributed 18.00, unallocated 3.25):
#   10.50 + 4.50 labelled team-a/orders/production/eng/critical (two spellings, one line: 15.00)
#   3.00 service orders without a team: the catalog's owner of orders, team-a (attribution "catalog")
#   2.00 service unknown-svc without a team: unallocated
#   1.25 no tags at all: unallocated
JANUARY = FOCUS_HEADER + "".join([
    focus_line("10.50", '{"team":"team-a","service":"orders","environment":"production","cost-center":"eng",'
                        '"tier":"critical"}'),
    focus_line("4.50", '{"user:team":"team-a","app":"orders","env":"production","cost_center":"eng",'
                       '"tier":"critical"}'),
    focus_line("3", '{"service":"orders"}'),
    focus_line("2", '{"service":"unknown-svc"}'),
    focus_line("1.25"),
])


@pytest.fixture
def cost_dir(settings, tmp_path):
    settings.PAVED_COST_IMPORT_DIR = tmp_path / "cost-imports"
    settings.PAVED_COST_CURRENCY = "USD"
    settings.PAVED_COST_RATES = {}
    return settings.PAVED_COST_IMPORT_DIR


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_superuser("boss", "boss@example.com", "x")


def run_import(actor, text: str | bytes, *, fmt: str = "focus", source: str = "", name: str = "export.csv"
               ) -> CostImport:
    data = text.encode() if isinstance(text, str) else text
    job = cost_import_create(actor=actor, fmt=fmt, upload=SimpleUploadedFile(name, data), source=source)
    return cost_import_run(import_id=job.pk) or CostImport.objects.get(pk=job.pk)
