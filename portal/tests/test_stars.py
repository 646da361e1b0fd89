"""Starring an entity: POST only, CSRF-checked, only for entities the person may read, audited,
and each person's stars are their own."""

import pytest
from django.test import Client

from core.access import access_cache_clear
from core.models import AuditEntry, Grant
from portal.models import EntityStar

pytestmark = pytest.mark.django_db

URL = "/stars/default/component/orders/"


def test_star_and_unstar_with_audit(client, org, owner):
    client.force_login(owner)
    response = client.post(URL, {"starred": "1"})
    assert response.status_code == 302 and response["Location"] == "/catalog/default/component/orders/"
    assert EntityStar.objects.filter(user=owner, entity_ref="component:default/orders").exists()
    client.post(URL, {"starred": "1"})  # twice: still one star, one audit entry
    assert EntityStar.objects.filter(user=owner).count() == 1
    added = AuditEntry.objects.filter(action="paved.star.add", target="component:default/orders", actor=owner)
    assert added.count() == 1
    client.post(URL, {"starred": "0"})
    assert not EntityStar.objects.filter(user=owner).exists()
    assert AuditEntry.objects.filter(action="paved.star.remove", actor=owner).count() == 1


def test_the_entity_page_loads_the_star_button_with_its_state(client, org, owner):
    client.force_login(owner)
    page = client.get("/catalog/default/component/orders/").content.decode()
    assert f'hx-get="{URL}button/"' in page and f'action="{URL}"' in page  # works without JS too
    assert "☆ Star" in client.get(URL + "button/").content.decode()
    client.post(URL, {"starred": "1"})
    button = client.get(URL + "button/").content.decode()
    assert "★ Starred" in button and 'name="starred" value="0"' in button


def test_the_button_of_an_unknown_or_unreadable_entity_is_404(client, org, outsider):
    client.force_login(outsider)
    assert client.get("/stars/default/component/nope/button/").status_code == 404
    Grant.objects.filter(role__everyone=True, permission="catalog.entity.read").update(rule="IS_ENTITY_OWNER")
    access_cache_clear()
    assert client.get(URL + "button/").status_code == 404
    assert client.post(URL + "button/").status_code == 405


def test_htmx_star_answers_the_button(client, org, owner):
    client.force_login(owner)
    response = client.post(URL, {"starred": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "★ Starred" in response.content.decode() and 'aria-pressed="true"' in response.content.decode()


def test_get_is_refused(client, org, owner):
    client.force_login(owner)
    assert client.get(URL).status_code == 405
    assert not EntityStar.objects.exists()


def test_csrf_is_enforced(org, owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post(URL, {"starred": "1"}).status_code == 403
    assert not EntityStar.objects.exists()


def test_signed_out_cannot_star(client, org):
    response = client.post(URL, {"starred": "1"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not EntityStar.objects.exists()


@pytest.mark.parametrize("path", ["/stars/default/component/nope/", "/stars/default/component/..%2F..%2Fetc/",
                                  "/stars/x/y/" + "z" * 400 + "/"])
def test_unknown_entity_is_404(client, org, owner, path):
    client.force_login(owner)
    assert client.post(path, {"starred": "1"}).status_code == 404
    assert not EntityStar.objects.exists()


@pytest.mark.parametrize("value", ["", "2", "yes", "1' OR '1'='1", "<script>"])
def test_bad_values_are_400(client, org, owner, value):
    client.force_login(owner)
    response = client.post(URL, {"starred": value})
    assert response.status_code == 400
    assert not EntityStar.objects.exists()


def test_another_persons_star_is_untouched(client, org, owner, outsider):
    client.force_login(owner)
    client.post(URL, {"starred": "1"})
    client.force_login(outsider)
    assert client.post(URL, {"starred": "0"}).status_code == 302  # their own (absent) star: nothing to remove
    assert EntityStar.objects.filter(user=owner).count() == 1
    assert "★ Starred" not in client.get("/catalog/default/component/orders/").content.decode()


def test_an_unreadable_entity_cannot_be_starred(client, org, outsider):
    Grant.objects.filter(role__everyone=True, permission="catalog.entity.read").update(rule="IS_ENTITY_OWNER")
    access_cache_clear()
    client.force_login(outsider)  # team-b: orders belongs to team-a
    assert client.post(URL, {"starred": "1"}).status_code == 404
    assert not EntityStar.objects.exists()
    assert AuditEntry.objects.filter(action="paved.star.set", outcome="denied", actor=outsider).exists()
