"""Signals the scaffolder sends, for the apps above it (the scaffolder imports none of them).

`lineage_recorded` is sent after a completed run's lineage rows (the repositories it made from
a template, with the template version) were written. Keyword arguments:

- ``entity_refs``: the entity refs those repositories registered (lower case; may be empty).

Receivers run in the worker that finished the run: keep them quick and hand work to a task.
"""

from django.dispatch import Signal

lineage_recorded = Signal()
