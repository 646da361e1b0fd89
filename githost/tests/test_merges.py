"""Branch plumbing other apps call instead of git: merges into a new branch, merged branches,
ancestry, roots, tree ids and compare-and-swap deletes (template upgrades use all of them)."""

import pytest

from core.models import AuditEntry
from githost import services
from githost.lib.git import git_run
from githost.services import GitHostError

pytestmark = pytest.mark.django_db

AUTHOR = {"author_name": "Ada Lovelace", "author_email": "ada@example.com"}


def commit(branch: str, files: dict, message: str = "change") -> str:
    return services.repo_commit_files(owner="acme", name="web", branch=branch, files=files, message=message,
                                      **AUTHOR)


def branch_from_main(branch: str) -> None:
    assert services.repo_branch_create(owner="acme", name="web", branch=branch, start_point="main")


def test_merge_to_branch_commits_a_clean_merge_and_moves_neither_side(repo, owner):
    branch_from_main("theirs")
    theirs = commit("theirs", {"NEW.md": b"new\n"})
    ours = commit("main", {"README.md": b"# Web, edited\n"})
    result = services.repo_merge_to_branch(owner="acme", name="web", ours="main", theirs="theirs", branch="merged",
                                           message="Merge theirs\n", actor=owner, via="test", **AUTHOR)
    assert result.conflicts == ()
    assert services.repo_head(owner="acme", name="web", branch="merged") == result.commit
    assert (services.repo_head(owner="acme", name="web", branch="main"),
            services.repo_head(owner="acme", name="web", branch="theirs")) == (ours, theirs)
    parents = git_run("acme", "web", "rev-list", "--parents", "-1", result.commit).decode().split()[1:]
    assert parents == [ours, theirs]
    assert services.repo_read_file(owner="acme", name="web", ref="merged", path="NEW.md") == b"new\n"
    assert services.repo_read_file(owner="acme", name="web", ref="merged", path="README.md") == b"# Web, edited\n"
    [log] = services.repo_log(owner="acme", name="web", ref=result.commit, limit=1)
    assert log["message"].startswith("Merge theirs") and log["author"] == "Ada Lovelace"
    entry = AuditEntry.objects.filter(action="githost.repository.push", detail__ref="refs/heads/merged").get()
    assert (entry.actor, entry.detail["change"], entry.detail["new"], entry.detail["via"]) == (
        owner, "create", result.commit, "test")


def test_merge_to_branch_commits_conflicts_and_lists_them(repo):
    branch_from_main("theirs")
    commit("theirs", {"README.md": b"theirs\n", "docs/index.md": b"theirs\n"})
    commit("main", {"README.md": b"ours\n", "docs/index.md": b"ours\n"})
    result = services.repo_merge_to_branch(owner="acme", name="web", ours="main", theirs="theirs", branch="merged",
                                           message="Merge theirs\n", **AUTHOR)
    assert result.conflicts == ("README.md", "docs/index.md")
    readme = services.repo_read_file(owner="acme", name="web", ref="merged", path="README.md").decode()
    assert "<<<<<<< refs/heads/main" in readme and ">>>>>>> refs/heads/theirs" in readme
    [log] = services.repo_log(owner="acme", name="web", ref="merged", limit=1)
    assert services.conflicts_from_message(log["message"]) == ["README.md", "docs/index.md"]


def test_merge_to_branch_is_create_only(repo):
    branch_from_main("theirs")
    commit("theirs", {"NEW.md": b"new\n"})
    branch_from_main("merged")
    kept = services.repo_head(owner="acme", name="web", branch="merged")
    assert services.repo_merge_to_branch(owner="acme", name="web", ours="main", theirs="theirs", branch="merged",
                                         message="again", **AUTHOR) is None
    assert services.repo_head(owner="acme", name="web", branch="merged") == kept


def test_merge_to_branch_refuses_missing_branches_and_bad_names(repo):
    with pytest.raises(GitHostError, match="does not exist"):
        services.repo_merge_to_branch(owner="acme", name="web", ours="main", theirs="nope", branch="merged",
                                      message="m", **AUTHOR)
    with pytest.raises(GitHostError, match="theirs"):
        services.repo_merge_to_branch(owner="acme", name="web", ours="main", theirs="--all", branch="merged",
                                      message="m", **AUTHOR)


def test_branch_delete_is_a_compare_and_swap_and_audited(repo, owner):
    branch_from_main("old")
    head = services.repo_head(owner="acme", name="web", branch="old")
    assert not services.repo_branch_delete(owner="acme", name="web", branch="old", expected="0" * 39 + "1")
    assert services.repo_head(owner="acme", name="web", branch="old") == head
    assert services.repo_branch_delete(owner="acme", name="web", branch="old", expected=head, actor=owner, via="t")
    assert services.repo_head(owner="acme", name="web", branch="old") is None
    entry = AuditEntry.objects.filter(detail__ref="refs/heads/old", detail__change="delete").get()
    assert (entry.actor, entry.detail["old"]) == (owner, head)


def test_merged_branches_newest_independent_first(repo):
    root = services.repo_head(owner="acme", name="web", branch="main")
    branch_from_main("t/one")
    commit("t/one", {"a": b"1"})
    services.repo_branch_create(owner="acme", name="web", branch="t/two", start_point="t/one")
    commit("t/two", {"a": b"2"})
    branch_from_main("t/unmerged")
    commit("t/unmerged", {"b": b"1"})
    branch_from_main("other")
    assert services.repo_merged_branches(owner="acme", name="web", into="main", prefix="t/") == []
    assert services.repo_merged_branches(owner="acme", name="web", into="t/two", prefix="t/") == ["t/two", "t/one"]
    assert services.repo_merged_branches(owner="acme", name="web", into=root, prefix="t/") == []
    # Branches at one commit: the first by name stands for them all.
    assert services.repo_merged_branches(owner="acme", name="web", into="main") == ["main"]


def test_ancestry_root_and_tree_ids(repo):
    root = services.repo_head(owner="acme", name="web", branch="main")
    head = commit("main", {"docs/index.md": b"# Changed\n"})
    assert services.repo_is_ancestor(owner="acme", name="web", ancestor=root, descendant=head)
    assert not services.repo_is_ancestor(owner="acme", name="web", ancestor=head, descendant=root)
    assert services.repo_root_commit(owner="acme", name="web", ref="main") == root
    before = services.repo_tree_id(owner="acme", name="web", ref=root, path="docs")
    after = services.repo_tree_id(owner="acme", name="web", ref="main", path="/docs/")
    src = services.repo_tree_id(owner="acme", name="web", ref=root, path="src")
    assert len(before) == 40 and before != after
    assert src == services.repo_tree_id(owner="acme", name="web", ref="main", path="src")
    assert services.repo_tree_id(owner="acme", name="web", ref="main") == git_run(
        "acme", "web", "rev-parse", "main^{tree}").decode().strip()
    with pytest.raises(GitHostError):
        services.repo_tree_id(owner="acme", name="web", ref="main", path="nope")


def test_raw_git_is_not_part_of_the_public_api():
    assert not hasattr(services, "git_run")
