"""Issue 9: the secret key leaked through catalog placeholders and scaffolder workspaces.

The layout mirrors production: a data folder (var/) holding the key, task workspaces and an
empty catalog/ folder; the file roots are demo/ and var/catalog/, never var/ itself.
"""

import pytest

from catalog.ingest.readers import ReadError, display_path, read_target
from catalog.models import Entity, Location, ProcessingError

KEY = "super-secret-signing-key"

LEAKY = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: leaky
  description: {{$text: {target}}}
spec: {{type: service, lifecycle: production, owner: team-a}}
"""


@pytest.fixture
def var(settings, tmp_path):
    """tmp/var with secret_key, scaffolder/<run>/ and catalog/; the roots are tmp/demo and tmp/var/catalog."""
    var = tmp_path / "var"
    (var / "scaffolder" / "run-1").mkdir(parents=True)
    (var / "catalog").mkdir()
    (tmp_path / "demo").mkdir()
    (var / "secret_key").write_text(KEY)
    settings.PAVED_SCAFFOLDER_WORKSPACE_DIR = var / "scaffolder"
    settings.PAVED_FILE_ROOTS = [str(tmp_path / "demo"), str(var / "catalog")]
    return var


def messages(location: Location) -> str:
    errors = " ".join(ProcessingError.objects.filter(location=location).values_list("message", flat=True))
    return f"{location.message} {errors}"


def assert_no_leak(text: str, tmp_path) -> None:
    assert KEY not in text
    assert str(tmp_path) not in text, f"an absolute server path is shown: {text}"


def test_a_location_in_a_task_workspace_reading_the_key_through_text_is_refused(db, ingest, var, tmp_path):
    catalog_file = var / "scaffolder" / "run-1" / "catalog-info.yaml"
    catalog_file.write_text(LEAKY.format(target="../../secret_key"))

    location = ingest(catalog_file)

    assert location.status == Location.Status.FAILED
    assert "outside the directories the catalog may read" in location.message
    assert_no_leak(messages(location), tmp_path)
    assert not Entity.objects.filter(ref="component:default/leaky").exists()


@pytest.mark.parametrize("target", ["../var/secret_key", "../var/catalog/../secret_key"])
def test_a_placeholder_climbing_from_a_root_to_the_key_is_refused_without_naming_it(db, ingest, var, tmp_path,
                                                                                  target):
    catalog_file = tmp_path / "demo" / "catalog-info.yaml"
    catalog_file.write_text(LEAKY.format(target=target))

    location = ingest(catalog_file)

    text = messages(location)
    assert f"$text could not read '{target}'" in text and "outside the directories" in text
    assert_no_leak(text, tmp_path)
    for entity in Entity.objects.all():
        assert KEY not in str(entity.body)


def test_a_link_in_a_root_to_the_key_is_refused(var, tmp_path):
    link = var / "catalog" / "key.yaml"
    link.symlink_to(var / "secret_key")
    with pytest.raises(ReadError, match="outside the directories") as refused:
        read_target("file", str(link))
    assert_no_leak(str(refused.value), tmp_path)
    assert "catalog/key.yaml" in str(refused.value)  # named from its root, as the person knows it


def test_read_errors_name_files_relative_to_their_root(var, tmp_path):
    (var / "catalog" / "dir.yaml").mkdir()
    for target, expected in [
        (var / "catalog" / "missing.yaml", "catalog/missing.yaml does not exist"),
        (var / "catalog" / "dir.yaml", "catalog/dir.yaml is a directory"),
    ]:
        with pytest.raises(ReadError, match=expected) as refused:
            read_target("file", str(target))
        assert str(tmp_path) not in str(refused.value)


def test_display_path_never_shows_an_absolute_path(var, tmp_path):
    assert display_path(tmp_path / "demo" / "a" / "b.yaml") == "demo/a/b.yaml"
    assert display_path(var / "secret_key") == ".../secret_key"
    assert display_path("/") == "/"
