"""The scaffolder's side of the access policy: tasks, tagged template parts and actions.

As in Backstage, a parameter section or step marked `backstage:permissions: {tags: [...]}` is
checked with scaffolder.template.parameter.read / scaffolder.template.step.read against a
resource carrying those tags (HAS_TAG grants). Sections a person may not read are left out of
the form and the parameter schema; steps they may not read are left out of their task. Backstage
drops such steps silently; Paved names them in the task's log so a "successful" task never hides
a skipped publish step. Every action a task would run needs scaffolder.action.execute.
"""

from django.db.models import Q

from core.access import Resource, authorize, decision, require
from core.permissions import ACTION, TASK, TEMPLATE

PERMISSIONS_KEY = "backstage:permissions"


def run_resource(run) -> Resource:
    return Resource(type=TASK, ref=f"task:{run.pk}", creator_id=run.created_by_id)


def run_readable(*, run, user) -> bool:
    return authorize(user, "scaffolder.task.read", run_resource(run))


def run_can_manage(*, run, user) -> bool:
    return authorize(user, "scaffolder.task.cancel", run_resource(run))


def run_read_filter(*, user) -> Q | None:
    """None: every task. Otherwise the tasks the person may read (IS_TASK_OWNER grants: their own)."""
    allowed = decision(user, "scaffolder.task.read")
    if allowed.allow_all:
        return None
    if any(grant.rule == "IS_TASK_OWNER" for grant in allowed.conditions):
        return Q(created_by_id=getattr(user, "pk", None))
    return Q(pk__in=[])


def _tags(part: object) -> list[str]:
    if not isinstance(part, dict):
        return []
    marker = part.get(PERMISSIONS_KEY)
    tags = marker.get("tags") if isinstance(marker, dict) else None
    return [str(t) for t in tags] if isinstance(tags, list) else []


def _part_readable(user, permission: str, part: object, template_ref: str) -> bool:
    tags = _tags(part)
    if not tags:  # as in Backstage, only parts marked with backstage:permissions are checked
        return True
    return authorize(user, permission, Resource(type=TEMPLATE, ref=template_ref, tags=frozenset(tags)))


def parameters_for_user(*, parameters: object, user, template_ref: str) -> object:
    """The template's parameter sections the person may read (a single object stays as it is)."""
    if not isinstance(parameters, list):
        return parameters if _part_readable(user, "scaffolder.template.parameter.read", parameters,
                                            template_ref) else []
    return [p for p in parameters if _part_readable(user, "scaffolder.template.parameter.read", p, template_ref)]


def spec_for_user(*, spec: dict, user, template_ref: str) -> tuple[dict, list[str]]:
    """(the spec with unreadable parameter sections and steps removed, the names of removed steps)."""
    if not isinstance(spec, dict):
        return spec, []
    filtered = dict(spec)
    if "parameters" in spec:
        filtered["parameters"] = parameters_for_user(parameters=spec["parameters"], user=user,
                                                     template_ref=template_ref)
    steps = spec.get("steps")
    if isinstance(steps, list):
        kept, dropped = [], []
        for step in steps:
            if _part_readable(user, "scaffolder.template.step.read", step, template_ref):
                kept.append(step)
            else:
                dropped.append(str(step.get("name") or step.get("id") or step.get("action")))
        filtered["steps"] = kept
        return filtered, dropped
    return filtered, []


def actions_require(*, steps: list[dict], user) -> None:
    """PermissionDenied naming the first action the person may not run."""
    for step in steps:
        action = str(step.get("action", "")) if isinstance(step, dict) else ""
        require(user, "scaffolder.action.execute", Resource(type=ACTION, ref=f"action:{action}", action_id=action))
