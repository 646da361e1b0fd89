"""Template lineage: the repositories a template made (`records`), upgrading them to the
template's current version (`upgrade`: the policy; the git plumbing is githost's) and the Celery
task that runs upgrades (`tasks`). Views and tasks import the public names from here.
"""

from githost.services import GitHostError, conflicts_from_message
from scaffolding.lineage.records import Lineage, lineage_get, lineage_record, lineage_upgrade_start
from scaffolding.lineage.upgrade import (
    TEMPLATE_BRANCH_PREFIX,
    UPGRADABLE_PROVIDERS,
    UPGRADE_BRANCH_PREFIX,
    UpgradeError,
    UpgradeResult,
    lineage_upgrade,
    lineage_upgrade_repository,
    merged_template_version,
    upgrade_allowed,
    upgrade_allowed_on,
    upgrade_branch_state,
)

__all__ = [
    "TEMPLATE_BRANCH_PREFIX",
    "UPGRADABLE_PROVIDERS",
    "UPGRADE_BRANCH_PREFIX",
    "GitHostError",
    "Lineage",
    "UpgradeError",
    "UpgradeResult",
    "conflicts_from_message",
    "lineage_get",
    "lineage_record",
    "lineage_upgrade",
    "lineage_upgrade_repository",
    "lineage_upgrade_start",
    "merged_template_version",
    "upgrade_allowed",
    "upgrade_allowed_on",
    "upgrade_branch_state",
]
