"""catalog.selectors.component_owners, component_refs, owning_groups: is every component owned and contactable."""

import pytest

from catalog.selectors import component_owners
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


def test_each_owner_with_its_state(tmp_path, django_assert_max_num_queries):
    yaml_load(tmp_path, ORG)
    with django_assert_max_num_queries(4):
        rows = {r.owner_ref: r for r in component_owners()}
    assert set(rows) == {"group:default/payments", "group:default/empty-team", "group:default/quiet-team",
                         "group:default/nobody", "user:default/ann"}
    payments = rows["group:default/payments"]
    assert (payments.components, payments.owner_exists, payments.members, payments.email, payments.contactable) == (
        1, True, 1, "payments@example.com", True)  # ann is a member once, though both sides say so
    assert not rows["group:default/empty-team"].contactable and rows["group:default/empty-team"].members == 0
    assert not rows["group:default/quiet-team"].contactable and rows["group:default/quiet-team"].email == ""
    assert not rows["group:default/nobody"].owner_exists
    assert rows["user:default/ann"].contactable  # a person owns it: one member, their e-mail
    only = component_owners(owner_refs=["Group:default/payments"])
    assert [(r.owner_ref, r.components) for r in only] == [("group:default/payments", 1)]


def test_component_refs_and_owning_groups(tmp_path, django_assert_max_num_queries):
    from catalog.selectors import component_refs, owning_groups

    yaml_load(tmp_path, ORG)
    with django_assert_max_num_queries(1):
        assert component_refs(owner_refs=["group:default/quiet-team"]) == ["component:default/silent"]
    assert len(component_refs()) == 5
    with django_assert_max_num_queries(1):
        # nobody is not in the catalog and ann is a User: neither is a team.
        assert owning_groups() == ["group:default/empty-team", "group:default/payments", "group:default/quiet-team"]
