"""The corpus templates that fetch `../../skeletons/...` (refused when registered from a file, as
Backstage refuses them: test_corpus_templates.py) pass a dry run once registered from a repository on
the built-in git host, laid out as in their original repository (MANIFEST.tsv's path_in_repo), the way
Backstage resolves a relative url against a URL location (issue 12)."""

import csv

import pytest

from catalog.models import Location
from catalog.services import location_refresh
from core.testing import CORPUS_DIR, shared_missing_reason
from githost import services as githost
from scaffolding.tests.test_corpus_templates import OUTSIDE_FOLDER, documents, dry_run, fetches_outside_its_folder

MANIFEST = CORPUS_DIR / "MANIFEST.tsv"

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(not MANIFEST.is_file(), reason=shared_missing_reason(MANIFEST))]


def repository_files(folder_name: str) -> tuple[dict[str, bytes], str]:
    """Every file of the corpus template folder at its path in the original repository, and the
    Template file's path there."""
    prefix = f"templates/{folder_name}/"
    files, template_path = {}, None
    with MANIFEST.open(newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["local_path"].startswith(prefix):
                files[row["path_in_repo"]] = (CORPUS_DIR / row["local_path"]).read_bytes()
                if row["local_path"] == prefix + "template.yaml":
                    template_path = row["path_in_repo"]
    assert template_path, f"MANIFEST has no template.yaml row for {folder_name}"
    return files, template_path


def test_some_corpus_templates_fetch_from_parent_folders():
    assert len(OUTSIDE_FOLDER) >= 3


@pytest.mark.parametrize("path", OUTSIDE_FOLDER, ids=lambda p: p.parent.name)
def test_parent_folder_templates_registered_from_a_repository_pass_a_dry_run(path, settings, tmp_path, owner):
    settings.PAVED_SCAFFOLDER_WORKSPACE_DIR = tmp_path / "ws"
    settings.PAVED_GIT_ROOT = tmp_path / "git"
    files, template_path = repository_files(path.parent.name)
    githost.repo_create(owner="corpus", name="templates")
    githost.repo_commit_files(owner="corpus", name="templates", branch="main", message="corpus", files=files,
                              author_name="Corpus", author_email="corpus@example.com")
    location = Location.objects.create(type="url",
                                       target=f"http://paved/git/corpus/templates/blob/main/{template_path}")
    location_refresh(location_id=location.pk)
    document = next(d for d in documents(path) if fetches_outside_its_folder(d))
    status, run = dry_run(path, document, owner)
    assert status == "completed", f"{path.parent.name}: {run.error}"
    written = {item["path"] for item in run.dry_run_files}
    # What the `../../skeletons/argocd/...` steps fetched, rendered into ./gitops: the shared skeletons.
    assert any(p.startswith("gitops/") for p in written), sorted(written)
