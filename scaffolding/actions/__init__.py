"""The installed scaffolder actions, by id.

Each module under scaffolding/actions/ lists its actions in a module-level `ACTIONS` list;
MODULES names the modules, so adding an action is one class and one line here.
"""

import importlib
from functools import cache

from scaffolding.actions.base import Action

MODULES = [
    "scaffolding.actions.fetch",
    "scaffolding.actions.filesystem",
    "scaffolding.actions.debug",
    "scaffolding.actions.catalog",
    "scaffolding.actions.publish_git",
    "scaffolding.actions.publish_github",
    "scaffolding.actions.publish_github_pr",
    "scaffolding.actions.publish_gitlab",
    "scaffolding.actions.github",
    "scaffolding.actions.gitlab",
    "scaffolding.actions.gitops",
    "scaffolding.actions.roadie",
    "scaffolding.actions.cookiecutter",
    "scaffolding.actions.kube",
    "scaffolding.actions.oncall",
    "scaffolding.actions.notification",
]


@cache
def action_registry() -> dict[str, Action]:
    registry: dict[str, Action] = {}
    for module_name in MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue  # a module not written yet; its actions are simply not installed
        for action in module.ACTIONS:
            registry[action.id] = action
    return dict(sorted(registry.items()))


def action_get(action_id: str) -> Action | None:
    return action_registry().get(action_id)
