"""A README's relative links and images point at the git host's own pages."""

from githost.lib.readme_links import rewrite_readme_links


def rewrite(html: str, readme_path: str = "README.md") -> str:
    return rewrite_readme_links(html, owner="acme", name="web", ref="main", readme_path=readme_path)


def test_relative_links_go_to_blob_pages_and_images_to_raw_files():
    html = rewrite('<a href="docs/setup.md#install">setup</a> <img src="img/arch.png">')
    assert 'href="/git/acme/web/blob/main/docs/setup.md#install"' in html
    assert 'src="/git/acme/web/raw/main/img/arch.png"' in html


def test_links_resolve_against_the_readme_folder():
    html = rewrite('<a href="../LICENSE">licence</a>', readme_path="docs/README.md")
    assert 'href="/git/acme/web/blob/main/LICENSE"' in html


def test_absolute_anchor_and_escaping_links_are_left_alone():
    html = '<a href="https://example.com/x">a</a><a href="#top">b</a><a href="../../etc/passwd">c</a><a href="/x">d</a>'
    assert rewrite(html) == html
