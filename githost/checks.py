"""System checks of the git host's settings (`manage.py check`, run at every start)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register()
def check_public_url(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """paved.W001: the production shape without PAVED_PUBLIC_URL prints URLs nobody can open.

    Unset, the public URL is http://<PAVED_BIND> (right for `make run` on one machine); behind a
    proxy or a load balancer every clone URL, repository link and catalog source would name the
    container's own address instead of the one people use.
    """
    if settings.PAVED_EMBEDDED or settings.PAVED_PUBLIC_URL_SET:
        return []
    return [checks.Warning(
        f"PAVED_PUBLIC_URL is not set, so clone URLs, repository links and catalog sources use "
        f"{settings.PAVED_PUBLIC_URL} (from PAVED_BIND).",
        hint="Set PAVED_PUBLIC_URL to the address people open Paved at, e.g. https://paved.example.com.",
        id="paved.W001",
    )]
