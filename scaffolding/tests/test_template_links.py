"""A template's pages lead to each other: catalog entity -> form and lineage, form -> lineage."""

import pytest

from catalog.tests.factories import demo_load

pytestmark = pytest.mark.django_db


def test_a_templates_catalog_page_offers_to_use_it_and_its_lineage(client_owner):
    demo_load()
    html = client_owner.get("/catalog/default/template/go-microservice/").content.decode()
    assert 'href="/create/templates/default/go-microservice/"' in html
    assert 'href="/create/templates/default/go-microservice/lineage/"' in html
    form = client_owner.get("/create/templates/default/go-microservice/").content.decode()
    assert "/create/templates/default/go-microservice/lineage/" in form


def test_other_entities_do_not_offer_it(client_owner):
    demo_load()
    html = client_owner.get("/catalog/default/component/payment-service/").content.decode()
    assert "Use this template" not in html
