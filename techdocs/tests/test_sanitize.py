"""The allow-list keeps techdocs-core's markup and drops everything that could run."""

from core.sanitize import page_link_rewriter, sanitize


def test_drops_scripts_handlers_javascript_urls_forms_and_styles():
    html = sanitize(
        '<p onclick="x()">a</p><script>alert(1)</script><style>p{}</style>'
        '<a href="javascript:alert(1)">j</a><img src="javascript:alert(1)" onerror="alert(1)">'
        '<form action="/x"><input type="text" name="q"><button>go</button></form>'
        '<iframe src="https://evil"></iframe><svg onload="alert(1)"></svg>'
    )
    for bad in ("onclick", "<script", "alert(1)", "<style", "javascript:", "onerror", "<form", "<button",
                'type="text"', "<iframe", "<svg"):
        assert bad not in html, bad


def test_keeps_admonitions_highlighted_code_tables_details_and_tabs():
    source = (
        '<div class="admonition note"><p class="admonition-title">Note</p><p>x</p></div>'
        '<details class="warning" open><summary>More</summary><p>y</p></details>'
        '<div class="language-python highlight"><pre><span></span><code><span class="k">def</span></code></pre></div>'
        '<table><thead><tr><th align="left">A</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>'
        '<div class="tabbed-set tabbed-alternate" data-tabs="1:2"><input checked="checked" id="__tabbed_1_1" '
        'name="__tabbed_1" type="radio"><div class="tabbed-labels"><label for="__tabbed_1_1">A</label></div></div>'
    )
    html = sanitize(source)
    for good in ('class="admonition note"', "<details", "open", 'class="k"', '<th align="left">', 'type="radio"',
                 'for="__tabbed_1_1"', 'data-tabs="1:2"', 'class="language-python highlight"'):
        assert good in html, good


def test_rewrites_links_to_portal_pages_static_files_and_drops_escapes():
    rewrite = page_link_rewriter(page_url="guide/setup/", pages={"", "guide/setup/", "faq/"},
                                 page_prefix="/docs/ns/k/n/", file_prefix="/files/")
    html = rewrite('<a href="../../faq/#q1">f</a><a href="#local">l</a><a href="https://x.org/">x</a>'
                   '<img src="../../img/a%20b.png"><a href="../../../../etc/passwd">p</a><a href="../../">home</a>')
    assert 'href="/docs/ns/k/n/faq/#q1"' in html
    assert 'href="#local"' in html and 'href="https://x.org/"' in html
    assert 'src="/files/img/a%20b.png"' in html
    assert "etc/passwd" not in html and "data-broken-link" in html
    assert 'href="/docs/ns/k/n/"' in html
