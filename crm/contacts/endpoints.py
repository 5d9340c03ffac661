"""REST endpoints of contacts (DESIGN.md section 4): the routes every kind shares."""

from crm.contacts.service import contact as contact_service
from crm.records.endpoints import crud_router

router = crud_router(
    contact_service,
    plural="contacts",
    docs={
        "create": "An `organization` naming one of your organizations (any case) links it: "
        "the contact then shows that organization's current name."
    },
)
