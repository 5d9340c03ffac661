"""The web app: server-rendered pages (Jinja2 + HTMX) over the same services as the API."""

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from crm.web import api_docs, errors, search
from crm.web.security import PageHeaders
from crm.web.templating import STATIC


def install(app: FastAPI) -> None:
    """Static files, the API's documentation, page error handling and the pages' headers.
    (The page routers are in crm.app.ROUTERS with the API's.)"""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api_docs.router)
    app.include_router(search.router)
    errors.install(app)
    app.add_middleware(PageHeaders)
