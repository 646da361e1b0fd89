"""Every permission Paved checks, named like Backstage's where Backstage has one.

A permission has a resource type when it is checked against one thing (an entity, a task, a
repository); conditional grants (owner-only, a tag, a kind) only make sense for those. Rules are
the conditions a grant may carry, with the resource types they apply to.
"""

from dataclasses import dataclass

ENTITY = "catalog-entity"
LOCATION = "catalog-location"
TEMPLATE = "scaffolder-template"
ACTION = "scaffolder-action"
TASK = "scaffolder-task"
REPOSITORY = "git-repository"
DOCS = "techdocs-site"
CAMPAIGN = "survey-campaign"


@dataclass(frozen=True)
class Permission:
    name: str
    resource_type: str | None
    write: bool
    description: str


_ALL = [
    Permission("catalog.entity.read", ENTITY, False, "See an entity in the catalog, search and API."),
    Permission("catalog.entity.refresh", ENTITY, True, "Ask the catalog to re-read an entity's file."),
    Permission("catalog.entity.delete", ENTITY, True, "Unregister or delete an entity."),
    Permission("catalog.entity.validate", None, False, "Validate an entity file without storing it."),
    Permission("catalog.location.read", LOCATION, False, "See registered locations and their errors."),
    Permission("catalog.location.create", None, True, "Register a new location (import entities)."),
    Permission("catalog.location.refresh", LOCATION, True, "Re-read a registered location."),
    Permission("catalog.location.delete", LOCATION, True, "Remove a location and the entities it emits."),
    Permission("scaffolder.template.parameter.read", TEMPLATE, False, "See a template's form parameters."),
    Permission("scaffolder.template.step.read", TEMPLATE, False, "See and run a template's steps."),
    Permission("scaffolder.action.execute", ACTION, True, "Run an action in a task."),
    Permission("scaffolder.task.create", None, True, "Start a task from a template (or a dry run)."),
    Permission("scaffolder.task.read", TASK, False, "See a task, its values and its log."),
    Permission("scaffolder.task.cancel", TASK, True, "Cancel or retry a task."),
    Permission("scaffolder.template.upgrade", TEMPLATE, True, "Open upgrade branches from a template's lineage."),
    Permission("githost.repository.read", REPOSITORY, False, "Browse and clone a repository."),
    Permission("githost.repository.create", None, True, "Create a repository on the built-in git host."),
    Permission("githost.repository.push", REPOSITORY, True, "Push commits and branches to a repository."),
    Permission("githost.repository.admin", REPOSITORY, True,
               "Force-push, delete or rewrite protected branches and tags."),
    Permission("techdocs.entity.read", ENTITY, False, "Read an entity's docs."),
    Permission("techdocs.entity.build", ENTITY, True, "Rebuild an entity's docs."),
    Permission("surveys.results.read", CAMPAIGN, False, "See a campaign's results and exports."),
    Permission("surveys.campaign.manage", CAMPAIGN, True, "Create, open and close survey campaigns."),
    Permission("scorecards.scorecard.read", None, False, "See scorecards, scores, grades and their history."),
    Permission("scorecards.scorecard.manage", None, True, "Register, refresh and remove scorecard definitions."),
    Permission("scorecards.facts.write", ENTITY, True, "Post facts (coverage, scans, test reports) about an entity."),
    Permission("scorecards.exemption.request", ENTITY, True, "Ask to exempt an entity from a check."),
    Permission("scorecards.exemption.approve", ENTITY, True, "Approve scorecard exemptions."),
    Permission("scorecards.campaign.manage", None, True, "Create, change and end scorecard campaigns."),
    Permission("insights.read", None, False, "See DORA, cost and Platform Health figures."),
    Permission("insights.events.write", None, True, "Send delivery events (deployments, incidents, changes)."),
    Permission("insights.data.import", None, True, "Import cost exports, ticket counts and platform checks."),
    Permission("maturity.assessment.read", None, False, "See the platform maturity assessment and its history."),
    Permission("maturity.assessment.manage", None, True,
               "Answer the questionnaire, edit thresholds, the roadmap and success metrics."),
    Permission("paved.audit.read", None, False, "Browse and export the audit log."),
    Permission("paved.access.manage", None, True, "Change roles and who holds them."),
]

PERMISSIONS: dict[str, Permission] = {p.name: p for p in _ALL}


@dataclass(frozen=True)
class Rule:
    name: str
    resource_types: tuple[str, ...]
    params: tuple[str, ...]
    description: str


_RULES = [
    Rule("IS_ENTITY_OWNER", (ENTITY, LOCATION, REPOSITORY, DOCS, TEMPLATE), (),
         "The person is the owner, a member of the owner group or of one of its parent groups."),
    Rule("HAS_ANNOTATION", (ENTITY, DOCS, TEMPLATE), ("annotation", "value"),
         "The entity has the annotation (and, when given, that value)."),
    Rule("IS_ENTITY_KIND", (ENTITY, DOCS, TEMPLATE), ("kinds",), "The entity is of one of these kinds."),
    Rule("HAS_TAG", (ENTITY, DOCS, TEMPLATE), ("tag",), "The entity (or template part) has this tag."),
    Rule("IS_TASK_OWNER", (TASK,), (), "The person started the task."),
    Rule("HAS_ACTION_ID", (ACTION,), ("actionId",), "The action has this id."),
]

RULES: dict[str, Rule] = {r.name: r for r in _RULES}


def permission_matches(pattern: str, name: str) -> bool:
    """A grant's permission is a name, `app.*`-style prefix or `*` (everything)."""
    if pattern == "*" or pattern == name:
        return True
    return pattern.endswith(".*") and name.startswith(pattern[:-1])


def permission_choices() -> list[tuple[str, str]]:
    prefixes = sorted({p.name.split(".")[0] + ".*" for p in _ALL})
    return [("*", "* (everything)")] + [(p, p) for p in prefixes] + [(p.name, p.name) for p in _ALL]
