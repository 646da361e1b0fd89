"""The HTTP application: the API plus liveness, readiness and metrics endpoints."""

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import Counter, Histogram, make_asgi_app

from app.telemetry import SERVICE_NAME, configure_logging, configure_tracing

configure_logging()
logger = logging.getLogger(__name__)

REQUESTS = Counter("http_requests_total", "HTTP requests served, by route, method and status code.",
                   ["route", "method", "code"])
LATENCY = Histogram("http_request_duration_seconds", "HTTP request latency, by route and method.",
                    ["route", "method"])
# Probes and scrapes would drown the service's own traffic in the golden-signal dashboards.
UNMEASURED = {"/healthz", "/readyz", "/metrics"}

state = {"ready": False}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    state["ready"] = True
    logger.info("started", extra={"service": SERVICE_NAME})
    yield
    # Uvicorn drains in-flight requests on SIGTERM; fail readiness first so no new ones arrive.
    state["ready"] = False
    logger.info("shutting down")


app = FastAPI(title=SERVICE_NAME, lifespan=lifespan)
configure_tracing(app)
app.mount("/metrics", make_asgi_app())


@app.middleware("http")
async def measure(request: Request, call_next) -> Response:
    started = time.perf_counter()
    response = await call_next(request)
    route = request.scope.get("route")
    path = getattr(route, "path", "unmatched")
    if request.url.path not in UNMEASURED and not request.url.path.startswith("/metrics"):
        REQUESTS.labels(path, request.method, str(response.status_code)).inc()
        LATENCY.labels(path, request.method).observe(time.perf_counter() - started)
    return response


@app.get("/healthz", response_class=PlainTextResponse)
async def healthz() -> str:
    return "ok"


@app.get("/readyz", response_class=PlainTextResponse)
async def readyz(response: Response) -> str:
    if not state["ready"]:
        response.status_code = 503
        return "not ready"
    return "ready"


@app.get("/")
async def hello() -> dict:
    logger.info("hello")
    return {"service": SERVICE_NAME, "message": "hello"}
