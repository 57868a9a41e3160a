"""Template rendering and the HTTP headers every workbench page carries."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from openimr.web import views
from openimr.workflow.schemas import Role

PREFIX = "/workbench"
STATIC_DIR = Path(__file__).parent / "static"

#: Pages load only their own stylesheet and script; nothing else, no inline code.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
#: A letter shown inside the preview page: its own inline styles, no scripts, no requests.
LETTER_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox"
)
#: Stored documents are downloads only, never run as a page.
DOWNLOAD_CSP = "default-src 'none'; sandbox"


def private_headers(csp: str = PAGE_CSP, *, framing: str = "DENY") -> dict[str, str]:
    """Headers for anything holding health information: never cached, never sniffed, no
    referrer to other sites (URLs name cases). ``same-origin`` rather than ``no-referrer``:
    under ``no-referrer`` browsers send ``Origin: null`` with the workbench's own form posts,
    which the cross-site check must refuse."""
    return {
        "Cache-Control": "no-store",
        "Pragma": "no-cache",
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": framing,
    }


@cache
def _asset_version() -> str:
    """Changes when the stylesheet or script changes, so browsers fetch the new one."""
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.iterdir()):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def static_url(name: str) -> str:
    return f"{PREFIX}/static/{name}?v={_asset_version()}"


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("openimr.web", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals.update(
        prefix=PREFIX,
        static_url=static_url,
        status_label=views.status_label,
        decision_label=views.decision_label,
        decision_meaning=views.decision_meaning,
        confidence_label=views.confidence_label,
        read_first_below=views.READ_FIRST_BELOW,
        days_phrase=views.days_phrase,
        proposal_values=views.proposal_values,
        Role=Role,
    )
    env.filters["date"] = views.format_date
    env.filters["local_date"] = views.local_date
    env.filters["local_time"] = views.local_time
    env.filters["sentence"] = views.sentence
    return env


def render(
    request: Request, name: str, context: dict[str, Any], *, status: int = 200
) -> HTMLResponse:
    values = {"actor": None, "csrf": "", **context}
    html = environment().get_template(name).render(request=request, **values)
    return HTMLResponse(html, status_code=status, headers=private_headers())
