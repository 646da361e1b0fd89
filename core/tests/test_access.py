"""The policy function: default roles, owners through groups and parent groups, bindings, rules."""

import pytest
from django.core.exceptions import PermissionDenied

from catalog.access import entity_resource, location_resource
from core.access import Resource, authorize, decision, is_platform_admin, require
from core.models import AuditEntry, Grant, Role, RoleBinding
from core.permissions import ENTITY, PERMISSIONS, TASK

pytestmark = pytest.mark.django_db


def test_owner_and_teammate_may_delete_their_teams_component(org, owner, teammate):
    resource = entity_resource(org.orders)
    assert authorize(owner, "catalog.entity.delete", resource)
    assert authorize(teammate, "catalog.entity.delete", resource)


def test_member_of_a_parent_group_owns_what_the_child_team_owns(org, lead):
    assert authorize(lead, "catalog.entity.delete", entity_resource(org.orders))


def test_outsider_may_read_but_not_delete_another_teams_component(org, outsider):
    resource = entity_resource(org.orders)
    assert authorize(outsider, "catalog.entity.read", resource)
    assert not authorize(outsider, "catalog.entity.delete", resource)
    assert not authorize(outsider, "catalog.entity.refresh", resource)


def test_superuser_may_do_everything(org, admin_user):
    assert authorize(admin_user, "catalog.entity.delete", entity_resource(org.billing))
    assert is_platform_admin(admin_user)


def test_anonymous_and_inactive_people_get_nothing(org, owner):
    from django.contrib.auth.models import AnonymousUser

    assert not authorize(AnonymousUser(), "catalog.entity.read", entity_resource(org.orders))
    owner.is_active = False
    assert not authorize(owner, "catalog.entity.read", entity_resource(org.orders))


def test_a_role_bound_to_a_group_applies_to_its_members_and_child_groups(org, owner, outsider):
    admin_role = Role.objects.get(name="Platform admin")
    RoleBinding.objects.create(role=admin_role, subject="group:default/engineering")
    assert authorize(owner, "catalog.entity.delete", entity_resource(org.billing))  # team-a is engineering's child
    assert is_platform_admin(owner)
    assert not authorize(outsider, "catalog.entity.delete", entity_resource(org.orders))


def test_a_role_bound_to_one_user(org, outsider):
    role = Role.objects.create(name="Docs builders")
    Grant.objects.create(role=role, permission="techdocs.entity.build")
    RoleBinding.objects.create(role=role, subject="user:default/outsider")
    assert authorize(outsider, "techdocs.entity.build", entity_resource(org.orders))
    assert not authorize(outsider, "catalog.entity.delete", entity_resource(org.orders))


@pytest.mark.parametrize(
    ("rule", "params", "expected"),
    [
        ("HAS_TAG", {"tag": "payments"}, True),
        ("HAS_TAG", {"tag": "other"}, False),
        ("IS_ENTITY_KIND", {"kinds": ["component"]}, True),
        ("IS_ENTITY_KIND", {"kinds": ["api"]}, False),
        ("HAS_ANNOTATION", {"annotation": "backstage.io/managed-by-location"}, True),
        ("HAS_ANNOTATION", {"annotation": "pagerduty.com/service-id"}, False),
    ],
)
def test_conditional_grants(org, outsider, rule, params, expected):
    role = Role.objects.create(name="Conditional")
    Grant.objects.create(role=role, permission="catalog.entity.delete", rule=rule, params=params)
    RoleBinding.objects.create(role=role, subject="group:default/team-b")
    assert authorize(outsider, "catalog.entity.delete", entity_resource(org.orders)) is expected


def test_a_location_with_entities_of_many_owners_belongs_to_none_of_them(org, owner, admin_user):
    # The org file emits team-a's and team-b's components: owning one must not let owner delete both.
    resource = location_resource(org.location)
    assert not authorize(owner, "catalog.location.delete", resource)
    assert authorize(admin_user, "catalog.location.delete", resource)


def test_the_person_who_registered_a_location_owns_it(org, outsider):
    org.location.created_by = outsider
    org.location.save()
    assert authorize(outsider, "catalog.location.delete", location_resource(org.location))


def test_task_owner_rule(owner, outsider):
    task = Resource(type=TASK, ref="task:1", creator_id=owner.pk)
    assert authorize(owner, "scaffolder.task.read", task)
    assert not authorize(outsider, "scaffolder.task.read", task)


def test_conditional_grant_without_a_resource_is_refused(org, owner):
    assert not authorize(owner, "catalog.entity.delete")


def test_decision_lists_conditions_for_list_queries(org, owner, admin_user):
    assert decision(owner, "catalog.entity.read").allow_all
    owned = decision(owner, "catalog.entity.delete")
    assert not owned.allow_all and [g.rule for g in owned.conditions] == ["IS_ENTITY_OWNER"]
    assert decision(admin_user, "catalog.entity.delete").allow_all


def test_require_raises_and_audits_a_refused_write(org, outsider):
    with pytest.raises(PermissionDenied, match="catalog.entity.delete"):
        require(outsider, "catalog.entity.delete", entity_resource(org.orders))
    entry = AuditEntry.objects.get()
    assert (entry.actor_name, entry.action, entry.target, entry.outcome) == (
        "outsider", "catalog.entity.delete", "component:default/orders", "denied")


def test_a_membership_change_applies_at_once(org, outsider):
    from pathlib import Path

    from catalog import services

    resource = entity_resource(org.orders)
    assert not authorize(outsider, "catalog.entity.delete", resource)
    path = Path(org.location.target)
    path.write_text(path.read_text().replace("memberOf: [team-b]}", "memberOf: [team-b, team-a]}"))
    services.location_refresh(location_id=org.location.pk)
    assert authorize(outsider, "catalog.entity.delete", resource)


def test_grant_validation_names_the_mismatch():
    from django.core.exceptions import ValidationError

    role = Role.objects.create(name="Bad")
    with pytest.raises(ValidationError, match="does not apply"):
        Grant(role=role, permission="scaffolder.task.read", rule="HAS_TAG", params={"tag": "x"}).clean()
    with pytest.raises(ValidationError, match="Unknown parameter"):
        Grant(role=role, permission="catalog.entity.delete", rule="HAS_TAG", params={"colour": "x"}).clean()


def test_binding_subject_is_normalised_and_checked():
    from django.core.exceptions import ValidationError

    binding = RoleBinding(role=Role.objects.get(name="Platform admin"), subject="Group:Platform-Team")
    binding.clean()
    assert binding.subject == "group:default/platform-team"
    with pytest.raises(ValidationError):
        RoleBinding(role=binding.role, subject="platform-team").clean()


def test_every_permission_has_a_resource_type_that_its_default_grants_can_check():
    everyone = Role.objects.get(name="Everyone")
    for grant in everyone.grants.all():
        assert grant.permission in PERMISSIONS
        if grant.rule:
            grant.clean()
    assert PERMISSIONS["catalog.entity.delete"].resource_type == ENTITY


def test_users_and_groups_from_a_location_an_ordinary_person_registered_are_refused(org, outsider, tmp_path):
    """The attack: register a file that says `outsider` is a member of team-a, then delete its component."""
    from catalog import services
    from catalog.models import Entity, Location, ProcessingError

    path = org.location.target.replace("catalog-info.yaml", "mine.yaml")
    with open(path, "w") as handle:
        handle.write("apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: outsider}\n"
                     "spec: {profile: {email: outsider@example.com}, memberOf: [team-a]}\n")
    location = Location.objects.create(type="file", target=path, created_by=outsider)
    services.location_refresh(location_id=location.pk)
    assert not Entity.objects.filter(location=location, kind__iexact="user").exists()
    assert "may only come from locations a platform admin registered" in ProcessingError.objects.get(
        location=location).message
    assert not authorize(outsider, "catalog.entity.delete", entity_resource(org.orders))


def test_results_are_for_the_survey_results_reader_role(org, outsider):
    from django.test import Client

    from core.models import Role, RoleBinding
    from surveys.access import results_readable

    assert not results_readable(user=outsider)
    RoleBinding.objects.create(role=Role.objects.get(name="Survey results reader"), subject="group:default/team-b")
    assert results_readable(user=outsider)
    client = Client()
    client.force_login(outsider)
    assert client.get("/api/surveys/1/results").status_code == 404  # allowed: no such campaign
