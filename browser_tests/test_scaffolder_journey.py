"""A product developer creates a Go service from the seed's golden path, in a real browser.

The form is filled (a name that breaks the template's pattern is refused by the server first),
the task runs on a real Celery worker, the page's progress bar finishes, and the new repository
is then cloned over HTTP from the portal's git host and found in the catalog.
"""

import re
import subprocess
import time

import pytest
from celery.contrib.testing.worker import start_worker
from playwright.sync_api import Page, expect

from browser_tests.helpers import sign_in
from catalog.models import Entity
from catalog.tests.factories import demo_load
from portal.celery import app, ensure_broker_folders
from portal.tokens import api_token_create
from scaffolding.models import ScaffoldRun


@pytest.fixture
def scaffolder_dirs(settings, tmp_path):
    settings.PAVED_GIT_ROOT = tmp_path / "git"
    settings.PAVED_SCAFFOLDER_WORKSPACE_DIR = tmp_path / "workspaces"
    settings.PAVED_TECHDOCS_DIR = tmp_path / "techdocs"
    return tmp_path


@pytest.fixture
def worker(transactional_db):
    ensure_broker_folders()
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def test_create_a_go_service_from_the_golden_path(page: Page, live_server, scaffolder_dirs, worker,
                                                  django_user_model, password, tmp_path):
    demo_load()
    user = django_user_model.objects.create_user("jane.doe", "jane.doe@acme.example", password)  # in team-payments
    sign_in(page, live_server, "jane.doe", password)

    page.goto(f"{live_server.url}/create/")
    page.get_by_role("link", name="Go Microservice").first.click()
    expect(page.get_by_role("heading", name="Go Microservice")).to_be_visible()

    # Step 1: a name with capitals and an underscore breaks ^[a-z][a-z0-9-]{2,30}$ ...
    page.locator("input[name=name]").fill("Checkout_API")
    page.locator("textarea[name=description], input[name=description]").first.fill("Checkout for the web shop")
    owner = page.locator("input[name=owner]")
    owner.fill("team-pay")
    expect(page.locator("datalist option[value='group:default/team-payments']")).to_have_count(1)
    owner.fill("group:default/team-payments")
    page.locator("select[name=tier]").select_option("critical")
    # The browser would refuse the pattern itself; drop it so the server is what says no.
    page.locator("input[name=name]").evaluate("el => el.removeAttribute('pattern')")
    page.get_by_role("button", name="Next").click()
    expect(page.locator(".field-error").first).to_contain_text("must match pattern")
    assert not ScaffoldRun.objects.exists()

    # ... a valid one goes through.
    page.locator("input[name=name]").fill("checkout-api")
    page.get_by_role("button", name="Next").click()
    page.locator("select[name=database]").select_option("postgresql")
    page.get_by_role("button", name="Review").click()
    review = page.locator("main")
    expect(review).to_contain_text("checkout-api")
    expect(review).to_contain_text("group:default/team-payments")
    page.get_by_role("button", name="Create").click()

    # The task page: steps complete on the worker and the progress bar fills.
    expect(page).to_have_url(re.compile(r"/create/tasks/[0-9a-f-]{36}/$"))
    assert page.url.endswith(f"/create/tasks/{ScaffoldRun.objects.get().pk}/")
    progress = page.locator("#run-progress")
    total = progress.get_attribute("aria-valuemax")
    expect(progress).to_have_attribute("aria-valuenow", total, timeout=60_000)
    expect(page.locator("#run-status")).to_have_attribute("data-status", "completed")
    expect(page.locator("#run-log")).to_contain_text("Finished step")
    expect(page.locator("#run-output")).to_contain_text("Repository")

    # The repository is cloneable over HTTP with an API token, with the catalog file in it ...
    token = api_token_create(user=user, name="clone")
    host = live_server.url.split("://", 1)[1]
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", f"http://jane.doe:{token}@{host}/git/acme/checkout-api.git", str(clone)],
                   check=True, timeout=60, env={"GIT_TERMINAL_PROMPT": "0", "PATH": "/usr/bin:/bin"})
    catalog_info = (clone / "catalog-info.yaml").read_text()
    assert "name: checkout-api" in catalog_info and "team-payments" in catalog_info
    assert (clone / "main.go").exists() and (clone / "helm").is_dir() and (clone / "docs").is_dir()

    # ... and the entity is in the catalog, linked from the task's output.
    deadline = time.monotonic() + 10
    while not Entity.objects.filter(ref="component:default/checkout-api").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert Entity.objects.filter(ref="component:default/checkout-api").exists()
    page.locator("#run-output").get_by_role("link", name="Open in catalog").click()
    expect(page.get_by_role("heading", name="checkout-api")).to_be_visible()
