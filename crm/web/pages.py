"""Routes of the web app itself (the static files are mounted in crm.web.install)."""

from fastapi.responses import RedirectResponse

from crm.kit.routing import Router

router = Router(include_in_schema=False)


@router.get("/")
async def home() -> RedirectResponse:
    # The assistant's chat is home; /assistant sends a visitor who is not signed in to /login.
    return RedirectResponse("/assistant", status_code=303)
