# ruff: noqa: F811  (the shared fixtures are imported from test_cost_support and named as arguments)
"""Cost pages: access, methods, htmx fragments and full pages, the CSV export's neutralised cells, the
import page (platform admins only) and query-count guards."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.access import access_cache_clear
from core.models import Grant
from insights.models.cost import CostImport, CostLine
from insights.tests.test_cost_support import JANUARY, admin, cost_dir, run_import  # noqa: F401

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def admin_client(admin):
    client = Client()
    client.force_login(admin)
    return client


@pytest.fixture
def data(org, admin, cost_dir):
    run_import(admin, JANUARY)
    run_import(admin, JANUARY.replace("2025-01", "2024-12").replace("10.50", "5"))


def test_home_full_page_and_fragment(data, client_owner):
    page = client_owner.get("/insights/cost/?month=2025-01")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<html" in html and "21.25 USD" in html and 'id="cost-teams"' in html
    assert "Unallocated" in html and "3.25" in html
    assert "/insights/cost/teams/team-a/?month=2025-01" in html
    assert "<title>Spend, last 12 months</title>" in html and "Jan 2025" in html  # the core.charts line chart
    assert "<title>By service</title>" in html and "<title>team-a, last 6 months</title>" in html
    fragment = client_owner.get("/insights/cost/?month=2024-12", **HX)
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert "<html" not in body and "15.75 USD" in body  # December: 5 + 4.5 + 3 + 2 + 1.25
    assert fragment["Vary"] == "HX-Request" or "HX-Request" in fragment["Vary"]


def test_home_filtered_by_team(data, client_owner):
    html = client_owner.get("/insights/cost/?month=2025-01&team=team-a", **HX).content.decode()
    assert "team-a's spend" in html and "18.00 USD" in html and "9.00" in html  # 18 / 2 members


def test_home_without_data_says_what_is_needed(db, client_owner):
    html = client_owner.get("/insights/cost/").content.decode()
    assert "No cost data yet" in html and "PAVED_OPENCOST_URL" in html


@pytest.mark.parametrize("query", ["month=2025-13", "month=garbage", "month=25-01", f"team={'x' * 400}"])
def test_bad_filters_are_400(db, client_owner, query):
    response = client_owner.get(f"/insights/cost/?{query}")
    assert response.status_code == 400
    assert (b"month: expected a month like 2025-01" in response.content) or (b"team: at most 320" in response.content)


def test_team_page(data, client_owner):
    page = client_owner.get("/insights/cost/teams/team-a/?month=2025-01")
    html = page.content.decode()
    assert page.status_code == 200 and "<html" in html
    assert "team-a: monthly cost report" in html and "18.00 USD" in html and 'id="team-services"' in html
    # December was 5 + 4.5 + 3 = 12.5 for team-a: +44 %
    assert "44%" in html
    fragment = client_owner.get("/insights/cost/teams/team-a/?month=2024-12", **HX).content.decode()
    assert "<html" not in fragment and "12.50 USD" in fragment
    unknown = client_owner.get("/insights/cost/teams/nobody/").content.decode()
    assert "0.00 USD" in unknown and "no spend this month" in unknown


def test_pages_need_sign_in(db):
    response = Client().get("/insights/cost/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_pages_need_insights_read(data, client_owner):
    Grant.objects.filter(role__everyone=True, permission="insights.read").delete()
    access_cache_clear()
    for url in ("/insights/cost/", "/insights/cost/teams/team-a/", "/insights/cost/export.csv"):
        assert client_owner.get(url).status_code == 403, url


@pytest.mark.parametrize("url", ["/insights/cost/", "/insights/cost/teams/team-a/", "/insights/cost/export.csv",
                                 "/insights/cost/imports/1/"])
def test_wrong_method(db, admin_client, url):
    assert admin_client.post(url).status_code == 405
    assert admin_client.delete("/insights/cost/imports/").status_code == 405


def test_export_neutralises_formula_cells(org, admin, cost_dir, client_owner):
    hostile = ('BilledCost,BillingCurrency,ChargePeriodStart,Tags\n'
               '-3,USD,2025-01-02,"{""team"":""=HYPERLINK(1)"",""service"":""+cmd|calc"",""env"":""@SUM(A1)"",'
               '""tier"":""-2+3""}"\n')
    assert run_import(admin, hostile).status == "done"
    response = client_owner.get("/insights/cost/export.csv?month=2025-01")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["month", "team", "service", "environment", "cost_center", "tier", "source", "attribution",
                       "currency", "amount"]
    assert rows[1] == ["2025-01", "group:default/=hyperlink(1)", "'+cmd|calc", "'@SUM(A1)", "", "'-2+3", "focus",
                       "label", "USD", "-3.000000"]


def test_export_of_a_team(data, client_owner):
    response = client_owner.get("/insights/cost/export.csv?team=team-a&month=2025-01")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert sum(Decimal(row[-1]) for row in rows[1:]) == Decimal("18")


def test_import_page_is_for_admins(db, client_owner, cost_dir):
    assert client_owner.get("/insights/cost/imports/").status_code == 403
    upload = SimpleUploadedFile("jan.csv", JANUARY.encode())
    assert client_owner.post("/insights/cost/imports/", {"format": "focus", "file": upload}).status_code == 403
    assert not CostImport.objects.exists()


def test_admin_uploads_and_sees_progress(org, admin_client, cost_dir, django_capture_on_commit_callbacks,
                                         monkeypatch):
    sent = []
    monkeypatch.setattr("insights.tasks.cost_import_run.delay", lambda pk: sent.append(pk))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/insights/cost/imports/",
                                     {"format": "focus", "source": "aws", "file": SimpleUploadedFile("j.csv",
                                                                                                     JANUARY.encode())})
    job = CostImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/insights/cost/imports/{job.pk}/"
    assert sent == [job.pk]
    queued = admin_client.get(f"/insights/cost/imports/{job.pk}/", **HX).content.decode()
    assert 'hx-trigger="every 2s"' in queued and "Waiting for a worker" in queued and "<html" not in queued
    from insights.services.cost import cost_import_run

    cost_import_run(import_id=job.pk)
    done = admin_client.get(f"/insights/cost/imports/{job.pk}/").content.decode()
    assert "<html" in done and "every 2s" not in done and "4 cost lines for 2025-01" in done
    listing = admin_client.get("/insights/cost/imports/").content.decode()
    assert "j.csv" in listing and "aws" in listing
    assert CostLine.objects.filter(source="aws").count() == 4


def test_failed_import_page_names_the_row(org, admin, admin_client, cost_dir):
    job = run_import(admin, JANUARY + "1,1,USD")
    html = admin_client.get(f"/insights/cost/imports/{job.pk}/").content.decode()
    assert "The import failed" in html and "row 7, column BillingPeriodStart" in html


def test_bad_upload_on_the_page(db, admin_client, cost_dir):
    response = admin_client.post("/insights/cost/imports/", {"format": "xlsx", "file": SimpleUploadedFile("a", b"x")})
    assert response.status_code == 400 and b"format: expected one of" in response.content
    response = admin_client.post("/insights/cost/imports/", {"format": "focus"})
    assert response.status_code == 400 and b"file: expected a file" in response.content
    assert admin_client.get("/insights/cost/imports/999/").status_code == 404


def _many_teams(count: int) -> None:
    CostLine.objects.bulk_create([
        CostLine(month=date(2025, month, 1), source="focus", team=f"group:default/t{i}", service=f"s{i}",
                 currency="USD", amount=Decimal(i + month)) for i in range(count) for month in (1, 2)])


def test_query_counts_do_not_grow_with_teams(org, client_owner, django_assert_max_num_queries):
    _many_teams(5)
    with django_assert_max_num_queries(30) as few:
        client_owner.get("/insights/cost/?month=2025-02")
    CostLine.objects.all().delete()
    _many_teams(60)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client_owner.get("/insights/cost/?month=2025-02").status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client_owner.get("/insights/cost/teams/t3/?month=2025-02").status_code == 200


def test_import_list_query_count(admin, admin_client, cost_dir, django_assert_max_num_queries):
    CostImport.objects.bulk_create([CostImport(format="focus", source="focus", created_by=admin, file_name=f"{i}.csv")
                                    for i in range(3)])
    with django_assert_max_num_queries(30) as few:
        admin_client.get("/insights/cost/imports/")
    CostImport.objects.bulk_create([CostImport(format="cur", source="cur", created_by=admin, file_name=f"{i}.csv")
                                    for i in range(30)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert admin_client.get("/insights/cost/imports/").status_code == 200
