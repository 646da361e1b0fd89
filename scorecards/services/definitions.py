"""Scorecard files as code: register, refresh and remove them, like catalog locations.

A target is a file path under PAVED_FILE_ROOTS or a URL on the built-in git host (or a host in
PAVED_READ_ALLOW), read through catalog.sources, the catalog's allow-listed reader. The two
scorecards shipped with Paved have targets `builtin:<file>` and are read from
scorecards/defaults/. A file that does not read or validate is refused at registration; on a
refresh the previous good definition stays in use, with status=error and the message naming
the file, line and field. Writes need scorecards.scorecard.manage and are audited; refreshes
by the system (a push, the beat schedule) pass actor=None.
"""

import hashlib
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.lib.filters import parse_filters
from catalog.services import location_guess, location_target_clean
from catalog.sources import ReadError, source_read
from core.access import require
from core.api.errors import InputError
from core.audit import audit_record
from core.queue import task_enqueue_on_commit
from scorecards.lib.definitions import DefinitionError, parse_definition
from scorecards.models import Scorecard

PERMISSION = "scorecards.scorecard.manage"
DEFAULTS_DIR = Path(__file__).resolve().parent.parent / "defaults"
DEFAULT_FILES = ("service-maturity.yaml", "documentation-standards.yaml")
BUILTIN = "builtin:"


class ScorecardInvalid(ValidationError):
    """The file could not be read or is not a valid scorecard; the message names file, line, field."""


def _read(target: str) -> tuple[bytes, str]:
    """The file's bytes and the name errors show; ScorecardInvalid when it cannot be read."""
    if target.startswith(BUILTIN):
        name = target.removeprefix(BUILTIN)
        if name not in DEFAULT_FILES:
            raise ScorecardInvalid({"target": f"{target!r} is not one of the scorecards shipped with Paved."})
        return (DEFAULTS_DIR / name).read_bytes(), name
    location_type, clean = location_guess(raw=target)
    try:
        location_type, clean = location_target_clean(type=location_type, target=clean)
        return source_read(location_type=location_type, target=clean), clean.rsplit("/", 1)[-1] or clean
    except ValidationError as exc:
        raise ScorecardInvalid(exc.message_dict if hasattr(exc, "message_dict") else exc.messages) from None
    except ReadError as exc:
        raise ScorecardInvalid({"target": f"{target}: {exc}"}) from None


def _parse(raw: bytes, filename: str) -> dict:
    try:
        definition = parse_definition(raw, filename=filename)
    except DefinitionError as exc:
        raise ScorecardInvalid({"definition": exc.lines()}) from None
    if definition["applies_to"]:
        try:
            parse_filters([definition["applies_to"]])
        except InputError as exc:
            raise ScorecardInvalid({"definition": [f"{filename}: spec.appliesTo: {exc}"]}) from None
    return definition


def _normalise_target(target: str) -> str:
    target = (target or "").strip()
    if not target:
        raise ScorecardInvalid({"target": "A target (a file path or a URL) is required."})
    if len(target) > 2000:
        raise ScorecardInvalid({"target": "The target is longer than 2,000 characters."})
    if target.startswith(BUILTIN):
        return target
    location_type, clean = location_guess(raw=target)
    try:
        _, clean = location_target_clean(type=location_type, target=clean)
    except ValidationError as exc:
        raise ScorecardInvalid(exc.message_dict) from None
    return clean


def _error_text(exc: ScorecardInvalid) -> str:
    return "\n".join(f"{m}" for messages in exc.message_dict.values() for m in messages)


def scorecard_preview(*, actor, target: str) -> dict:
    """Dry run of a registration: read and validate the file, store nothing; the normalised
    definition, or ScorecardInvalid with the same messages a registration would give."""
    require(actor, PERMISSION)
    target = _normalise_target(target)
    raw, filename = _read(target)
    return _parse(raw, filename)


def scorecard_register(*, actor, target: str, builtin: bool = False) -> Scorecard:
    """Read, validate and store a scorecard file; its scores are computed by a worker after the commit."""
    if actor is not None or not builtin:
        require(actor, PERMISSION)
    target = _normalise_target(target)
    if Scorecard.objects.filter(target=target).exists():
        raise ScorecardInvalid({"target": f"{target} is registered already; refresh it instead."})
    raw, filename = _read(target)
    definition = _parse(raw, filename)
    if Scorecard.objects.filter(slug=definition["name"]).exists():
        raise ScorecardInvalid({"definition": [f"{filename}: metadata.name: a scorecard named "
                                               f"{definition['name']!r} exists already (from another file)."]})
    try:
        with transaction.atomic():
            scorecard = Scorecard.objects.create(
                slug=definition["name"], title=definition["title"], description=definition["description"],
                target=target, applies_to=definition["applies_to"], definition=definition,
                content_hash=hashlib.sha256(raw).hexdigest(), status=Scorecard.Status.OK, builtin=builtin,
                created_by=actor if getattr(actor, "pk", None) else None, refreshed_at=timezone.now())
            audit_record(actor=actor, action="scorecards.scorecard.register", target=scorecard.slug,
                         detail={"target": target}, actor_name="system" if actor is None else "")
            task_enqueue_on_commit("scorecards.tasks.scorecard_compute", scorecard.pk)
    except IntegrityError:
        raise ScorecardInvalid({"definition": [f"{filename}: metadata.name: {definition['name']!r} is taken."]}) \
            from None
    return scorecard


def scorecard_refresh(*, actor, scorecard: Scorecard) -> Scorecard:
    """Re-read the file. Valid and changed: the new definition replaces the old and scores are
    recomputed. Invalid: status=error with the message; the last good definition stays in use."""
    if actor is not None:
        require(actor, PERMISSION)
    now = timezone.now()
    try:
        raw, filename = _read(scorecard.target)
        definition = _parse(raw, filename)
        if definition["name"] != scorecard.slug and Scorecard.objects.filter(slug=definition["name"]).exclude(
                pk=scorecard.pk).exists():
            raise ScorecardInvalid({"definition": [f"{filename}: metadata.name: a scorecard named "
                                                   f"{definition['name']!r} exists already."]})
    except ScorecardInvalid as exc:
        message = _error_text(exc)
        with transaction.atomic():
            Scorecard.objects.filter(pk=scorecard.pk).update(status=Scorecard.Status.ERROR, message=message,
                                                             refreshed_at=now)
            audit_record(actor=actor, action="scorecards.scorecard.refresh", target=scorecard.slug,
                         outcome="failure", detail={"error": message[:2000]},
                         actor_name="system" if actor is None else "")
        scorecard.refresh_from_db()
        return scorecard
    content_hash = hashlib.sha256(raw).hexdigest()
    changed = content_hash != scorecard.content_hash or scorecard.status != Scorecard.Status.OK
    with transaction.atomic():
        Scorecard.objects.filter(pk=scorecard.pk).update(
            slug=definition["name"], title=definition["title"], description=definition["description"],
            applies_to=definition["applies_to"], definition=definition, content_hash=content_hash,
            status=Scorecard.Status.OK, message="", refreshed_at=now)
        if actor is not None or changed:
            audit_record(actor=actor, action="scorecards.scorecard.refresh", target=definition["name"],
                         detail={"changed": changed}, actor_name="system" if actor is None else "")
        if changed:
            task_enqueue_on_commit("scorecards.tasks.scorecard_compute", scorecard.pk)
    scorecard.refresh_from_db()
    return scorecard


def scorecard_delete(*, actor, scorecard: Scorecard) -> None:
    """Remove a scorecard and everything computed from it (scores, history, exemptions, campaigns)."""
    require(actor, PERMISSION)
    with transaction.atomic():
        audit_record(actor=actor, action="scorecards.scorecard.delete", target=scorecard.slug,
                     detail={"target": scorecard.target})
        scorecard.delete()


def scorecards_load_defaults() -> list[Scorecard]:
    """Register the two shipped scorecards, or refresh them when they exist (idempotent)."""
    loaded = []
    for name in DEFAULT_FILES:
        target = BUILTIN + name
        existing = Scorecard.objects.filter(target=target).first()
        if existing is None:
            loaded.append(scorecard_register(actor=None, target=target, builtin=True))
        else:
            loaded.append(scorecard_refresh(actor=None, scorecard=existing))
    return loaded


def scorecards_pushed(*, web_url: str) -> list[Scorecard]:
    """A push landed in a hosted repository: refresh the scorecards whose file lives in it."""
    prefix = web_url.rstrip("/") + "/"
    return [scorecard_refresh(actor=None, scorecard=card)
            for card in Scorecard.objects.filter(target__startswith=prefix)]


def scorecards_refresh_all() -> int:
    """The beat schedule: re-read every registered file (builtins included)."""
    count = 0
    for card in Scorecard.objects.all():
        scorecard_refresh(actor=None, scorecard=card)
        count += 1
    return count
