"""How a failed workbench request is answered: with a page, never a traceback or JSON.

:class:`WorkbenchRoute` refuses a state-changing request from another site's page, turns a
missing session into a sign-in redirect (never carrying what was posted), a form without its
CSRF token into a refusal, and an error of ours into a page giving the reason with the status
from the table beside the exception tree (:func:`openimr.errors.http_status`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from openimr.errors import InputError, OpenIMRError, http_status
from openimr.web.pages import PREFIX, render
from openimr.web.session import BadForm, SignInRequired, Web, quiet

log = logging.getLogger("openimr.web")


def error_page(request: Request, status: int, message: str, web: Web | None = None) -> Response:
    titles = {
        400: "The request could not be read",
        403: "Not allowed",
        404: "Not found",
        409: "It cannot be done now",
        422: "Please check what you entered",
        503: "A part of the service is unavailable",
    }
    context = {
        "title": titles.get(status, "Something went wrong"),
        "message": message,
        "status": status,
    }
    return render(
        request, "error.html.j2", web.context(**context) if web else context, status=status
    )


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    port = f":{parts.port}" if parts.port not in (None, default) else ""
    return f"{parts.scheme}://{parts.hostname}{port}".lower()


def same_origin(request: Request) -> bool:
    """Whether a state-changing request came from the workbench's own pages: its ``Origin``
    (else its ``Referer``) is this server's origin or a configured one. Browsers send one of
    them with every cross-site form post; a request with neither still needs the form token.
    """
    claimed = request.headers.get("origin")
    if claimed is None:
        referer = request.headers.get("referer")
        if referer is None:
            return True
        claimed = referer
    origin = _origin_of(claimed)
    if origin is None:  # "null" (a sandboxed frame, a data: page) or something unreadable
        return False
    settings = request.app.state.workflow.settings
    return origin == _origin_of(str(request.base_url)) or origin in (settings.allowed_origin_list())


class WorkbenchRoute(APIRoute):
    """Answers errors with pages: a sign-in redirect, a refusal or the reason a step failed."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            if request.method not in _SAFE_METHODS and not same_origin(request):
                return error_page(
                    request,
                    403,
                    "This form was sent from another site, so it was refused; nothing was "
                    "changed. Open the workbench directly and try again.",
                )
            try:
                return await original(request)
            except SignInRequired:
                target = request.url.path
                if request.url.query:
                    target += "?" + request.url.query
                if request.method != "GET":
                    target = PREFIX + "/"
                return RedirectResponse(
                    f"{PREFIX}/login?next={quote(target, safe='/')}", status_code=303
                )
            except BadForm:
                return error_page(
                    request,
                    403,
                    "This form has expired or did not come from this page. Go back, reload "
                    "the page and try again; nothing was changed.",
                    await quiet(request),
                )
            except OpenIMRError as exc:
                message = exc.detail if isinstance(exc, InputError) else exc.message
                return error_page(request, http_status(exc), message, await quiet(request))
            except RequestValidationError as exc:
                problems = exc.errors()
                where = ".".join(str(p) for p in problems[0].get("loc", ())) if problems else ""
                return error_page(
                    request,
                    422,
                    f"A field is missing or invalid: {where}",
                    await quiet(request),
                )
            except HTTPException as exc:
                # Starlette's own refusals while reading the request: a form field past its
                # size or count, a body past the server's limit (413) as it streams in.
                return error_page(request, exc.status_code, str(exc.detail), await quiet(request))
            except Exception as exc:
                # As the server logs a failure: the kind, the route as written and the
                # request's id; a message or the path's values may hold health information.
                log.error(
                    "%s on %s %s request=%s",
                    type(exc).__name__,
                    request.method,
                    self.path_format,
                    getattr(request.state, "request_id", "-"),
                )
                return error_page(
                    request,
                    500,
                    "Something went wrong on our side. Reload the page to see what was "
                    "saved, then try again.",
                )

        return handler


def workbench_router() -> APIRouter:
    """A router for workbench pages: under the prefix, errors as pages, not in the OpenAPI."""
    return APIRouter(prefix=PREFIX, route_class=WorkbenchRoute, include_in_schema=False)
