"""Errors as JSON ``{"error": {"message": ..., "field": ...}}``.

The status of each of the project's errors comes from the table beside the exception tree
(:func:`openimr.errors.http_status`), so a route never builds an error response by hand, and
the OpenAPI document lists the same statuses the handlers send.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from openimr.errors import InputError, OpenIMRError, http_status


class ErrorDetail(BaseModel):
    message: str
    field: str | None = None


class ErrorResponse(BaseModel):
    """Every error the API returns has this shape."""

    error: ErrorDetail


_DESCRIPTIONS = {
    400: "Malformed request",
    401: "Missing or unknown bearer token",
    403: "The caller's role does not allow this",
    404: "No such case, document or letter (or not visible to the caller)",
    409: "Conflict: someone changed it first (version), the case's state does not allow it, "
    "or the same document is already stored",
    413: "Upload too large",
    415: "Unsupported media type",
    422: "Invalid input; `field` names the place at fault",
    500: "Internal error, or the letter could not be rendered (nothing was written)",
    503: "The database, the engine or the letter renderer is unavailable",
}


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the given error statuses plus the ones every route may return."""
    every = {401, 422, 500, 503}
    return {
        code: {"model": ErrorResponse, "description": _DESCRIPTIONS[code]}
        for code in sorted(every | set(codes))
    }


def error_response(
    status: int, message: str, field: str | None = None, **headers: str
) -> JSONResponse:
    body = ErrorResponse(error=ErrorDetail(message=message, field=field))
    return JSONResponse(status_code=status, content=body.model_dump(), headers=headers or None)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every failure into the JSON error shape."""

    @app.exception_handler(OpenIMRError)
    async def _ours(_request: Request, exc: OpenIMRError) -> JSONResponse:
        field = getattr(exc, "location", None) if isinstance(exc, InputError) else None
        message = exc.detail if isinstance(exc, InputError) and field else exc.message
        return error_response(http_status(exc), message, field)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = exc.errors()
        first = problems[0] if problems else {}
        loc = tuple(first.get("loc", ()))
        if loc[:1] == ("query",):  # a parameter, by its name (not its n-th repetition)
            loc = loc[:2]
        location = [str(p) for p in loc if p not in ("body", "query", "header", "path")]
        field = ".".join(location) or None
        message = str(first.get("msg", "invalid request"))
        if len(problems) > 1:
            message += f" (and {len(problems) - 1} more problem(s))"
        return error_response(422, message, field)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        return error_response(exc.status_code, str(exc.detail), None, **headers)

    @app.exception_handler(Exception)
    async def _internal(_request: Request, _exc: Exception) -> JSONResponse:
        # Nothing of the exception is sent; the server logs its kind (openimr.server).
        return error_response(500, "internal error; nothing was written")
