"""Routes of the web app itself (the static files are mounted in crm.web.install)."""

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home() -> RedirectResponse:
    # The assistant's chat page becomes home once POST /api/v1/chat exists; until then the
    # settings are the one page every user has.
    return RedirectResponse("/settings", status_code=303)
