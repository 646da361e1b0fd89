"""Signals githost sends, for the apps above it (githost imports none of them).

`repository_pushed` is sent after a push over HTTP moved at least one ref of a hosted repository.
Keyword arguments:

- ``owner``, ``name``: the repository (``GitRepository.owner`` / ``.name``).
- ``web_url``: its browsable URL without a trailing slash (``githost.services.web_url``); catalog
  file URLs inside the repository start with ``web_url + "/"``.
- ``ref_updates``: a list of ``(ref, old, new)`` tuples of the refs that moved (a delete has
  ``new`` equal to git's zero id).
- ``actor``: the user who pushed.

Receivers run synchronously in the pushing request, after the push itself succeeded; an exception
in one is logged by the sender (``send_robust``) and does not fail the push.
"""

from django.dispatch import Signal

repository_pushed = Signal()
