"""The API's interactive documentation: Swagger UI at /docs and ReDoc at /redoc, both from
files vendored in the package (static/vendor/), so they work with no internet."""

from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

from crm.kit.routing import Router

router = Router(include_in_schema=False)
OPENAPI_URL = "/api/v1/openapi.json"
VENDOR = "/static/vendor"
FAVICON = "/static/favicon.svg"


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=OPENAPI_URL,
        title="CRM API",
        swagger_js_url=f"{VENDOR}/swagger-ui-5.35.0.bundle.js",
        swagger_css_url=f"{VENDOR}/swagger-ui-5.35.0.css",
        swagger_favicon_url=FAVICON,
    )


@router.get("/redoc")
async def redoc() -> HTMLResponse:
    return get_redoc_html(
        openapi_url=OPENAPI_URL,
        title="CRM API",
        redoc_js_url=f"{VENDOR}/redoc-2.5.4.standalone.js",
        redoc_favicon_url=FAVICON,
        with_google_fonts=False,
    )
