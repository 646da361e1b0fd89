"""catalog.lib.refs: the one place entity refs are parsed, keyed and written out."""

import pytest

from catalog.lib.refs import EntityRef, RefError, entity_key, parse_ref, split_key, stringify_ref


def test_the_key_is_the_whole_ref_lower_case_as_stored_in_entity_ref():
    assert entity_key("Component", "Default", "Payment-Service") == "component:default/payment-service"
    assert entity_key("user", "default", "ada") == "user:default/ada"


def test_stringify_lowers_kind_and_namespace_and_keeps_the_name_as_backstage_does():
    assert stringify_ref("Component", "Default", "Payment-Service") == "component:default/Payment-Service"


def test_split_key_is_the_inverse_of_entity_key():
    assert split_key(entity_key("API", "ops", "orders")) == ("api", "ops", "orders")
    assert split_key("no-kind") == ("no-kind", "", "")


def test_parse_ref_applies_the_field_defaults_and_gives_the_same_key():
    ref = parse_ref("team-a", default_kind="Group")
    assert ref == EntityRef(kind="Group", namespace="default", name="team-a")
    assert ref.key == entity_key("Group", "default", "team-a")
    with pytest.raises(RefError):
        parse_ref("team-a")
