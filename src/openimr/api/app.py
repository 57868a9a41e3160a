"""The FastAPI application factory.

``create_app`` takes a database URL (or a ready :class:`Workflow`, which is how tests and the
workbench choose the engine, renderer and clock) and returns the app with every route under
``/api/v1`` and the JSON error handlers installed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

import openimr
from openimr.api import errors
from openimr.api.routes import admin, cases
from openimr.domain import Determination
from openimr.settings import Settings
from openimr.store.db import Database
from openimr.web import mount_workbench
from openimr.workflow import Workflow

API_PREFIX = "/api/v1"


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
    this process.
    """
    threads = request_threads or Settings.load().request_threads
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

    app = FastAPI(
        title="OpenIMR case management",
        version=openimr.__version__,
        description="Independent Medical Review cases: intake, eligibility, assignment, "
        "the engine's proposal, the reviewer's sign-off and the Final Determination Letter. "
        'Errors are JSON `{"error": {"message", "field"}}`.',
        lifespan=lifespan,
        openapi_url="/openapi.json",
    )
    app.state.workflow = workflow
    errors.install(app)
    app.include_router(cases.router, prefix=API_PREFIX)
    app.include_router(admin.router, prefix=API_PREFIX)
    mount_workbench(app)
    _add_determination_schema(app)
    return app


def create_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (several worker processes): URL from the environment."""
    return create_app()


def _add_determination_schema(app: FastAPI) -> None:
    """The proposal route returns raw JSON; name its schema so clients can generate types."""
    original = app.openapi

    def openapi() -> dict[str, object]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        components = schema.setdefault("components", {}).setdefault("schemas", {})  # type: ignore[union-attr]
        definition = Determination.model_json_schema(
            ref_template="#/components/schemas/{model}", mode="serialization"
        )
        for name, sub in definition.pop("$defs", {}).items():
            components.setdefault(name, sub)  # type: ignore[union-attr]
        components.setdefault("Determination", definition)  # type: ignore[union-attr]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
