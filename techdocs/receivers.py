"""How TechDocs reacts to signals of the apps below it (connected in TechdocsConfig.ready)."""

from django.db import transaction

from techdocs.selectors import documented_entities
from techdocs.tasks import docs_entities_registered

CHUNK = 1000


def entities_stored_request_docs(sender, *, refs: list[str], **kwargs) -> None:
    """Entities were created or changed: ask a worker to build the docs of those that carry a
    techdocs-ref (it syncs each site and builds only when the docs source changed, so a changed
    entity whose docs did not change builds nothing). Resolving a source may export a repository or
    fetch pages, so none of it runs here, in the process that stored the entities."""
    documented = []
    for start in range(0, len(refs), CHUNK):
        documented += documented_entities().filter(ref__in=refs[start:start + CHUNK]).values_list("ref", flat=True)
    if documented:
        transaction.on_commit(lambda: docs_entities_registered.delay(sorted(documented)))
