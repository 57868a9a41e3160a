"""HTTP API of the case-management service (FastAPI, OpenAPI at ``/openapi.json``).

:func:`mount_api` adds it to the app that :mod:`openimr.server` builds.
"""

from openimr.api.app import API_PREFIX, mount_api

__all__ = ["API_PREFIX", "mount_api"]
