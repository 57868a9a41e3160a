"""The reviewer workbench: server-rendered pages over the case workflow, under ``/workbench``.

``mount_workbench(app)`` adds the pages and their stylesheet and script to the service's
FastAPI app (built by :mod:`openimr.server`, which mounts the API beside it); the pages read
the workflow from ``app.state.workflow``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from openimr.web.pages import PREFIX, STATIC_DIR
from openimr.web.security import Signer

__all__ = ["PREFIX", "mount_workbench"]


def mount_workbench(app: FastAPI, *, secret: bytes | None = None, home: Path | None = None) -> None:
    """Add the workbench to ``app``.

    ``secret`` signs the session cookies; without it the key is read (or created) on the
    first request to the workbench, so an app that only serves the API touches no key file.
    """
    from openimr.web.routes import router

    app.state.workbench_signer = Signer(secret) if secret is not None else None
    app.state.workbench_home = home
    app.include_router(router)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC_DIR), name="workbench-static")

    if not any(getattr(route, "path", None) == "/" for route in app.routes):

        @app.get("/", include_in_schema=False)
        def _home() -> RedirectResponse:
            return RedirectResponse(f"{PREFIX}/", status_code=307)
