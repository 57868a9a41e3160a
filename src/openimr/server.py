"""The composition root: the one FastAPI app that serves the API and the workbench side by side.

``create_app`` builds the workflow (or takes a ready one: that is how tests choose the engine,
renderer and clock), mounts :mod:`openimr.api` under ``/api/v1`` and :mod:`openimr.web` under
``/workbench``, and runs the workflow's background threads for the app's lifetime. Neither
the API nor the workbench imports the other; both call the same workflow.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

import openimr
from openimr.api import mount_api
from openimr.settings import Settings
from openimr.store.db import Database
from openimr.web import mount_workbench
from openimr.workflow import Workflow


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

    app = FastAPI(
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
    mount_api(app)
    mount_workbench(app)
    return app


def create_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (several worker processes): URL from the environment."""
    return create_app()
