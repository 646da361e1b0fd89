"""Which skeleton entries copyWithoutTemplating / copyWithoutRender patterns select, as Backstage does.

Backstage's fetch:template calls globby once with the whole list (plugins/scaffolder-backend/src/
scaffolder/actions/builtin/fetch/templateActionHandler.ts: `globby(copyOnlyPatterns, {cwd: templateDir,
dot: true, onlyFiles: false, markDirectories: true, followSymbolicLinks: false})`; releases before 2025
called it once per pattern, which differs only for `!` patterns) and renders every entry not selected.
globby 11 (the version the scaffolder depends on) adds two rules to fast-glob's matcher (picomatch):

- dir-glob (`expandDirectories`, on by default): a pattern naming an existing directory, literally
  (`docs`, `.github/workflows/`, `./docs`), becomes `<that directory>/**`, so it selects everything
  *under* the directory (not the directory entry itself: fast-glob walks from it).
- a pattern starting with `!` is only an ignore pattern for the positive patterns before it
  (generateGlobTasks); Backstage passes the whole list to one call (templateActionHandler.ts), so
  `['.github/', '!.github/workflows/release.yml']` keeps release.yml templated. fast-glob leaves out
  entries an ignore pattern matches and does not walk into directories matched by one that ends
  with `/**` or whose last segment is static.

fast-glob then matches each entry's relative path against the pattern with picomatch (`dot: true`):
`*` and `?` stay inside one path segment and match dotfiles; a `**` segment spans any number of
segments; `[...]` is a class (`[!...]`/`[^...]` negated, `[[:alpha:]]` POSIX classes); `{a,b}` and
`{1..3}` expand first (they may hold `/`); `@(a|b)`, `?(..)`, `+(..)`, `*(..)` are extglobs, bare
`(a|b)` a group (so `x(1).txt` matches "x1.txt", not itself: picomatch's test/parens.js) and `!(..)`
a negated segment; `\\` escapes; a leading `./` is dropped; a trailing `/` selects directories only;
`a/**` also selects `a` itself unless `a` is fast-glob's static base (then it is where the walk starts,
not an entry). Matching is case-sensitive (Linux); absolute and `../` patterns select nothing here
because they leave the skeleton.

Patterns come from templates, so they are hostile: the length, the brace expansions and the extglob
nesting are capped, and every segment regex runs on RE2 (linear time, bounded memory).
Deliberate difference: `!(...)` is supported only as a whole path segment (`!(*.md)`); elsewhere in a
segment it needs a lookahead RE2 cannot run, and the pattern is refused with GlobError.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass

import re2

MAX_PATTERN_LENGTH = 1000
MAX_PATTERNS = 200  # patterns in one list
MAX_EXPANSIONS = 256  # patterns a list may expand to (`{a,b}{c,d}...`)
MAX_RANGE = 1000  # items of one `{1..n}` range
MAX_DEPTH = 10  # nested extglobs
_RE2_MEMORY = 1 << 20
_GLOB_CHARS = set("*?[]{}()!@+\\")
_POSIX_CLASSES = {"alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct",
                  "space", "upper", "word", "xdigit"}


class GlobError(ValueError):
    """A pattern that cannot be used; the message names it and says why."""


@dataclass(frozen=True)
class _Segment:
    regex: object | None  # compiled RE2; None for a `**` segment
    negated: bool = False

    def matches(self, name: str) -> bool:
        found = self.regex.fullmatch(name) is not None
        return not found if self.negated else found


@dataclass(frozen=True)
class _Compiled:
    segments: tuple[_Segment, ...]
    dir_only: bool
    base: str  # fast-glob's base directory (the leading static segments): where its walk starts, never an entry
    affects_depth: bool  # as an ignore pattern, stops the walk from entering matching directories


def globby_select(patterns: str | list[str], entries: Mapping[str, bool]) -> set[str]:
    """The entries (relative POSIX path -> is it a directory) that `globby(patterns)` returns.

    globby's generateGlobTasks: each positive pattern is a task ignoring the `!` patterns that come
    after it; a `!` pattern before every positive one, or alone, filters nothing and selects nothing.
    """
    patterns = [patterns] if isinstance(patterns, str) else list(patterns)
    if len(patterns) > MAX_PATTERNS:
        raise GlobError(f"{len(patterns)} patterns; at most {MAX_PATTERNS} are accepted")
    for pattern in patterns:
        if not isinstance(pattern, str):
            raise GlobError(f"expected a glob pattern, got {pattern!r}")
        if len(pattern) > MAX_PATTERN_LENGTH:
            raise GlobError(f"the pattern is longer than {MAX_PATTERN_LENGTH} characters")
    # The ignore patterns are not dir-expanded against the template: globby 11 runs dir-glob on them
    # without a cwd (so against the server's working directory), which holds no skeleton.
    negatives = [(index, _compile_all(pattern[1:])) for index, pattern in enumerate(patterns)
                 if pattern.startswith("!")]
    positives = [(index, _compile_all(_expand_directory(pattern, entries))) for index, pattern in enumerate(patterns)
                 if not pattern.startswith("!")]
    if sum(len(compiled) for _, compiled in negatives + positives) > MAX_EXPANSIONS:
        raise GlobError(f"the patterns expand to more than {MAX_EXPANSIONS} patterns")
    selected: set[str] = set()
    for index, compiled in positives:
        ignore = [pattern for later, group in negatives if later > index for pattern in group]
        for path, is_dir in entries.items():
            if path in selected:
                continue
            for positive in compiled:
                if path != positive.base and _matches(positive, path, is_dir) \
                        and not _ignored(path, is_dir, positive.base, ignore):
                    selected.add(path)
                    break
    return selected


def _compile_all(pattern: str) -> list[_Compiled]:
    return [compiled for expanded in expand_braces(pattern) if (compiled := _compile(expanded)) is not None]


def _ignored(path: str, is_dir: bool, base: str, ignore: list[_Compiled]) -> bool:
    """fast-glob: an entry matching an ignore pattern is left out (entry filter), and so is everything
    under a directory below the base that an ignore pattern affecting depth matches (deep filter)."""
    if any(_matches(pattern, path, is_dir) for pattern in ignore):
        return True
    deep = [pattern for pattern in ignore if pattern.affects_depth]
    if not deep:
        return False
    names = path.split("/")
    for depth in range(1, len(names)):
        ancestor = "/".join(names[:depth])
        if base != "." and not ancestor.startswith(base + "/"):
            continue
        if any(_matches(pattern, ancestor, True) for pattern in deep):
            return True
    return False


def _expand_directory(pattern: str, entries: Mapping[str, bool]) -> str:
    """dir-glob: `path.join(cwd, pattern)` is a directory -> `path.posix.join(pattern, '**')`."""
    if "\x00" in pattern or pattern.startswith("/"):
        return pattern
    normal = posixpath.normpath(pattern)
    if normal == ".":
        return "**"
    if entries.get(normal) is True:
        return posixpath.join(normal, "**")  # posix.join normalises as path.posix.join does
    return pattern


def expand_braces(pattern: str) -> list[str]:
    """micromatch's brace expansion: `{a,b}` alternatives and `{1..3}` / `{a..c}` ranges, nested."""
    results = [pattern]
    done: list[str] = []
    while results:
        current = results.pop()
        found = _first_brace(current)
        if found is None:
            done.append(current)
        else:
            start, end, options = found
            for option in reversed(options):
                results.append(current[:start] + option + current[end + 1:])
        if len(done) + len(results) > MAX_EXPANSIONS:
            raise GlobError(f"the pattern expands to more than {MAX_EXPANSIONS} patterns")
    return done


def _first_brace(text: str) -> tuple[int, int, list[str]] | None:
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == "{":
            end = _closing(text, i, "{", "}")
            if end is not None:
                body = text[i + 1:end]
                parts = _split_top(body, ",")
                if len(parts) > 1:
                    return i, end, parts
                ranged = _range(body)
                if ranged is not None:
                    return i, end, ranged
        i += 1
    return None


def _range(body: str) -> list[str] | None:
    match = re.fullmatch(r"(-?\d+)\.\.(-?\d+)(?:\.\.(-?\d+))?|([A-Za-z])\.\.([A-Za-z])", body)
    if match is None:
        return None
    if match.group(4):
        low, high = ord(match.group(4)), ord(match.group(5))
        step = 1 if high >= low else -1
        return [chr(code) for code in range(low, high + step, step)]
    low, high = int(match.group(1)), int(match.group(2))
    step = abs(int(match.group(3) or 1)) or 1
    if abs(high - low) // step + 1 > MAX_RANGE:
        raise GlobError(f"the range {{{body}}} has more than {MAX_RANGE} items")
    padded = any(len(d) > 1 and d.startswith("0") for d in (match.group(1).lstrip("-"), match.group(2).lstrip("-")))
    width = max(len(match.group(1)), len(match.group(2))) if padded else 0  # fill-range: `{01..10}` pads
    numbers = range(low, high + 1, step) if high >= low else range(low, high - 1, -step)
    return [str(n).zfill(width) if width else str(n) for n in numbers]


def _closing(text: str, start: int, opener: str, closer: str) -> int | None:
    depth, i = 0, start
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == opener:
            depth += 1
        elif char == closer:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def _split_top(text: str, separator: str) -> list[str]:
    parts, depth, current, i = [], 0, "", 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            current += text[i:i + 2]
            i += 2
            continue
        if char == separator and depth == 0:
            parts.append(current)
            current = ""
        else:
            depth += {"{": 1, "(": 1, "}": -1, ")": -1}.get(char, 0)
            current += char
        i += 1
    return [*parts, current]


def _split_segments(pattern: str) -> list[str]:
    segments, current, depth, i = [], "", 0, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            current += pattern[i:i + 2]
            i += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        if char == "/" and depth == 0:
            segments.append(current)
            current = ""
        else:
            current += char
        i += 1
    return [*segments, current]


def _compile(pattern: str) -> _Compiled | None:
    """None when the pattern can select nothing inside the skeleton (absolute, or leaving it)."""
    if pattern.startswith("./"):
        pattern = pattern[2:]  # fast-glob's removeLeadingDotSegment (one segment)
    if pattern.startswith("/") or pattern == ".." or pattern.startswith("../") or not pattern:
        return None
    dir_only = pattern.endswith("/") and not pattern.endswith("\\/")
    segments = _split_segments(pattern.rstrip("/") if dir_only else pattern)
    compiled = []
    for segment in segments:
        if segment == "**":
            if not compiled or compiled[-1].regex is not None:
                compiled.append(_Segment(None))  # `**/**` is one globstar
        else:
            compiled.append(_segment(segment))
    static = []
    for segment in segments[:-1]:
        if set(segment) & _GLOB_CHARS:
            break
        static.append(segment)
    # fast-glob's isAffectDepthOfReadingPattern: ends with `/**` or its last segment is static.
    affects_depth = segments[-1] == "**" and len(segments) > 1 or not set(segments[-1]) & _GLOB_CHARS
    return _Compiled(tuple(compiled), dir_only, "/".join(static) or ".", affects_depth)


def _segment(segment: str) -> _Segment:
    if segment.startswith("!(") and _closing(segment, 1, "(", ")") == len(segment) - 1:
        options = _split_top(segment[2:-1], "|")
        return _Segment(_re2("|".join(_translate(option, 1) for option in options)), negated=True)
    return _Segment(_re2(_translate(segment, 0)))


def _re2(regex: str):
    options = re2.Options()
    options.log_errors = False
    options.never_capture = True
    options.max_mem = _RE2_MEMORY
    try:
        return re2.compile("(?s)(?:" + regex + ")", options)
    except re2.error as exc:
        raise GlobError(f"the pattern is too complex to match ({exc})") from None


def _translate(segment: str, depth: int) -> str:
    """One path segment as a regex (no `/` inside)."""
    if depth > MAX_DEPTH:
        raise GlobError(f"extglobs are nested more than {MAX_DEPTH} deep")
    out, i = [], 0
    while i < len(segment):
        char = segment[i]
        nxt = segment[i + 1] if i + 1 < len(segment) else ""
        if char == "\\" and nxt:
            out.append(re.escape(nxt))
            i += 2
            continue
        if char in "@?+*!" and nxt == "(":
            end = _closing(segment, i + 1, "(", ")")
            if end is not None:
                if char == "!":
                    raise GlobError("!(...) is supported only as a whole path segment, such as `!(*.md)`")
                options = _split_top(segment[i + 2:end], "|")
                body = "|".join(_translate(option, depth + 1) for option in options)
                out.append("(?:" + body + ")" + {"@": "", "?": "?", "+": "+", "*": "*"}[char])
                i = end + 1
                continue
        if char == "(":
            end = _closing(segment, i, "(", ")")
            if end is not None:  # picomatch: bare parentheses are a group, `(a|b)` as `@(a|b)`
                options = _split_top(segment[i + 1:end], "|")
                out.append("(?:" + "|".join(_translate(option, depth + 1) for option in options) + ")")
                i = end + 1
                continue
        if char == "*":
            while i + 1 < len(segment) and segment[i + 1] == "*":
                i += 1
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            translated, end = _bracket(segment, i)
            out.append(translated)
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def _bracket(segment: str, start: int) -> tuple[str, int]:
    """A `[...]` class starting at `start`: (regex, index of its `]`); an unclosed `[` is literal."""
    i = start + 1
    negate = i < len(segment) and segment[i] in "!^"
    if negate:
        i += 1
    parts = []
    first = True
    while i < len(segment):
        char = segment[i]
        if char == "]" and not first:
            body = "".join(parts)
            return "[" + ("^/" if negate else "") + body + "]", i
        first = False
        if char == "[" and segment.startswith("[:", i):
            close = segment.find(":]", i + 2)
            name = segment[i + 2:close] if close != -1 else ""
            if name in _POSIX_CLASSES:
                parts.append(f"[:{name}:]")
                i = close + 2
                continue
        if char == "\\" and i + 1 < len(segment):
            parts.append(re.escape(segment[i + 1]))
            i += 2
            continue
        if char == "-" and parts and i + 1 < len(segment) and segment[i + 1] != "]":
            parts.append("-")
        elif char == "/":
            pass  # a class never matches a separator
        else:
            parts.append(re.escape(char) if char in "\\^[]-" else char)
        i += 1
    return re.escape("["), start


def _matches(pattern: _Compiled, path: str, is_dir: bool) -> bool:
    if pattern.dir_only and not is_dir:
        return False
    names = path.split("/")
    segments = pattern.segments
    # Which pattern positions can be reached after matching k names: linear in segments x names.
    reach = {0}
    for name in names:
        following = set()
        for position in reach:
            if position < len(segments):
                segment = segments[position]
                if segment.regex is None:
                    following.add(position)  # `**` eats this name and may go on
                    if position + 1 < len(segments) and segments[position + 1].matches(name):
                        following.add(position + 2)
                elif segment.matches(name):
                    following.add(position + 1)
        reach = following
        if not reach:
            return False
    return any(position == len(segments) or (position == len(segments) - 1 and segments[-1].regex is None)
               for position in reach)
