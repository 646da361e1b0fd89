"""Where built sites live: local files under PAVED_TECHDOCS_DIR (var/techdocs by default), or an
S3-compatible bucket when PAVED_TECHDOCS_S3_BUCKET is set.

The interface is small: `publish` a built site directory under a storage path, `read` one file of
a published site, `remove` a site (or every build of one). Each build is published under its own
path (`sites/<namespace>/<kind>/<name>/<build id>-<token>`) and DocsSite.storage_path is switched
to it in one UPDATE afterwards, so readers never see a half-written site and a failed build
leaves the last good one in place; the old path is removed after the switch commits.
"""

import logging
import mimetypes
import posixpath
import shutil
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, Protocol

from django.conf import settings

logger = logging.getLogger(__name__)


class StorageError(Exception):
    pass


@dataclass
class SiteFile:
    """One file of a published site; the caller reads or closes `stream`."""

    name: str
    stream: BinaryIO
    size: int | None = None

    def read(self) -> bytes:
        try:
            return self.stream.read()
        finally:
            self.close()

    def close(self) -> None:
        self.stream.close()


class SiteStorage(Protocol):
    def publish(self, source: Path, storage_path: str) -> None: ...

    def read(self, storage_path: str, rel: str) -> SiteFile | None: ...

    def remove(self, storage_path: str) -> None: ...


def site_root(*, namespace: str, kind: str, name: str) -> str:
    """The path under which every build of one site is published."""
    return f"sites/{namespace}/{kind}/{name}"


def build_path(*, namespace: str, kind: str, name: str, build_id: int) -> str:
    """A fresh path for one publish: never the path of a published build, even on a redelivery."""
    return f"{site_root(namespace=namespace, kind=kind, name=name)}/{build_id}-{uuid.uuid4().hex[:12]}"


def _clean_rel(rel: str) -> str | None:
    """`rel` as a normalised relative POSIX path ('' for the site root), or None if it leaves the site."""
    rel = rel.replace("\\", "/").lstrip("/")
    if not rel:
        return ""
    norm = posixpath.normpath(rel)
    if norm == ".":
        return ""
    if norm == ".." or norm.startswith("../") or "\x00" in norm:
        return None
    return norm + ("/" if rel.endswith("/") else "")


class LocalStorage:
    """Sites as directories under PAVED_TECHDOCS_DIR."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def local_dir(self, storage_path: str) -> Path:
        path = (self.root / storage_path).resolve()
        if self.root.resolve() not in path.parents:
            raise StorageError(f"{storage_path!r} is outside the docs storage.")
        return path

    def publish(self, source: Path, storage_path: str) -> None:
        target = self.local_dir(storage_path)
        shutil.rmtree(target, ignore_errors=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(source), str(target))

    def read(self, storage_path: str, rel: str) -> SiteFile | None:
        if not storage_path:
            return None
        base = self.local_dir(storage_path)
        path = (base / rel.lstrip("/")).resolve()
        if path != base and base not in path.parents:
            return None
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file():
            return None
        return SiteFile(name=path.name, stream=path.open("rb"), size=path.stat().st_size)

    def remove(self, storage_path: str) -> None:
        if storage_path:
            shutil.rmtree(self.local_dir(storage_path), ignore_errors=True)


class S3Storage:
    """Sites as objects under `<prefix>/<storage path>/` in an S3-compatible bucket."""

    def __init__(self, *, bucket: str, prefix: str = "", client=None):
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = client

    def _key_prefix(self, storage_path: str) -> str:
        path = _clean_rel(storage_path)
        if not path:
            raise StorageError(f"{storage_path!r} is not a site path in the docs storage.")
        return f"{self.prefix}{path.rstrip('/')}/"

    def publish(self, source: Path, storage_path: str) -> None:
        base = self._key_prefix(storage_path)
        try:
            for path in sorted(p for p in Path(source).rglob("*") if p.is_file()):
                rel = path.relative_to(source).as_posix()
                content_type, _ = mimetypes.guess_type(path.name)
                self.client.upload_file(str(path), self.bucket, base + rel,
                                        ExtraArgs={"ContentType": content_type or "application/octet-stream"})
        except Exception:
            self.remove(storage_path)  # nothing points at it yet; do not leave half a site behind
            raise

    def _get(self, key: str):
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return None
            raise

    def read(self, storage_path: str, rel: str) -> SiteFile | None:
        if not storage_path:
            return None
        clean = _clean_rel(rel)
        if clean is None:
            return None
        base = self._key_prefix(storage_path)
        if clean == "" or clean.endswith("/"):
            candidates = [f"{base}{clean}index.html"]
        else:
            candidates = [base + clean, f"{base}{clean}/index.html"]  # a directory without its slash
        for key in candidates:
            obj = self._get(key)
            if obj is not None:
                return SiteFile(name=posixpath.basename(key), stream=obj["Body"], size=obj.get("ContentLength"))
        return None

    def remove(self, storage_path: str) -> None:
        if not storage_path:
            return
        base = self._key_prefix(storage_path)
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=base):
            keys = [{"Key": obj["Key"]} for obj in page.get("Contents", [])]
            for start in range(0, len(keys), 1000):
                self.client.delete_objects(Bucket=self.bucket,
                                           Delete={"Objects": keys[start:start + 1000], "Quiet": True})


@lru_cache(maxsize=4)
def _s3_client(endpoint_url: str, region: str, access_key_id: str | None, secret_access_key: str | None):
    import boto3

    # Without explicit keys boto3 uses its standard chain (AWS_ACCESS_KEY_ID, profiles, instance roles).
    return boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region or None,
                        aws_access_key_id=access_key_id or None, aws_secret_access_key=secret_access_key or None)


def get_storage() -> SiteStorage:
    """The backend the settings choose: S3 when PAVED_TECHDOCS_S3_BUCKET is set, local files otherwise."""
    bucket = settings.PAVED_TECHDOCS_S3_BUCKET
    if bucket:
        client = _s3_client(settings.PAVED_TECHDOCS_S3_ENDPOINT_URL,
                            settings.PAVED_TECHDOCS_S3_REGION,
                            settings.PAVED_TECHDOCS_S3_ACCESS_KEY_ID,
                            settings.PAVED_TECHDOCS_S3_SECRET_ACCESS_KEY)
        return S3Storage(bucket=bucket, prefix=settings.PAVED_TECHDOCS_S3_PREFIX, client=client)
    return LocalStorage(Path(settings.PAVED_TECHDOCS_DIR))


def publish(source: Path, storage_path: str) -> None:
    """Store the built site directory `source` under `storage_path` (which nothing points at yet)."""
    get_storage().publish(source, storage_path)


def read(storage_path: str, rel: str) -> SiteFile | None:
    """The file `rel` of a published site (a directory means its index.html), or None."""
    return get_storage().read(storage_path, rel)


def exists(storage_path: str, rel: str) -> bool:
    file = read(storage_path, rel)
    if file is None:
        return False
    file.close()
    return True


def remove(storage_path: str) -> None:
    get_storage().remove(storage_path)


def remove_quietly(storage_path: str) -> None:
    """remove(), logging instead of raising: for clean-up after a commit."""
    try:
        remove(storage_path)
    except Exception:
        logger.exception("could not remove docs storage path %s", storage_path)
