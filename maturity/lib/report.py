"""The assessment as Markdown, for sharing with leadership (the printable HTML page is the template)."""

from maturity.lib.levels import LEVEL_NAMES


def _cell(text) -> str:
    """Table cells: one line, pipes escaped, so typed text cannot break the table."""
    text = str(text if text is not None else "").replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    return text.replace("<", "&lt;").replace(">", "&gt;").strip()


def _value(value, unit: str) -> str:
    if value is None:
        return "no data"
    return f"{value:.0f}%" if unit == "percent" else f"{value:.1f} {unit}"


def markdown(data: dict, *, title: str = "Platform maturity assessment") -> str:
    level = data.get("level")
    computed = str(data.get("computedAt") or "")
    lines = [f"# {title}", "", f"Computed {computed[:10]} {computed[11:16]} UTC", ""]
    if level is None:
        lines.append(f"**Overall level:** not scored yet ({data.get('scored', 0)} of 8 dimensions scored; at least 4 "
                     "are needed)")
    else:
        provisional = ", provisional" if data.get("provisional") else ""
        lines.append(f"**Overall level:** {level} — {LEVEL_NAMES[level]} ({data.get('scored', 0)} of 8 dimensions "
                     f"scored{provisional})")
        lines += ["", f"> {data.get('howYouKnow', '')}"]
    if data.get("toReachNext"):
        lines += ["", "**To reach the next level:**", ""] + [f"- {_cell(t)}" for t in data["toReachNext"]]
    lines += ["", "## Dimensions", "", "| Dimension | Level | Value | Source | Evidence |", "|---|---|---|---|---|"]
    for d in data.get("dimensions", []):
        source = d["source"] if d["source"] != "answered" else f"answered by {d.get('answeredBy') or 'someone'}"
        evidence = d.get("evidence") or d.get("needs") or ""
        lvl = "–" if d.get("level") is None else str(d["level"])
        lines.append(f"| {_cell(d['title'])} | {lvl} | {_value(d.get('value'), d['unit'])} | {_cell(source)} | "
                     f"{_cell(evidence)} |")
    if data.get("painPoints"):
        lines += ["", "## Top pain points", ""]
        for number, pain in enumerate(data["painPoints"], start=1):
            lines.append(f"{number}. {_cell(pain['title'])} ({_cell(pain.get('detail'))})")
    roadmap = data.get("roadmap") or {}
    if roadmap.get("items"):
        lines += ["", "## Six-month roadmap", ""]
        for phase, name in (("m1-2", "Month 1–2"), ("m3-4", "Month 3–4"), ("m5-6", "Month 5–6")):
            lines += [f"### {name}", ""]
            lines += [f"- {_cell(i['title'])}" for i in roadmap["items"] if i["phase"] == phase] or ["- (nothing)"]
            lines.append("")
    if data.get("metrics"):
        lines += ["## Success metrics", "", "| Metric | Baseline | Current | Target | Progress |",
                  "|---|---|---|---|---|"]
        for m in data["metrics"]:
            progress = "–" if m.get("progress") is None else f"{m['progress'] * 100:.0f}%"

            def fmt(v):
                return "–" if v is None else f"{v:g}"
            lines.append(f"| {_cell(m['kind'])}: {_cell(m['label'])} | {fmt(m.get('baseline'))} | "
                         f"{fmt(m.get('current'))} | {fmt(m.get('target'))} | {progress} |")
    return "\n".join(lines).rstrip() + "\n"
