"""PAVED_TECHDOCS_EXTERNAL_IMAGES: external images are links by default, so readers never call other hosts."""

import pytest
from django.urls import reverse

from core.sanitize import block_external_images, sanitize
from techdocs import services
from techdocs.models import DocsBuild

PIXEL = "https://tracker.example/p.gif?reader=1"


def test_external_images_become_links_and_own_images_stay():
    html = block_external_images(sanitize(
        f'<p><img src="{PIXEL}" alt="a <b> pixel" width="1"><img src="//cdn.example/x.png">'
        '<img src="/api/techdocs/static/x/flow.png" alt="flow">'
        '<img class="emojione" alt="😄" src="https://cdn.jsdelivr.net/emoji/1f604.svg"></p>'))
    assert "<img" in html and html.count("<img") == 1 and 'src="/api/techdocs/static/x/flow.png"' in html
    assert '<a class="external-image" href="https://tracker.example/p.gif?reader=1"' in html
    assert "External image: a &lt;b&gt; pixel (tracker.example)" in html
    assert 'href="//cdn.example/x.png"' in html and "(cdn.example)" in html
    assert "😄" in html and "jsdelivr" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["block", "allow"])
def test_docs_page_follows_the_setting(client_owner, documented, settings, mode):
    settings.PAVED_TECHDOCS_EXTERNAL_IMAGES = mode
    documented("ledger", pages={"index.md": f"# Home\n\n![pixel]({PIXEL})\n"})
    build = services.docs_build_here(build_id=services.docs_scan(enqueue=False)[0])
    assert build.status == DocsBuild.Status.SUCCEEDED, build.log
    html = client_owner.get(reverse("techdocs:site", kwargs={"namespace": "default", "kind": "component",
                                                            "name": "ledger"})).content.decode()
    if mode == "block":
        assert 'src="https://tracker.example' not in html
        assert 'class="external-image" href="https://tracker.example/p.gif?reader=1"' in html
    else:
        assert '<img alt="pixel" src="https://tracker.example/p.gif?reader=1"' in html
