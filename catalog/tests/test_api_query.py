import base64
import json

import pytest

from catalog.models import Entity
from catalog.tests.test_api_support import names

pytest_plugins = ["catalog.tests.test_api_support"]  # the api and catalog fixtures

pytestmark = pytest.mark.django_db

URL = "/api/catalog/entities/by-query"


def query(api, params: str = "") -> dict:
    response = api.get(f"{URL}?{params}")
    assert response.status_code == 200, response.content
    return response.json()


def follow(api, first: str, *, key: str = "nextCursor", limit: int) -> list[dict]:
    """Every page from `first` on, following `key` cursors."""
    pages = [query(api, first)]
    while key in pages[-1]["pageInfo"]:
        pages.append(query(api, f"cursor={pages[-1]['pageInfo'][key]}&limit={limit}"))
        assert len(pages) < 50
    return pages


def test_first_page_shape_with_total_and_next_cursor(api, catalog):
    body = query(api, "filter=kind=component&limit=2")
    assert set(body) == {"items", "totalItems", "pageInfo"}
    assert body["totalItems"] == 3
    assert len(body["items"]) == 2
    assert set(body["pageInfo"]) == {"nextCursor"}


def test_default_limit_is_twenty(api, catalog):
    body = query(api)
    assert body["totalItems"] == 10 and len(body["items"]) == 10 and body["pageInfo"] == {}


@pytest.mark.parametrize("order", ["", "&orderField=metadata.name,asc", "&orderField=metadata.name,desc",
                                   "&orderField=spec.type,asc", "&orderField=metadata.description,desc"])
def test_cursors_visit_every_item_once_and_keep_the_query(api, catalog, order):
    filters = "filter=kind=component&filter=kind=group&filter=kind=api"
    pages = follow(api, f"{filters}&limit=2{order}", limit=2)
    seen = [n for page in pages for n in names(page["items"])]
    assert sorted(seen) == sorted(["Payments", "checkout", "ledger", "team-a", "Team-B", "payments-api"])
    assert len(pages) == 3
    assert all(page["totalItems"] == 6 for page in pages)
    assert "prevCursor" not in pages[0]["pageInfo"] and "prevCursor" in pages[1]["pageInfo"]
    # The order of a whole walk is the order of one big page.
    assert seen == names(query(api, f"{filters}&limit=50{order}")["items"])


def test_prev_cursor_goes_back_to_the_same_pages(api, catalog):
    forward = follow(api, "limit=3&orderField=metadata.name,asc", limit=3)
    assert len(forward) == 4
    backward = follow(api, f"cursor={forward[-1]['pageInfo']['prevCursor']}&limit=3", key="prevCursor", limit=3)
    assert [names(p["items"]) for p in backward] == [names(p["items"]) for p in reversed(forward[:-1])]
    assert "prevCursor" not in backward[-1]["pageInfo"]
    assert "nextCursor" in backward[-1]["pageInfo"]


def test_order_field_sorts_case_insensitively(api, catalog):
    body = query(api, "filter=kind=component&orderField=metadata.name,desc")
    assert names(body["items"]) == ["Payments", "ledger", "checkout"]


def test_offset_skips_rows_on_the_first_page(api, catalog):
    body = query(api, "orderField=metadata.name,asc&limit=2&offset=2")
    everything = names(query(api, "orderField=metadata.name,asc")["items"])
    assert names(body["items"]) == everything[2:4]
    assert "prevCursor" in body["pageInfo"] and "nextCursor" in body["pageInfo"]


def test_full_text_filter_searches_names_titles_and_descriptions(api, catalog):
    assert names(query(api, "fullTextFilterTerm=BASKET")["items"]) == ["checkout"]
    assert names(query(api, "fullTextFilterTerm=pay&filter=kind=component")["items"]) == ["Payments"]


def test_full_text_filter_fields_restrict_the_search(api, catalog):
    body = query(api, "fullTextFilterTerm=pay&fullTextFilterFields=metadata.name")
    assert sorted(names(body["items"])) == ["Payments", "payments-api", "payments-db"]
    assert body["totalItems"] == 3
    assert query(api, "fullTextFilterTerm=money&fullTextFilterFields=metadata.name")["items"] == []


def test_the_cursor_carries_the_full_text_filter(api, catalog):
    first = query(api, "fullTextFilterTerm=pay&fullTextFilterFields=metadata.name&limit=1")
    second = query(api, f"cursor={first['pageInfo']['nextCursor']}&limit=5")
    assert len(second["items"]) == 2 and second["totalItems"] == 3


def test_fields_apply_to_every_page(api, catalog):
    first = query(api, "filter=kind=component&limit=1&fields=metadata.name")
    assert first["items"] == [{"metadata": {"name": "checkout"}}]
    second = query(api, f"cursor={first['pageInfo']['nextCursor']}&fields=kind")
    assert second["items"] == [{"kind": "Component"}, {"kind": "Component"}]


@pytest.mark.parametrize("cursor", [
    "not-base64!!",
    base64.urlsafe_b64encode(b"[1,2]").decode(),
    base64.urlsafe_b64encode(b"{not json").decode(),
    base64.urlsafe_b64encode(json.dumps({"k": [], "n": 1, "b": False}).encode()).decode(),
    base64.urlsafe_b64encode(json.dumps({"k": ["x"], "n": -1, "b": False}).encode()).decode(),
    base64.urlsafe_b64encode(json.dumps({"k": ["x", "y"], "n": 1, "b": False}).encode()).decode(),
    base64.urlsafe_b64encode(json.dumps({"k": ["x"], "n": 1, "b": False, "f": [5]}).encode()).decode(),
    base64.urlsafe_b64encode(json.dumps({"k": ["x"], "n": 1, "b": False, "o": ["a", "up"]}).encode()).decode(),
])
def test_a_malformed_cursor_is_an_input_error(api, catalog, cursor):
    response = api.get(f"{URL}?cursor={cursor}")
    assert response.status_code == 400
    assert response.json()["error"]["name"] == "InputError"


@pytest.mark.parametrize("params", ["limit=-1", "limit=abc", "limit=99999999999", "offset=-5", "offset=1.5",
                                    "orderField=metadata.name,sideways", "filter=,=x", "filter==value"])
def test_bad_parameters_are_input_errors(api, catalog, params):
    response = api.get(f"{URL}?{params}")
    assert response.status_code == 400, params
    assert response.json()["error"]["name"] == "InputError"


def test_huge_limits_are_capped(api, catalog):
    body = query(api, "limit=1000000")
    assert len(body["items"]) == 10


def test_query_count_is_constant(api, catalog, django_assert_max_num_queries):
    query(api, "limit=1")  # the token's last_used_at is written on first use only
    with django_assert_max_num_queries(4):  # token, stored kinds, COUNT, rows
        first = query(api, "filter=kind=component&limit=1")
    with django_assert_max_num_queries(3):  # token, stored kinds, rows: the total rides in the cursor
        query(api, f"cursor={first['pageInfo']['nextCursor']}&limit=1")
    with django_assert_max_num_queries(2):
        assert api.get("/api/catalog/entities/by-name/component/default/ledger").status_code == 200


def test_query_count_does_not_grow_with_the_catalog(api, catalog, tmp_path, django_assert_max_num_queries):
    from catalog.tests.test_api_support import ingest

    more = tmp_path / "many.yaml"
    more.write_text("\n---\n".join(
        f"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: c{i}\n"
        f"spec:\n  type: service\n  lifecycle: production\n  owner: team-a" for i in range(60)
    ))
    ingest(more)
    assert Entity.objects.count() == 71
    query(api, "limit=1")
    with django_assert_max_num_queries(4):
        body = query(api, "filter=kind=component&limit=20&fields=metadata.name")
    assert body["totalItems"] == 63 and len(body["items"]) == 20
