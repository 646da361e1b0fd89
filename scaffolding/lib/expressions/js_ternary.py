"""JavaScript's `cond ? a : b` inside template expressions, rewritten to Jinja's `(a if cond else b)`.

Templates written for Backstage often use it (`${{ p.x === 'github' ? steps.a.output.url :
steps.b.output.url }}`). Only `?` and `:` outside quotes and brackets count, so slices
(`x[1:2]`), dict literals and strings such as `'a ? b'` are left alone.
"""

OPENERS, CLOSERS = "([{", ")]}"


def _top_level(text: str, wanted: str, start: int = 0) -> int:
    depth, quote, i = 0, "", start
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 2
                continue
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in OPENERS:
            depth += 1
        elif char in CLOSERS:
            depth -= 1
        elif char == wanted and depth == 0:
            return i
        i += 1
    return -1


def _rewrite(expression: str) -> str:
    question = _top_level(expression, "?")
    if question < 0:
        return expression
    colon = _top_level(expression, ":", question + 1)
    if colon < 0:
        return expression  # not a ternary; let Jinja report the syntax error
    condition = expression[:question].strip()
    then = _rewrite(expression[question + 1:colon].strip())
    otherwise = _rewrite(expression[colon + 1:].strip())
    return f" (({then}) if ({condition}) else ({otherwise})) "


def rewrite_ternaries(source: str, start: str = "${{", end: str = "}}") -> str:
    """Rewrite every `start ... end` expression of `source` that uses a top-level `?`."""
    if "?" not in source or start not in source:
        return source
    out, position = [], 0
    while True:
        begin = source.find(start, position)
        if begin < 0:
            break
        body_start = begin + len(start)
        finish = source.find(end, body_start)
        if finish < 0:
            break
        body = source[body_start:finish]
        out.append(source[position:body_start])
        out.append(_rewrite(body) if "?" in body else body)
        position = finish
    out.append(source[position:])
    return "".join(out)
