"""The composition root: the one FastAPI app that serves the API and the workbench side by side.

``create_app`` builds the workflow (or takes a ready one: that is how tests choose the engine,
renderer and clock), mounts :mod:`openimr.api` under ``/api/v1`` and :mod:`openimr.web` under
``/workbench``, and runs the workflow's background threads for the app's lifetime. Neither
the API nor the workbench imports the other; both call the same workflow.

Around everything, outside even Starlette's last-resort error layer, :class:`RequestLog` gives
each request an id (``X-Request-ID``), keeps the API's answers out of caches, and logs each
request and failure as method, route template, status, exception class and id: never the
path's values, the query, an exception's message or a traceback, which may hold health
information. :func:`log_config` is how ``openimr serve`` logs.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

import openimr
from openimr.api import API_PREFIX, mount_api
from openimr.casefile.load import MAX_FILE_BYTES
from openimr.settings import Settings
from openimr.store.db import Database
from openimr.web import mount_workbench
from openimr.workflow import MAX_DOCUMENT_BYTES, Workflow

log = logging.getLogger("openimr.server")
access = logging.getLogger("openimr.access")

#: Headers of every API answer, errors and the OpenAPI document included (the workbench's
#: pages set their own): nothing is stored by a cache or read as another type.
API_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


class RequestLog:
    """The app's outermost layer: the request id, the API's headers, one log line a request.

    A failure that got past the API's and the workbench's handlers (whose 500 answer
    Starlette sends and then raises again, for the server to log with its traceback) ends
    here: logged by kind alone, and not raised further.
    """

    def __init__(self, app: ASGIApp, private_paths: tuple[str, ...]) -> None:
        self.app = app
        self.private_paths = private_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        private = scope["path"].startswith(self.private_paths)
        status: int | None = None

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
                for name, value in API_HEADERS.items() if private else ():
                    headers.setdefault(name, value)
            await send(message)

        began = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            log.error(
                "%s on %s %s request=%s",
                type(exc).__name__,
                scope["method"],
                _route_template(scope),
                request_id,
            )
            status = 500
        access.info(
            "%s %s %s %.0f ms request=%s",
            scope["method"],
            _route_template(scope),
            status,
            (time.perf_counter() - began) * 1000,
            request_id,
        )


def _route_template(scope: Scope) -> str:
    """The matched route as written (``/api/v1/cases/{case_id}``), or ``-``: never the path."""
    route = scope.get("route")
    return str(getattr(route, "path_format", None) or getattr(route, "path", None) or "-")


#: The largest body any route takes: a case file or a document (25 MiB each) inside the
#: envelope of a multipart upload.
MAX_BODY_BYTES = max(MAX_FILE_BYTES, MAX_DOCUMENT_BYTES) + 1024 * 1024


class BodyLimit:
    """Refuses a body larger than any route takes while it arrives, not after it was read:
    by its declared length before a byte is read, else as soon as the bytes received pass
    the limit (a 413 either way), so an oversized upload never fills the server's memory."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _too_large(send, self.limit)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    from starlette.exceptions import HTTPException

                    raise HTTPException(413, _too_large_message(self.limit))
            return message

        await self.app(scope, limited, send)


def _too_large_message(limit: int) -> str:
    return f"the request body is larger than {limit} bytes, more than any upload may be"


async def _too_large(send: Send, limit: int) -> None:
    error = {"error": {"message": _too_large_message(limit), "field": None}}
    body = json.dumps(error, separators=(",", ":")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class _App(FastAPI):
    """FastAPI with :class:`RequestLog` around the whole stack, where no middleware added
    the usual way sits: it would run inside the layer that answers unexpected errors."""

    def build_middleware_stack(self) -> ASGIApp:
        own = (self.openapi_url, self.docs_url, self.redoc_url)
        private = (API_PREFIX + "/", *(url for url in own if url))
        return RequestLog(BodyLimit(super().build_middleware_stack()), private)


def create_app(
    database_url: str | None = None,
    *,
    workflow: Workflow | None = None,
    migrate: bool = False,
    request_threads: int | None = None,
) -> FastAPI:
    """Build the app; ``migrate`` brings the schema up to date before serving.

    A workflow built here loads the engine when the server starts, prepares proposals on its
    engine thread as case files arrive, and chains audit entries on a thread of its own.
    ``request_threads`` (default ``$OPENIMR_REQUEST_THREADS``, else
    :data:`openimr.settings.DEFAULT_REQUEST_THREADS`) bounds the requests worked on at once in
    this process. The interactive documentation (``/docs``, ``/redoc``) loads its scripts
    from a CDN, so it is served only when ``$OPENIMR_API_DOCS`` asks for it.
    """
    settings = Settings.load()
    threads = request_threads or settings.request_threads
    if workflow is None:
        workflow = Workflow(
            Database(database_url), prepare_proposals=True, seal_audit_in_background=True
        )
    owned = workflow
    if migrate:
        from openimr.store.migrate import upgrade

        upgrade(workflow.db)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = threads
        owned.start_background()
        yield
        owned.close()

    app = _App(
        title="OpenIMR case management",
        version=openimr.__version__,
        description="Independent Medical Review cases: intake, eligibility, assignment, "
        "the engine's proposal, the reviewer's sign-off and the Final Determination Letter. "
        'Errors are JSON `{"error": {"message", "field"}}`.',
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url="/docs" if settings.api_docs else None,
        redoc_url="/redoc" if settings.api_docs else None,
    )
    app.state.workflow = workflow
    proxies = [p.strip() for p in workflow.settings.trusted_proxies.split(",") if p.strip()]
    if proxies:
        # Behind a TLS proxy: the scheme and client address it forwards, from it alone.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)
    mount_api(app)
    mount_workbench(app)
    return app


def create_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (several worker processes): URL from the environment."""
    return create_app()


class NoTraceback(logging.Filter):
    """Keeps a record's exception to its class name: tracebacks end with the exception's
    message, and messages of library errors may quote health information."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[0] is not None:
            record.msg = f"{record.getMessage()} [{record.exc_info[0].__name__}]"
            record.args = None
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True


def log_config() -> dict[str, Any]:
    """Logging of ``openimr serve`` (for :func:`uvicorn.run`): uvicorn's and OpenIMR's records
    at INFO on standard error, every record through :class:`NoTraceback`."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"no_traceback": {"()": f"{__name__}.NoTraceback"}},
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "filters": ["no_traceback"],
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            name: {"handlers": ["stderr"], "level": "INFO", "propagate": False}
            for name in ("uvicorn", "openimr")
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
    }
