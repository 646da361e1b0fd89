"""Signals TechDocs sends, for the apps above it (TechDocs imports none of them).

`docs_published` is sent after a docs build was published (its pages and the site's new build
time are committed). Keyword arguments:

- ``entity_ref``: the documented entity (``kind:namespace/name``, lower case).

Receivers run in the worker that built the docs: keep them quick and hand work to a task.
"""

from django.dispatch import Signal

docs_published = Signal()
