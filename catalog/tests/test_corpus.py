"""Every real-world entity file in the shared corpus is imported or rejected with a message."""

from pathlib import Path

import pytest

from catalog.models import Entity, Location, ProcessingError

from .conftest import CORPUS

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not (CORPUS / "entities").is_dir(), reason="shared corpus not found beside the repository"),
]


def corpus_files() -> list[Path]:
    return sorted(p for p in (CORPUS / "entities").iterdir() if p.suffix in (".yaml", ".yml"))


def test_every_corpus_file_is_imported_or_rejected_with_a_message(ingest):
    for path in corpus_files():
        location = ingest(path)
        errors = ProcessingError.objects.filter(location=location)
        emitted = Entity.objects.filter(location=location).exclude(kind="Location").count()
        assert emitted or errors.exists(), f"{path.name}: neither entities nor an error"
        for error in errors:
            assert error.message.strip(), f"{path.name}: empty error message"
            assert error.source, f"{path.name}: error without a file"


@pytest.mark.parametrize(
    ("file_name", "expected"),
    [
        # Backstage's schema forbids unknown root fields.
        ("1-Platform__one-platform__catalog__resources__CouchDB.yaml", "unknown root field 'dependsOn'"),
        # Tags must be lower case.
        ("Dewberry__stormhub__backstage__catalog-info.yaml", "metadata.tags[1]: 'AORC' is not valid"),
        # A Component needs a spec.
        ("Geotab__mygeotab-api-adapter__catalog-info.yml", "spec: is required"),
        # Not a Backstage file at all (GitLab CI catalog metadata).
        ("LLNL__radiuss-shared-ci__catalog-info.yml", "apiVersion: is required"),
        # A skeleton file with an unrendered template expression as its name.
        ("cosmonic-labs__mcp-server-template-ts__.backstage__catalog-info.yaml",
         "metadata.name: '${{ values.appName }}'"),
        # Names over 63 characters.
        ("elastic__elasticsearch__catalog-info.yaml", "at most 63 characters"),
        # Broken YAML.
        ("danisg96__multi-component-backstage__.backstage__catalog-info.yaml", "YAML syntax error"),
    ],
)
def test_corpus_files_backstage_rejects_are_rejected_for_the_same_reason(ingest, file_name, expected):
    path = CORPUS / "entities" / file_name
    location = ingest(path)
    messages = " | ".join(ProcessingError.objects.filter(location=location).values_list("message", flat=True))
    assert expected in messages
    assert all(f"file:{path}" in s or "document" in m for s, m in
               ProcessingError.objects.filter(location=location).values_list("source", "message"))


def test_the_janus_showcase_tree_imports_its_entities(ingest):
    location = ingest(CORPUS / "entities" / "janus-idp__backstage-showcase__catalog-entities__groups__rhdh-team.yaml")
    assert location.status == Location.Status.OK
    assert Entity.objects.filter(location=location, kind="Group").exists()
