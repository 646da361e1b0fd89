"""How the catalog reacts to signals of the apps below it (connected in CatalogConfig.ready)."""

from catalog.models import Location
from catalog.services import location_refresh_request


def repository_pushed_refresh(sender, *, web_url: str, **kwargs) -> None:
    """A push moved refs of a hosted repository: re-read the url locations that live in it."""
    prefix = web_url.rstrip("/") + "/"
    for location in Location.objects.filter(type="url", target__startswith=prefix):
        location_refresh_request(location=location)
