from django.http import HttpRequest

from core.access import authorize

# (section key, label, path). Paths, not URL names: the apps behind them land independently.
NAV = [
    ("catalog", "Catalog", "/catalog/"),
    ("create", "Create", "/create/"),
    ("docs", "Docs", "/docs/"),
    ("git", "Repositories", "/git/"),
    ("surveys", "Surveys", "/surveys/"),
    ("scorecards", "Scorecards", "/scorecards/"),
    ("insights", "Insights", "/insights/"),
    ("maturity", "Maturity", "/maturity/"),
]


def current_section(path: str) -> str:
    for key, _label, prefix in NAV:
        if path.startswith(prefix):
            return key
    if path.startswith("/api/catalog/"):
        return "catalog"
    return "home" if path == "/" else ""


def shell(request: HttpRequest) -> dict:
    section = current_section(request.path)
    nav = [{"key": key, "label": label, "url": url, "active": key == section} for key, label, url in NAV]
    user = getattr(request, "user", None)
    # A callable: the template asks only when it draws the menu, so other responses pay nothing.
    return {"nav_items": nav, "current_section": section,
            "can_read_audit": lambda: authorize(user, "paved.audit.read")}
