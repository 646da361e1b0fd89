"""component_owners, group_members and people_count: bulk reads for the insights app's cost attribution."""

import pytest

from catalog import selectors
from catalog.tests.factories import yaml_load

pytestmark = pytest.mark.django_db

ORG = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a}
spec: {type: team, children: [], members: [ann]}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-b, namespace: ops}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: ann}
spec: {profile: {email: Ann@Example.com}, memberOf: []}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: bob}
spec: {memberOf: [team-a, ops/team-b]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: Orders}
spec: {type: service, lifecycle: production, owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: billing, namespace: ops}
spec: {type: service, lifecycle: production, owner: ops/team-b}
"""


@pytest.fixture
def org(tmp_path):
    return yaml_load(tmp_path, ORG)


def test_component_owners_any_case_any_namespace(org, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        owners = selectors.component_owners(names=["orders", "BILLING", "nothing", ""])
    assert owners == {"orders": "group:default/team-a", "billing": "group:ops/team-b"}
    assert selectors.component_owners(names=[]) == {}


def test_group_members_with_emails(org, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        members = selectors.group_members(refs=["group:default/team-a", "Group:ops/team-b", "user:default/ann",
                                                "group:default/none"])
    assert members == {
        "group:default/team-a": [("user:default/ann", "ann@example.com"), ("user:default/bob", "")],
        "group:ops/team-b": [("user:default/bob", "")],
        "group:default/none": [],
    }
    assert selectors.group_members(refs=[]) == {}


def test_people_count(org):
    assert selectors.people_count() == 2
