"""catalog.selectors.component_ownership: is every component owned and contactable (four queries)."""

import pytest

from catalog.selectors import component_ownership
from catalog.tests.factories import yaml_load

pytestmark = pytest.mark.django_db

ORG = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: payments}
spec: {type: team, children: [], members: [ann], profile: {email: Payments@Example.com}}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: empty-team}
spec: {type: team, children: [], profile: {email: empty@example.com}}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: quiet-team}
spec: {type: team, children: [], members: [ann]}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: ann}
spec: {profile: {email: ann@example.com}, memberOf: [payments]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: ledger}
spec: {type: service, lifecycle: production, owner: payments}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: hollow}
spec: {type: service, lifecycle: production, owner: empty-team}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: silent}
spec: {type: service, lifecycle: production, owner: quiet-team}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: ghost}
spec: {type: service, lifecycle: production, owner: nobody}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: personal}
spec: {type: library, lifecycle: production, owner: user:ann}
"""


def test_each_component_with_its_owners_state(tmp_path, django_assert_max_num_queries):
    yaml_load(tmp_path, ORG)
    with django_assert_max_num_queries(4):
        rows = {r.ref: r for r in component_ownership()}
    assert set(rows) == {f"component:default/{n}" for n in ("ledger", "hollow", "silent", "ghost", "personal")}
    ledger = rows["component:default/ledger"]
    assert (ledger.owner_exists, ledger.members, ledger.email, ledger.contactable) == (
        True, 1, "payments@example.com", True)
    assert not rows["component:default/hollow"].contactable and rows["component:default/hollow"].members == 0
    assert not rows["component:default/silent"].contactable and rows["component:default/silent"].email == ""
    assert not rows["component:default/ghost"].owner_exists
    assert rows["component:default/personal"].contactable  # a person owns it: one member, their e-mail
    only = component_ownership(owner_refs=["Group:default/payments"])
    assert [r.ref for r in only] == ["component:default/ledger"]


def test_component_refs_and_owning_groups(tmp_path, django_assert_max_num_queries):
    from catalog.selectors import component_refs, owning_groups

    yaml_load(tmp_path, ORG)
    with django_assert_max_num_queries(1):
        assert component_refs(owner_refs=["group:default/quiet-team"]) == ["component:default/silent"]
    assert len(component_refs()) == 5
    with django_assert_max_num_queries(1):
        # nobody is not in the catalog and ann is a User: neither is a team.
        assert owning_groups() == ["group:default/empty-team", "group:default/payments", "group:default/quiet-team"]
