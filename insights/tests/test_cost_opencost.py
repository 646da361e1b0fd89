# ruff: noqa: F811  (the shared fixtures are imported from test_cost_support and named as arguments)
"""The scheduled OpenCost fetch against a local fake OpenCost (a real HTTP server on 127.0.0.1)."""

import json
import threading
from datetime import UTC, date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from insights.models.cost import CostImport, CostLine
from insights.services.cost import cost_opencost_fetch
from insights.tests.test_cost_support import cost_dir  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


class _OpenCost(BaseHTTPRequestHandler):
    requests: list = []
    status = 200

    def do_GET(self):  # noqa: N802 (http.server's name)
        query = parse_qs(urlsplit(self.path).query)
        type(self).requests.append((urlsplit(self.path).path, query))
        start = query["window"][0].split(",")[0]
        cost = 10 if start.startswith("2025-02") else 4
        body = json.dumps({"code": 200, "data": [{"orders/api": {
            "start": start, "totalCost": cost, "properties": {"labels": {"team": "team-a", "service": "orders"}}}}]})
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def opencost(settings, cost_dir):
    _OpenCost.requests = []
    _OpenCost.status = 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OpenCost)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.PAVED_OPENCOST_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.PAVED_OPENCOST_TIMEOUT = 5
    yield _OpenCost
    server.shutdown()
    server.server_close()


def test_fetches_last_and_this_month_and_replaces_them(opencost):
    jobs = cost_opencost_fetch(now=NOW)
    assert [job.status for job in jobs] == ["done", "done"]
    assert [(path, q["window"][0], q["accumulate"][0]) for path, q in opencost.requests] == [
        ("/allocation/compute", "2025-02-01T00:00:00Z,2025-03-01T00:00:00Z", "true"),
        ("/allocation/compute", "2025-03-01T00:00:00Z,2025-03-10T12:00:00Z", "true"),
    ]
    cost_opencost_fetch(now=NOW)  # again: replaced, not doubled
    assert sorted(CostLine.objects.values_list("month", "team", "amount")) == [
        (date(2025, 2, 1), "group:default/team-a", Decimal("10.000000")),
        (date(2025, 3, 1), "group:default/team-a", Decimal("4.000000")),
    ]


def test_an_error_answer_is_a_failed_import_saying_why(opencost):
    opencost.status = 503
    jobs = cost_opencost_fetch(now=NOW)
    assert [job.status for job in jobs] == ["failed", "failed"]
    assert "could not be read for 2025-02" in jobs[0].message and "Service Unavailable" in jobs[0].message
    assert not CostLine.objects.exists()


def test_unreachable_opencost(settings, cost_dir):
    settings.PAVED_OPENCOST_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    settings.PAVED_OPENCOST_TIMEOUT = 2
    jobs = cost_opencost_fetch(now=NOW)
    assert all(job.status == "failed" and "could not be read" in job.message for job in jobs)


def test_not_configured_does_nothing(settings, cost_dir):
    settings.PAVED_OPENCOST_URL = ""
    assert cost_opencost_fetch(now=NOW) == []
    assert not CostImport.objects.exists()
