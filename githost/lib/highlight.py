"""Syntax highlighting for the file view: one escaped HTML string per line, Pygments' classes.

Pygments highlights a whole file, and a token (a docstring, a block comment) can span lines; the
file view shows one line per table row so each can have its number and #L anchor. So tokens are
split at newlines here and each piece wrapped on its own line, which keeps every row's markup
balanced. The lexer comes from the file name only (guessing from content runs every lexer);
files past the caps are shown as plain text, so a huge or minified file cannot stall the page.
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from pygments.lexers import get_lexer_for_filename
from pygments.token import STANDARD_TYPES, Token
from pygments.util import ClassNotFound

MAX_BYTES = 256 * 1024
MAX_LINES = 10_000
MAX_LINE_CHARS = 2_000  # minified files: one enormous line is slow to lex and unreadable anyway


def _css_class(ttype) -> str:
    while ttype not in STANDARD_TYPES:
        ttype = ttype.parent
    return STANDARD_TYPES[ttype]


def lexer_name(filename: str) -> str:
    """The language shown above the file ("Python"), or "" when none is known."""
    lexer = _lexer(filename)
    return lexer.name if lexer is not None else ""


def _lexer(filename: str):
    try:
        return get_lexer_for_filename(filename, stripnl=False, stripall=False, ensurenl=False)
    except ClassNotFound:
        return None


def plain_lines(text: str) -> list[SafeString]:
    return [mark_safe(escape(line)) for line in text.split("\n")]  # noqa: S308 - escaped


def highlight_lines(text: str, filename: str) -> tuple[list[SafeString], bool]:
    """(the lines as HTML, whether they were highlighted). `text` uses \\n line ends; a final
    newline does not make an extra empty line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.endswith("\n"):
        text = text[:-1]
    lexer = _lexer(filename)
    too_big = len(text) > MAX_BYTES or text.count("\n") >= MAX_LINES or any(
        len(line) > MAX_LINE_CHARS for line in text.split("\n"))
    if lexer is None or too_big:
        return plain_lines(text), False
    lines: list[list[str]] = [[]]
    for ttype, value in lexer.get_tokens(text):
        css = _css_class(ttype) if ttype is not Token.Text else ""
        for i, piece in enumerate(value.split("\n")):
            if i:
                lines.append([])
            if piece:
                lines[-1].append(f'<span class="{css}">{escape(piece)}</span>' if css else escape(piece))
    if len(lines) > 1 and not lines[-1] and not text.endswith("\n") and len(lines) > text.count("\n") + 1:
        lines.pop()  # a lexer that adds a trailing newline token of its own
    return [mark_safe("".join(parts)) for parts in lines], True  # noqa: S308 - every piece is escaped
