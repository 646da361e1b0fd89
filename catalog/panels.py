"""Panels of the catalog's entity page, registered by the apps above the catalog (as NetBox's plugin
registry does), so the catalog shows their content without importing them.

An app registers its panels in its AppConfig.ready():

    panel_register(key="techdocs.status", title="Docs", template="techdocs/panels/entity_docs.html",
                   applies=lambda entity: ..., context=lambda entity, request: {...}, order=100)

The entity page renders, in `order` (then `key`), every panel whose `applies(entity)` is true: its
`template` with the page's `entity` and `request` plus what `context(entity, request)` returns
(None leaves the panel out). A panel with a `link(entity)` also gets a link titled `title` next to
the page's tabs. A panel that raises is logged and left out: one app's bug must not take the
catalog's page down. Panels run on every entity page view: keep `applies` free of queries.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    template: str = ""
    context: Callable | None = None
    applies: Callable | None = None
    link: Callable | None = None
    order: int = 100


@dataclass(frozen=True)
class RenderedPanel:
    key: str
    title: str
    html: SafeString | str
    href: str


_PANELS: dict[str, Panel] = {}


def panel_register(*, key: str, title: str, template: str = "", context: Callable | None = None,
                   applies: Callable | None = None, link: Callable | None = None, order: int = 100) -> Panel:
    """Add (or replace, so a second ready() call is harmless) the panel `key`."""
    if not template and link is None:
        raise ValueError(f"panel {key!r} needs a template or a link")
    panel = Panel(key=key, title=title, template=template, context=context, applies=applies, link=link,
                  order=order)
    _PANELS[key] = panel
    return panel


def panel_unregister(*, key: str) -> None:
    _PANELS.pop(key, None)


def panels_registered() -> list[Panel]:
    return sorted(_PANELS.values(), key=lambda panel: (panel.order, panel.key))


def _render(panel: Panel, entity, request) -> RenderedPanel | None:
    if panel.applies is not None and not panel.applies(entity):
        return None
    extra = panel.context(entity, request) if panel.context is not None else {}
    if extra is None:
        return None
    html = render_to_string(panel.template, {"entity": entity, **extra}, request=request) if panel.template else ""
    href = panel.link(entity) if panel.link is not None else ""
    return RenderedPanel(key=panel.key, title=panel.title, html=html, href=href or "")


def panels_for(entity, request) -> list[RenderedPanel]:
    """The panels that apply to `entity`, rendered, in order; a panel that raises is logged and skipped."""
    rendered = []
    for panel in panels_registered():
        try:
            item = _render(panel, entity, request)
        except Exception:
            logger.exception("entity page panel %s failed for %s; left out", panel.key,
                             getattr(entity, "ref", entity))
            continue
        if item is not None:
            rendered.append(item)
    return rendered
