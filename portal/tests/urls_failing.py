"""portal.urls plus views that fail on purpose, for the error handler tests."""

from django.db import OperationalError
from django.urls import path

from portal.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def boom(request):
    raise RuntimeError("a bug")


def database_gone(request):
    raise OperationalError("connection to server at \"127.0.0.1\", port 5432 failed: Connection refused")


urlpatterns = [
    path("boom/", boom),
    path("api/boom/", boom),
    path("database-gone/", database_gone),
    path("api/database-gone/", database_gone),
    *urlpatterns,
]
