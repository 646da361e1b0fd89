"""The roles that make sense on day one (issue 9): everyone reads and creates; owners change what
they own; platform admins do everything; survey readers see results. Admins edit them afterwards.

Used by the data migration and by tests whose database is flushed between tests.
"""

OWNER = "IS_ENTITY_OWNER"

EVERYONE = [
    ("catalog.entity.read", ""),
    ("catalog.entity.validate", ""),
    ("catalog.location.read", ""),
    ("catalog.location.create", ""),
    ("catalog.entity.refresh", OWNER),
    ("catalog.entity.delete", OWNER),
    ("catalog.location.refresh", OWNER),
    ("catalog.location.delete", OWNER),
    ("scaffolder.template.parameter.read", ""),
    ("scaffolder.template.step.read", ""),
    ("scaffolder.action.execute", ""),
    ("scaffolder.task.create", ""),
    ("scaffolder.task.read", "IS_TASK_OWNER"),
    ("scaffolder.task.cancel", "IS_TASK_OWNER"),
    ("scaffolder.template.upgrade", OWNER),
    ("githost.repository.read", ""),
    ("githost.repository.create", ""),
    ("githost.repository.push", OWNER),
    ("techdocs.entity.read", ""),
    ("techdocs.entity.build", OWNER),
    ("scorecards.scorecard.read", ""),
    ("scorecards.facts.write", OWNER),
    ("scorecards.exemption.request", OWNER),
    ("insights.read", ""),
    ("maturity.assessment.read", ""),
]


def everyone_grants_add(Role, Grant) -> int:  # noqa: N803 (model classes, historical or real)
    """Give the built-in Everyone role the grants added to EVERYONE since it was created (a grant an
    admin removed on purpose stays removed only if it was never in EVERYONE: new ones are added once,
    by the migration that introduced them)."""
    everyone = Role.objects.filter(builtin=True, everyone=True).first()
    if everyone is None:
        return 0
    have = set(Grant.objects.filter(role=everyone).values_list("permission", "rule"))
    missing = [Grant(role=everyone, permission=p, rule=r) for p, r in EVERYONE if (p, r) not in have]
    Grant.objects.bulk_create(missing)
    return len(missing)


def default_roles_ensure(Role, Grant) -> bool:  # noqa: N803 (model classes, historical or real)
    """Create the built-in roles if they are missing; True when it created them."""
    if Role.objects.filter(builtin=True).exists():
        return False
    everyone = Role.objects.create(
        name="Everyone", everyone=True, builtin=True,
        description="Every signed-in person: reads the catalog and docs, creates from templates; owners "
                    "refresh and delete what they own and push to their repositories.",
    )
    Grant.objects.bulk_create([Grant(role=everyone, permission=p, rule=r) for p, r in EVERYONE])
    admin = Role.objects.create(name="Platform admin", builtin=True,
                                description="Does everything. Bind the platform team's group to it.")
    Grant.objects.create(role=admin, permission="*")
    readers = Role.objects.create(name="Survey results reader", builtin=True,
                                  description="Sees survey results (above the anonymity threshold) and exports.")
    Grant.objects.create(role=readers, permission="surveys.results.read")
    return True
