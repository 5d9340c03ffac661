"""Microsoft Graph over plain httpx, as one user (their delegated access token): mail, calendar,
OneDrive and SharePoint files, Teams and their meetings' transcripts.

Every list asks for the few fields a model needs ($select) and a page size ($top), follows
`@odata.nextLink` up to a cap, and Graph's error codes reach the user as sentences."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from crm.integrations.documents import MAX_DOCUMENT_BYTES, UnreadableDocument
from crm.integrations.http import Page, RestClient, ServiceError

SERVICE = "Microsoft 365"
PAGE_SIZE = 50  # $top per request; Graph pages further with @odata.nextLink
SIMPLE_UPLOAD_BYTES = 4 * 1024 * 1024  # above this Graph wants an upload session
UPLOAD_CHUNK_BYTES = 10 * 320 * 1024  # a multiple of 320 KiB, as upload sessions require

MESSAGE_FIELDS = "id,subject,from,receivedDateTime,bodyPreview,isRead,hasAttachments"
EVENT_FIELDS = (
    "id,subject,start,end,location,organizer,attendees,isOnlineMeeting,onlineMeeting,webLink"
)
ITEM_FIELDS = "id,name,size,webUrl,lastModifiedDateTime,file,folder,parentReference"

# Graph's error codes (and inner codes) in words.
_SENTENCES = {
    "InvalidAuthenticationToken": (
        "Microsoft 365 did not accept the connection's access token; it may have expired. "
        "Reconnect Microsoft 365 in Settings → Integrations if this persists."
    ),
    "ErrorItemNotFound": "Microsoft 365 has no such item; it may have been deleted or moved.",
    "itemNotFound": "Microsoft 365 has no such item; it may have been deleted or moved.",
    "ErrorInvalidIdMalformed": "That is not a Microsoft 365 item id; list or search to find one.",
    "Authorization_RequestDenied": (
        "Microsoft 365 refused: the connected account lacks the permission for this; the "
        "organisation's administrator may need to grant it."
    ),
    "ErrorAccessDenied": (
        "Microsoft 365 refused access: the connected account may not do this, or the "
        "permission was not granted when connecting."
    ),
    "accessDenied": "Microsoft 365 refused access to this item for the connected account.",
    "Forbidden": "Microsoft 365 refused access for the connected account.",
    "TooManyRequests": "Microsoft 365 is limiting requests right now; try again in a minute.",
    "activityLimitReached": "Microsoft 365 is limiting requests right now; try again in a minute.",
    "nameAlreadyExists": "An item of that name already exists in that folder.",
    "quotaLimitReached": "The storage of the Microsoft 365 account is full.",
    "ErrorMessageSizeExceeded": "The e-mail is too large for Microsoft 365 to send.",
    "ErrorInvalidRecipients": "Microsoft 365 refused an e-mail address among the recipients.",
    "MailboxNotEnabledForRESTAPI": (
        "The connected Microsoft 365 account has no Exchange Online mailbox, so mail and "
        "calendar are not available for it."
    ),
    "GraphAccessToTranscriptsDisabled": (
        "The organisation's administrator has turned off access to meeting transcripts, so "
        "the meeting's notes cannot be read."
    ),
}


def explain(status: int, code: str | None, _message: str | None) -> str | None:
    """Graph's error in words, or None to fall back on the status."""
    if code in _SENTENCES:
        return _SENTENCES[code]
    if status == 401:
        return _SENTENCES["InvalidAuthenticationToken"]
    return None


def drive_path(*, site_id: str | None = None, drive_id: str | None = None) -> str:
    """The Graph path of a drive: a document library by id, a site's default library, or the
    user's OneDrive."""
    if drive_id:
        return f"/drives/{_id(drive_id)}"
    if site_id:
        return f"/sites/{_id(site_id)}/drive"
    return "/me/drive"


def _id(value: str) -> str:
    return quote(value, safe=",=!")


def _item(drive: str, item_id: str | None = None, path: str | None = None) -> str:
    if item_id:
        return f"{drive}/items/{_id(item_id)}"
    clean = (path or "").strip("/")
    return f"{drive}/root:/{quote(clean)}:" if clean else f"{drive}/root"


def _next_link(body: dict[str, Any]) -> tuple[str, None] | None:
    link = body.get("@odata.nextLink")
    return (link, None) if link else None


def recipients(addresses: list[str]) -> list[dict[str, Any]]:
    return [{"emailAddress": {"address": address}} for address in addresses]


class Graph:
    """Microsoft Graph as the user whose access token this client sends."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, token: str) -> None:
        self.rest = RestClient(http, base_url, token, service=SERVICE, explain=explain)

    async def _list(
        self,
        path: str,
        *,
        limit: int,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Page:
        query = {"$top": min(limit, PAGE_SIZE), **(params or {})}
        return await self.rest.collect(
            path,
            params=query,
            headers=headers,
            limit=limit,
            items_key="value",
            next_page=_next_link,
        )

    # The account

    async def me(self) -> dict[str, Any]:
        return await self.rest.get_json(
            "/me", params={"$select": "id,displayName,mail,userPrincipalName"}
        )

    # Mail

    async def search_messages(
        self, *, query: str | None, sender: str | None, folder: str | None, limit: int
    ) -> Page:
        """Messages matching KQL words (newest first when there are none), in one folder or all."""
        path = f"/me/mailFolders/{_id(folder)}/messages" if folder else "/me/messages"
        words = " ".join(filter(None, [f"from:{sender}" if sender else None, query]))
        params: dict[str, Any] = {"$select": MESSAGE_FIELDS}
        if words:
            params["$search"] = '"' + words.replace('"', "") + '"'
        else:
            params["$orderby"] = "receivedDateTime desc"
        return await self._list(path, limit=limit, params=params)

    async def message(self, message_id: str) -> dict[str, Any]:
        """One message with its body as text (Graph converts HTML when asked)."""
        return await self.rest.get_json(
            f"/me/messages/{_id(message_id)}",
            params={
                "$select": "id,subject,from,toRecipients,ccRecipients,receivedDateTime,"
                "body,hasAttachments,webLink,conversationId"
            },
            headers={"Prefer": 'outlook.body-content-type="text"'},
        )

    async def attachments(self, message_id: str) -> list[dict[str, Any]]:
        page = await self._list(
            f"/me/messages/{_id(message_id)}/attachments",
            limit=PAGE_SIZE,
            params={"$select": "id,name,contentType,size"},
        )
        return page.items

    async def send_mail(self, message: dict[str, Any]) -> None:
        await self.rest.request(
            "POST", "/me/sendMail", json={"message": message, "saveToSentItems": True}
        )

    async def create_draft(self, message: dict[str, Any]) -> dict[str, Any]:
        response = await self.rest.request("POST", "/me/messages", json=message)
        return response.json()

    async def mail_folders(self, *, limit: int) -> Page:
        return await self._list(
            "/me/mailFolders",
            limit=limit,
            params={"$select": "id,displayName,totalItemCount,unreadItemCount"},
        )

    # Calendar and meetings

    async def calendar_view(self, *, start: datetime, end: datetime, limit: int) -> Page:
        """Occurrences between two instants (recurrences expanded), in UTC, soonest first."""
        return await self._list(
            "/me/calendarView",
            limit=limit,
            params={
                "startDateTime": start.isoformat(),
                "endDateTime": end.isoformat(),
                "$select": EVENT_FIELDS,
                "$orderby": "start/dateTime",
            },
            headers={"Prefer": 'outlook.timezone="UTC"'},
        )

    async def create_event(self, event: dict[str, Any]) -> dict[str, Any]:
        response = await self.rest.request("POST", "/me/events", json=event)
        return response.json()

    async def event(self, event_id: str) -> dict[str, Any]:
        return await self.rest.get_json(
            f"/me/events/{_id(event_id)}",
            params={"$select": EVENT_FIELDS},
            headers={"Prefer": 'outlook.timezone="UTC"'},
        )

    async def update_event(self, event_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        response = await self.rest.request("PATCH", f"/me/events/{_id(event_id)}", json=changes)
        return response.json()

    async def meeting_transcript(self, join_url: str) -> str | None:
        """The latest transcript (WebVTT) of the online meeting with this join URL, or None
        when it has none. Transcripts exist only for meetings backed by a calendar event."""
        escaped = join_url.replace("'", "''")
        meetings = await self.rest.get_json(
            "/me/onlineMeetings", params={"$filter": f"JoinWebUrl eq '{escaped}'"}
        )
        if not meetings.get("value"):
            raise ServiceError(
                "Microsoft 365 has no online meeting with that join link for the connected "
                "account (transcripts are only available to the meeting's organiser).",
                status=404,
                code="meetingNotFound",
            )
        meeting = f"/me/onlineMeetings/{_id(meetings['value'][0]['id'])}"
        page = await self._list(
            f"{meeting}/transcripts", limit=PAGE_SIZE, params={"$select": "id,createdDateTime"}
        )
        if not page.items:
            return None
        latest = max(page.items, key=lambda t: t.get("createdDateTime") or "")
        response = await self.rest.request(
            "GET",
            f"{meeting}/transcripts/{_id(latest['id'])}/content",
            params={"$format": "text/vtt"},
        )
        return response.text

    # Files: OneDrive, SharePoint document libraries, Teams channels' folders

    async def sites(self, *, query: str | None, limit: int) -> Page:
        return await self._list(
            "/sites",
            limit=limit,
            params={"search": query or "*", "$select": "id,name,displayName,webUrl,description"},
        )

    async def children(
        self, drive: str, *, item_id: str | None = None, path: str | None = None, limit: int
    ) -> Page:
        return await self._list(
            f"{_item(drive, item_id, path)}/children",
            limit=limit,
            params={"$select": ITEM_FIELDS},
        )

    async def item(
        self, drive: str, *, item_id: str | None = None, path: str | None = None
    ) -> dict[str, Any]:
        return await self.rest.get_json(
            _item(drive, item_id, path), params={"$select": ITEM_FIELDS}
        )

    async def search_drive(self, drive: str, *, query: str, limit: int) -> Page:
        escaped = query.replace("'", "''")
        return await self._list(
            f"{drive}/root/search(q='{quote(escaped)}')",
            limit=limit,
            params={"$select": ITEM_FIELDS},
        )

    async def search_files(self, *, query: str, limit: int) -> Page:
        """Files across every site and drive the user can see (Microsoft Search)."""
        body = {
            "requests": [
                {
                    "entityTypes": ["driveItem"],
                    "query": {"queryString": query},
                    "from": 0,
                    "size": min(limit, 25),
                    "fields": ["id", "name", "webUrl", "size", "lastModifiedDateTime"],
                }
            ]
        }
        response = await self.rest.request("POST", "/search/query", json=body, idempotent=True)
        page = Page()
        for answer in response.json().get("value", []):
            for container in answer.get("hitsContainers", []):
                page.more = page.more or bool(container.get("moreResultsAvailable"))
                for hit in container.get("hits") or []:
                    page.items.append({"summary": hit.get("summary"), **hit.get("resource", {})})
        return page

    async def content(self, drive: str, item_id: str) -> tuple[dict[str, Any], bytes]:
        """A file's metadata and bytes, refused before download when too large to read."""
        item = await self.item(drive, item_id=item_id)
        if "folder" in item:
            raise UnreadableDocument(f"{item.get('name')!r} is a folder; list its files instead.")
        if (item.get("size") or 0) > MAX_DOCUMENT_BYTES:
            raise UnreadableDocument(
                f"{item.get('name')!r} is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB; "
                "open it in its application instead."
            )
        response = await self.rest.request("GET", f"{_item(drive, item_id)}/content")
        return item, response.content

    async def upload(
        self, drive: str, *, folder: str | None, name: str, data: bytes, content_type: str
    ) -> dict[str, Any]:
        """Put a file in a folder (by path), renamed if the name is taken: in one request up to
        4 MB, through an upload session in chunks above."""
        target = _item(drive, path="/".join(p for p in [(folder or "").strip("/"), name] if p))
        if len(data) <= SIMPLE_UPLOAD_BYTES:
            response = await self.rest.request(
                "PUT",
                f"{target}/content",
                params={"@microsoft.graph.conflictBehavior": "rename"},
                content=data,
                headers={"Content-Type": content_type},
            )
            return response.json()
        session = await self.rest.request(
            "POST",
            f"{target}/createUploadSession",
            json={"item": {"@microsoft.graph.conflictBehavior": "rename"}},
            idempotent=True,
        )
        upload_url = session.json()["uploadUrl"]
        total = len(data)
        response = None
        for start in range(0, total, UPLOAD_CHUNK_BYTES):
            chunk = data[start : start + UPLOAD_CHUNK_BYTES]
            # The upload URL carries its own authorisation: a Bearer token would be refused.
            response = await self.rest.request(
                "PUT",
                upload_url,
                content=chunk,
                headers={"Content-Range": f"bytes {start}-{start + len(chunk) - 1}/{total}"},
                authorize=False,
            )
        assert response is not None
        return response.json()

    async def create_folder(
        self, drive: str, *, parent_path: str | None, name: str
    ) -> dict[str, Any]:
        response = await self.rest.request(
            "POST",
            f"{_item(drive, path=parent_path)}/children",
            json={"name": name, "folder": {}, "@microsoft.graph.conflictBehavior": "rename"},
        )
        return response.json()

    async def create_link(self, drive: str, item_id: str, *, kind: str, scope: str) -> str:
        response = await self.rest.request(
            "POST",
            f"{_item(drive, item_id)}/createLink",
            json={"type": kind, "scope": scope},
            idempotent=True,  # the same link is answered when asked twice
        )
        return response.json()["link"]["webUrl"]

    async def invite(
        self, drive: str, item_id: str, *, emails: list[str], role: str, message: str | None
    ) -> list[dict[str, Any]]:
        body: dict[str, Any] = {
            "recipients": [{"email": e} for e in emails],
            "roles": [role],
            "requireSignIn": True,
            "sendInvitation": True,
        }
        if message:
            body["message"] = message
        response = await self.rest.request("POST", f"{_item(drive, item_id)}/invite", json=body)
        return response.json().get("value", [])

    # Teams

    async def joined_teams(self, *, limit: int) -> Page:
        return await self._list(
            "/me/joinedTeams", limit=limit, params={"$select": "id,displayName,description"}
        )

    async def channels(self, team_id: str) -> list[dict[str, Any]]:
        page = await self._list(
            f"/teams/{_id(team_id)}/channels",
            limit=PAGE_SIZE,
            params={"$select": "id,displayName,membershipType"},
        )
        return page.items

    async def channel_folder(self, team_id: str, channel_id: str | None) -> dict[str, Any]:
        """The folder of a channel's files (the team's General channel when none is named)."""
        channel = f"channels/{_id(channel_id)}" if channel_id else "primaryChannel"
        return await self.rest.get_json(f"/teams/{_id(team_id)}/{channel}/filesFolder")
