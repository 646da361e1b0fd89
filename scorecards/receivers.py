"""Signal receivers of the scorecards app (connected in apps.py with a dispatch_uid).

Each hands the work to a task after the sender's transaction commits: reading facts from four
apps and rescoring must never run inside the request or worker that sent the signal.
"""

from catalog.signals import entities_stored
from core.queue import task_enqueue_on_commit
from githost.signals import repository_pushed
from scaffolding.signals import lineage_recorded
from techdocs.signals import docs_published

CHUNK = 1000


def _refresh_facts(refs) -> None:
    refs = sorted({str(r).lower() for r in refs or [] if r})
    for start in range(0, len(refs), CHUNK):
        task_enqueue_on_commit("scorecards.tasks.portal_facts_refresh", refs[start:start + CHUNK])


def entities_stored_refresh(sender, *, refs: list[str], **kwargs) -> None:
    """Catalog entities changed (owner, annotations, labels): re-read their portal facts."""
    _refresh_facts(refs)


def docs_published_refresh(sender, *, entity_ref: str, **kwargs) -> None:
    """A docs build was published: docs.* facts may have changed."""
    _refresh_facts([entity_ref])


def lineage_recorded_refresh(sender, *, entity_refs: list[str], **kwargs) -> None:
    """A scaffolder run recorded lineage: scaffolder.* facts changed."""
    _refresh_facts(entity_refs)


def repository_pushed_refresh(sender, *, web_url: str, **kwargs) -> None:
    """A push landed: scorecard files in that repository are re-read."""
    task_enqueue_on_commit("scorecards.tasks.scorecards_pushed", web_url)


def connect() -> None:
    """Connect this app's receivers to the lower apps' signals."""
    entities_stored.connect(entities_stored_refresh, dispatch_uid="scorecards.entities_stored")
    docs_published.connect(docs_published_refresh, dispatch_uid="scorecards.docs_published")
    lineage_recorded.connect(lineage_recorded_refresh, dispatch_uid="scorecards.lineage_recorded")
    repository_pushed.connect(repository_pushed_refresh, dispatch_uid="scorecards.repository_pushed")
