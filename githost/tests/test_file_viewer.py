"""The file view: one row per line with its number and #L anchor, Pygments highlighting with
balanced markup on every row, plain text past the caps, no emoji in the tree."""

import re

import pytest

from githost import services
from githost.lib import highlight
from githost.lib.highlight import highlight_lines

AUTHOR = {"author_name": "Ada", "author_email": "ada@x.io"}
PYTHON = b'''def greet(name):
    """Say hello,
    over two lines."""
    return f"<b>{name}</b>"  # </span><script>alert(1)</script>
'''


def balanced(line: str) -> bool:
    return line.count("<span") == line.count("</span>")


def test_every_line_is_its_own_balanced_markup_even_inside_a_multiline_token():
    lines, highlighted = highlight_lines(PYTHON.decode(), "app.py")
    assert highlighted and len(lines) == 4  # the final newline adds no empty row
    assert all(balanced(line) for line in lines)
    assert '<span class="k">def</span>' in lines[0] and '<span class="nf">greet</span>' in lines[0]
    assert lines[1].count('class="sd"') == 1 and lines[2].count('class="sd"') == 1  # the docstring, per line
    assert "<script>" not in lines[3] and "&lt;/span&gt;&lt;script&gt;" in lines[3]


def test_text_survives_highlighting_unchanged():
    text = "a = 1\r\n\r\n\tb = 'x'\n  \nlast"
    lines, _ = highlight_lines(text, "x.py")
    assert [re.sub(r"<[^>]+>", "", line).replace("&#x27;", "'") for line in lines] == ["a = 1", "", "\tb = 'x'",
                                                                                        "  ", "last"]


@pytest.mark.parametrize(("name", "text"), [
    ("notes.unknownext", "plain words"),
    ("min.js", "var a=1;" * 400),  # one 3,200-character line: minified
    ("huge.py", "x = 1\n" * (highlight.MAX_LINES + 1)),
])
def test_unknown_languages_and_files_past_the_caps_are_plain_escaped_text(name, text):
    lines, highlighted = highlight_lines(text + "<&>", name)
    assert not highlighted and "<span" not in "".join(lines) and lines[-1].endswith("&lt;&amp;&gt;")


@pytest.fixture
def files(repo):
    services.repo_commit_files(owner="acme", name="web", branch="main", message="code", files={
        "src/greet.py": PYTHON, "x.<b>.py": b"print(1)\n", "logo.png": b"\x89PNG\0\0data"}, **AUTHOR)


def test_the_file_view_highlights_with_numbered_linkable_rows(client_owner, files):
    body = client_owner.get("/git/acme/web/blob/main/src/greet.py").content.decode()
    assert 'href="/static/css/code.css"' in body or "code.css" in body
    assert body.count('<tr id="L') == 4 and 'href="#L3"' in body and '<tr id="L4">' in body
    assert '<span class="k">def</span>' in body and "4 lines" in body and "Python" in body
    assert "<script>alert(1)" not in body


def test_hostile_file_names_and_binary_files_are_shown_safely(client_owner, files):
    response = client_owner.get("/git/acme/web/blob/main/x.<b>.py")
    assert response.status_code == 200 and "<b>.py" not in response.content.decode().split("</nav>", 1)[-1]
    body = client_owner.get("/git/acme/web/blob/main/logo.png").content.decode()
    assert "binary file" in body and 'class="code-lines' not in body


def test_the_tree_uses_svg_icons_not_emoji(client_owner, files):
    body = client_owner.get("/git/acme/web/").content.decode()
    assert "📁" not in body and "📄" not in body and 'class="file-icon dir"' in body
