"""The API's part of the service's app: every route under ``/api/v1``, the JSON error
handlers, and the OpenAPI document (built by :func:`openimr.server.create_app`).

The routes read the workflow from ``app.state.workflow``, which the composition root sets.
"""

from __future__ import annotations

from fastapi import FastAPI

from openimr.api import errors
from openimr.api.routes import admin, cases, decisions
from openimr.domain import Determination

API_PREFIX = "/api/v1"


def mount_api(app: FastAPI) -> None:
    """Add the API's routes and error handlers to ``app``."""
    errors.install(app)
    app.include_router(cases.router, prefix=API_PREFIX)
    app.include_router(admin.router, prefix=API_PREFIX)
    app.include_router(decisions.router, prefix=API_PREFIX)
    _add_determination_schema(app)


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
