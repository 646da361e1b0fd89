"""copyWithoutTemplating patterns select what Backstage's globby 11 selects (scaffolding/lib/globmatch.py).

The expected selections follow Backstage's fetch:template (plugins/scaffolder-backend/src/scaffolder/
actions/builtin/fetch/template.ts, `globby(pattern, {dot: true, onlyFiles: false, markDirectories: true})`),
globby 11's index.js (generateGlobTasks skips `!` patterns; expandDirectories runs dir-glob, which turns
an existing directory into `path.posix.join(dir, '**')`), fast-glob 3 (removeLeadingDotSegment; a trailing
`/` matches directories only; the walk starts at the static base, which is not an entry) and picomatch
(`*`/`?` within a segment, `**` across segments, dot: true, braces, extglobs, classes).
"""

import time

import pytest

from scaffolding.lib.globmatch import GlobError, expand_braces, globby_select

TREE = {
    ".github": True, ".github/workflows": True, ".github/workflows/ci.yml": False,
    ".github/workflows/release.yaml": False, ".github/CODEOWNERS": False,
    "docs": True, "docs/index.md": False, "docs/img": True, "docs/img/logo.png": False,
    "src": True, "src/main.py": False, "src/.env": False, "src/util": True, "src/util/a.py": False,
    "README.md": False, ".gitignore": False, "file1.txt": False, "file10.txt": False, "b.txt": False,
    "a.txt": False, "x.yaml": False, "chart": True, "chart/templates": True, "chart/templates/dep.yaml": False,
    "star*.txt": False, "x(1).txt": False, "x1.txt": False,
}

UNDER_WORKFLOWS = {".github/workflows/ci.yml", ".github/workflows/release.yaml"}


@pytest.mark.parametrize(("pattern", "expected"), [
    # dir-glob: an existing directory named literally selects everything under it, not itself
    (".github/workflows/", UNDER_WORKFLOWS),
    (".github/workflows", UNDER_WORKFLOWS),
    ("./.github/workflows/", UNDER_WORKFLOWS),
    ("docs/", {"docs/index.md", "docs/img", "docs/img/logo.png"}),
    ("docs", {"docs/index.md", "docs/img", "docs/img/logo.png"}),
    ("docs/img/../img", {"docs/img/logo.png"}),  # path.join normalises before the directory check
    (".", set(TREE)),  # `./**`: everything
    # `**`
    ("**", set(TREE)),
    ("**/*", set(TREE)),
    ("docs/**", {"docs/index.md", "docs/img", "docs/img/logo.png"}),  # static base `docs` is not an entry
    ("**/img/**", {"docs/img", "docs/img/logo.png"}),  # picomatch: `x/**` also matches `x`
    ("**/*.yaml", {".github/workflows/release.yaml", "x.yaml", "chart/templates/dep.yaml"}),
    ("src/**/*.py", {"src/main.py", "src/util/a.py"}),
    ("**/**/a.py", {"src/util/a.py"}),
    ("chart/**/*.yaml", {"chart/templates/dep.yaml"}),
    # `*` stays in one segment and, with dot: true, matches dotfiles; no basename matching
    ("*.md", {"README.md"}),
    ("*.py", set()),
    ("*", {n for n in TREE if "/" not in n}),
    (".github/*", {".github/workflows", ".github/CODEOWNERS"}),  # a glob is not dir-expanded
    (".github/workflows/*", UNDER_WORKFLOWS),
    ("src/*", {"src/main.py", "src/.env", "src/util"}),
    ("src/.*", {"src/.env"}),
    # a trailing `/` on a glob selects directories only
    ("*/", {".github", "docs", "src", "chart"}),
    ("src/*/", {"src/util"}),
    # a `!` pattern alone filters nothing and selects nothing (globby generateGlobTasks)
    ("!docs/**", set()),
    ("!*.md", set()),
    # ? [] {} extglobs escapes
    ("file?.txt", {"file1.txt"}),
    ("[!a].txt", {"b.txt"}),
    ("[^a].txt", {"b.txt"}),
    ("[ab].txt", {"a.txt", "b.txt"}),
    ("[a-b].txt", {"a.txt", "b.txt"}),
    ("file[[:digit:]].txt", {"file1.txt"}),
    ("*.{yml,yaml}", {"x.yaml"}),
    ("{docs,src/util}/*", {"docs/index.md", "docs/img", "src/util/a.py"}),  # braces may hold `/`
    ("file{1..9}.txt", {"file1.txt"}),
    ("file{0..10}.txt", {"file1.txt", "file10.txt"}),
    ("@(a|b).txt", {"a.txt", "b.txt"}),
    ("file+([0-9]).txt", {"file1.txt", "file10.txt"}),
    ("file?([0-9]).txt", {"file1.txt"}),
    ("file*(1|0).txt", {"file1.txt", "file10.txt"}),
    ("src/!(*.py)", {"src/.env", "src/util"}),
    ("(a|b).txt", {"a.txt", "b.txt"}),  # picomatch 2.3.1 test/parens.js: bare parentheses group
    ("*.*", {n for n in TREE if "/" not in n and "." in n}),  # dot: true, `*` may be empty before `.`
    ("star\\*.txt", {"star*.txt"}),
    ("x(1).txt", {"x1.txt"}),
    ("x\\(1\\).txt", {"x(1).txt"}),
    # case-sensitive; leaving the skeleton selects nothing
    ("readme.md", set()),
    ("/etc/*", set()),
    ("../*", set()),
    ("../../etc/passwd", set()),
    ("docs/../../x", set()),
])
def test_globby_table(pattern, expected):
    assert globby_select(pattern, TREE) == expected


@pytest.mark.parametrize(("patterns", "expected"), [
    # Backstage's own test (fetch/template.test.ts, "with exclusion filter"): a later `!` pattern
    # takes matches out of the earlier ones.
    ([".github", "!*/CODEOWNERS"], {".github/workflows"} | UNDER_WORKFLOWS),
    ([".github", "!*/release.yaml"], {".github/workflows", ".github/CODEOWNERS"} | UNDER_WORKFLOWS),  # one level
    ([".github", "!*/*/release.yaml"], {".github/workflows", ".github/workflows/ci.yml", ".github/CODEOWNERS"}),
    ([".github/", "!.github/workflows/release.yaml"],
     {".github/workflows", ".github/workflows/ci.yml", ".github/CODEOWNERS"}),
    (["**/*.md", "!docs/**"], {"README.md"}),
    (["!docs/**", "**/*.md"], {"README.md", "docs/index.md"}),  # only later `!` patterns apply
    (["docs", "!docs/img/**"], {"docs/index.md"}),  # picomatch: `docs/img/**` matches `docs/img` too
    # fast-glob's deep filter: a static-basename ignore pattern stops the walk into a directory
    (["src/**", "!**/util"], {"src/main.py", "src/.env"}),
    (["src/**", "!**/u*l"], {"src/main.py", "src/.env", "src/util/a.py"}),  # not static: only the entry
    (["*.md", "!*.md", "*.txt"], {"a.txt", "b.txt", "file1.txt", "file10.txt", "star*.txt", "x(1).txt",
                                  "x1.txt"}),
    ([], set()),
])
def test_globby_lists(patterns, expected):
    assert globby_select(patterns, TREE) == expected


@pytest.mark.parametrize(("pattern", "message"), [
    ("{a,b}" * 20, "expands to more than"),
    ("{1..100000}", "more than 1000 items"),
    ("x" * 1001, "longer than"),
    ("a!(b)c", "whole path segment"),
    ("@(" * 30 + "a" + ")" * 30, "nested more than"),
])
def test_hostile_patterns_are_refused(pattern, message):
    with pytest.raises(GlobError, match=message):
        globby_select(pattern, TREE)


def test_long_pattern_lists_are_refused():
    with pytest.raises(GlobError, match="at most 200"):
        globby_select(["*"] * 201, TREE)
    with pytest.raises(GlobError, match="expand to more than 256"):
        globby_select(["{a,b}{c,d}{e,f}{g,h}{i,j}"] * 9, TREE)


def test_backtracking_patterns_match_in_linear_time():
    entries = {"a" * 5000: False, "a" * 5000 + "b": False}
    started = time.monotonic()
    assert globby_select("*a*a*a*a*a*a*a*a*a*a*a*a*c", entries) == set()
    assert globby_select("+(a|aa)+(a|aa)c", entries) == set()
    deep = {"/".join(["d"] * 300): False}
    assert globby_select("**/" * 100 + "e", deep) == set()
    assert time.monotonic() - started < 2


def test_brace_expansion_keeps_order_and_nesting():
    assert expand_braces("a{b,c{d,e}}f") == ["abf", "acdf", "acef"]
    assert expand_braces("\\{a,b}") == ["\\{a,b}"]
