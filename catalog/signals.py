"""Signals the catalog sends, for the apps above it (the catalog imports none of them).

`entities_stored` is sent once a location's refresh has stored entities that are new or whose
content changed, after the transaction that stored them committed (so receivers read what was
stored, and a rolled-back refresh sends nothing). A refresh that changed nothing sends nothing.
Keyword arguments:

- ``location_id``: the id (UUID) of the location that was refreshed.
- ``refs``: the entity refs (``kind:namespace/name``, lower case) created or changed by it.

Receivers run in the process that stored the entities (a Celery worker or a request): keep them
quick and hand slow work to a task.
"""

from django.dispatch import Signal

entities_stored = Signal()
