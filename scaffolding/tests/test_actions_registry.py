"""Actions describe themselves: the runner, template upgrades and lineage read these attributes
instead of lists of action ids, so adding an action touches its own module only."""

from pathlib import Path

from scaffolding.actions import action_registry
from scaffolding.actions.base import PUBLISHED, ActionContext, ActionUser, published_records


def ids_with(attribute: str) -> list[str]:
    return [action_id for action_id, action in action_registry().items() if getattr(action, attribute)]


def test_the_file_building_actions_are_the_ones_a_retry_reruns():
    assert ids_with("builds_files") == [
        "catalog:write", "fetch:cookiecutter", "fetch:plain", "fetch:plain:file", "fetch:template",
        "fetch:template:file", "fs:delete", "fs:rename", "roadiehq:utils:fs:append", "roadiehq:utils:fs:write",
        "roadiehq:utils:json:merge", "roadiehq:utils:merge", "roadiehq:utils:zip"]


def test_the_publishing_actions_are_the_ones_lineage_records():
    assert ids_with("publishes") == ["github:repo:push", "publish:git", "publish:github", "publish:gitlab"]
    assert ids_with("registers_entities") == ["catalog:register"]


def test_no_action_both_builds_files_and_has_side_effects():
    both = [i for i in ids_with("builds_files") if i in ids_with("publishes") + ids_with("registers_entities")]
    assert both == [], "a retry would repeat their side effects"


def ctx(checkpoint=None) -> ActionContext:
    return ActionContext(workspace=Path("/nowhere"), input={}, task_id="t", step_id="s",
                         user=ActionUser(username="ada"), checkpoint=checkpoint if checkpoint is not None else {})


def test_record_published_keeps_one_record_per_repository_in_the_checkpoint():
    context = ctx({"created_repo": "acme/web"})
    fields = {"host": "h", "remote_url": "https://h/acme/web.git", "default_branch": "main"}
    context.record_published(provider="git", owner="acme", repo="web", **fields)
    context.record_published(provider="git", owner="acme", repo="web", **{**fields, "default_branch": "trunk"})
    context.record_published(provider="git", owner="acme", repo="api", **fields)
    assert context.checkpoint["created_repo"] == "acme/web", "the action's own state is left alone"
    assert [(r["repo"], r["default_branch"]) for r in published_records(context.checkpoint)] == [
        ("web", "trunk"), ("api", "main")]


def test_published_records_reads_odd_checkpoints_as_nothing():
    assert published_records(None) == published_records({}) == published_records({PUBLISHED: "x"}) == []
    assert published_records({PUBLISHED: [1, {"repo": "a"}]}) == [{"repo": "a"}]
