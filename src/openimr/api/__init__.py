"""HTTP API of the case-management service (FastAPI, OpenAPI at ``/openapi.json``)."""

from openimr.api.app import API_PREFIX, create_app

__all__ = ["API_PREFIX", "create_app"]
