"""Catalog test data the way production gets it: YAML files ingested through a Location."""

import textwrap
from pathlib import Path

import yaml
from django.conf import settings
from django.test import override_settings

from catalog import services
from catalog.models import Location

DEMO_CATALOG = Path(__file__).resolve().parents[2] / "demo" / "catalog" / "all.yaml"


def location_load(path: Path | str) -> Location:
    """Register `path` as a file location and read it now (no worker).

    The file's folder is a file root for this one read, so tests in any app can load a catalog
    file from their tmp_path; later reads need a root of their own (catalog's `file_root` fixture).
    """
    location = Location.objects.create(type="file", target=str(path))
    folder = str(Path(path).resolve().parent)
    with override_settings(PAVED_FILE_ROOTS=[*settings.PAVED_FILE_ROOTS, folder]):
        services.location_refresh(location_id=location.pk)
    location.refresh_from_db()
    return location


def yaml_load(tmp_path: Path, text: str, *, name: str = "catalog-info.yaml") -> Location:
    """Write `text` (dedented) to tmp_path/name and ingest it."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return location_load(path)


def component_yaml(name: str, *, owner: str = "team-a", **metadata) -> str:
    """One Component document (a production service of `owner`) with extra metadata fields."""
    body = {"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": {"name": name, **metadata},
            "spec": {"type": "service", "lifecycle": "production", "owner": owner}}
    return yaml.safe_dump(body, sort_keys=False)


def documents_yaml(*documents: str) -> str:
    """Several YAML documents as one file."""
    return "---\n".join(documents)


def demo_load() -> Location:
    return location_load(DEMO_CATALOG)


def components_yaml(count: int, *, owner: str = "team-a", prefix: str = "svc") -> str:
    """`count` Component documents (each depending on one resource and owned by `owner`) plus the group."""
    docs = [
        f"""apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: {owner}
spec:
  type: team
  children: []
"""
    ]
    for i in range(count):
        docs.append(f"""apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: {prefix}-{i:03d}
  tags: [t{i % 3}, shared]
spec:
  type: {"service" if i % 2 else "website"}
  lifecycle: production
  owner: {owner}
  dependsOn: [resource:db-{i:03d}]
""")
    return "---\n".join(docs)
