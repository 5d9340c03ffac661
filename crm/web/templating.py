"""Rendering pages: one Jinja2 environment (autoescaped), and `render` that answers the whole
page, or for an HTMX request only the named block of the same template (jinja2-fragments)."""

import json
from pathlib import Path
from typing import Any, Literal

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2_fragments import render_block

from crm import __version__
from crm.contacts.service import readable_phone
from crm.web.forms import FormState
from crm.web.nav import NAV
from crm.web.session import csrf_token, is_htmx, restoring

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html", "svg"], default_for_string=True, default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.globals.update(nav=NAV, app_version=__version__, blank_form=FormState())
environment.filters["phone"] = readable_phone

ToastKind = Literal["success", "error", "info"]


def toast(text: str, kind: ToastKind = "success") -> dict[str, str]:
    return {"kind": kind, "text": text}


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    block: str | None = None,
    status: int = 200,
    toasts: list[dict[str, str]] | None = None,
    events: dict[str, Any] | None = None,
) -> HTMLResponse:
    """The page, or for an HTMX request its `block`. Toasts travel in an `HX-Trigger` event
    for HTMX and inside the page otherwise (no JavaScript needed to see them); `events` are
    further HX-Trigger events (e.g. telling a list that its records changed)."""
    # Going back to a pushed URL that htmx no longer holds asks for the whole page again.
    swapped = is_htmx(request) and not restoring(request)
    partial = block is not None and swapped
    values: dict[str, Any] = {
        "request": request,
        "csrf_token": csrf_token(request),
        "current_path": request.url.path,
        "shell": None,
        "toasts": [] if swapped else (toasts or []),
        **(context or {}),
    }
    if partial:
        assert block is not None
        html = render_block(environment, template, block, values)
    else:
        html = environment.get_template(template).render(values)
    response = HTMLResponse(html, status_code=status)
    triggers = dict(events or {})
    if swapped and toasts:
        # One event per toast would collapse in a JSON object; send the list.
        triggers["toast"] = toasts
    if triggers:
        response.headers["HX-Trigger"] = json.dumps(triggers, ensure_ascii=True)
    return response
