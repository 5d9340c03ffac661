"""Gmail, Google Calendar and Google Drive over plain httpx as one user (their access token),
through the shared RestClient: every list asks only for the fields a model needs (`fields=`),
follows `nextPageToken` up to a cap, and Google's errors reach the user as sentences."""

import asyncio
import base64
import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote

import httpx

from crm.integrations.documents import MAX_DOCUMENT_BYTES, UnreadableDocument, html_text
from crm.integrations.http import Page, RestClient

SERVICE = "Google Workspace"
PAGE_SIZE = 50
MULTIPART_MAX_BYTES = 5 * 1024 * 1024  # Google's limit for one multipart upload; then resumable
GMAIL, CALENDAR, DRIVE = "/gmail/v1/users/me", "/calendar/v3", "/drive/v3"
FILE_FIELDS = "id,name,mimeType,size,modifiedTime,webViewLink,parents"
EVENT_FIELDS = (
    "id,summary,start,end,location,attendees(email),organizer(email),htmlLink,hangoutLink"
)
# Google's own formats exported as text: Docs and Slides as plain text, Sheets as CSV.
EXPORTS = {
    "application/vnd.google-apps.document": "text/plain",
    "application/vnd.google-apps.presentation": "text/plain",
    "application/vnd.google-apps.spreadsheet": "text/csv",
}
FOLDER = "application/vnd.google-apps.folder"

_REASONS = {
    "authError": (
        "Google did not accept the connection's access token; it may have expired. Reconnect "
        "Google Workspace in Settings → Integrations if this persists."
    ),
    "insufficientPermissions": (
        "Google refused: this permission was not granted when connecting (a box left unticked "
        "at consent). Reconnect Google Workspace and tick every box."
    ),
    "ACCESS_TOKEN_SCOPE_INSUFFICIENT": (
        "Google refused: this permission was not granted when connecting (a box left unticked "
        "at consent). Reconnect Google Workspace and tick every box."
    ),
    "notFound": "Google has no such item; it may have been deleted, or it is not shared with you.",
    "deleted": "Google has no such item any more: it was deleted.",
    "rateLimitExceeded": "Google is limiting requests right now; try again in a minute.",
    "userRateLimitExceeded": "Google is limiting requests right now; try again in a minute.",
    "storageQuotaExceeded": "The Google account's storage is full.",
    "exportSizeLimitExceeded": "The Google document is too large for Google to export as text.",
    "invalidSharingRequest": "Google refused to share the file with that address.",
}


def explain(status: int, code: str | None, message: str | None) -> str | None:
    """Google's error in words (its `reason` or `status`), or None to fall back on the status."""
    if code in _REASONS:
        return _REASONS[code]
    if status == 401:
        return _REASONS["authError"]
    if status == 400 and message:
        return f"Google refused the request: {message.rstrip('.')}."
    return None


def _next(path: str, params: Mapping[str, Any]):  # type: ignore[no-untyped-def]
    def follow(body: dict[str, Any]) -> tuple[str, Mapping[str, Any]] | None:
        token = body.get("nextPageToken")
        return (path, {**params, "pageToken": token}) if token else None

    return follow


def _quoted(value: str) -> str:
    """A value inside a Drive query's single quotes."""
    return value.replace("\\", "\\\\").replace("'", "\\'")


def mime_message(
    *, to: list[str], cc: list[str], subject: str, body: str, html: bool
) -> dict[str, str]:
    """The `raw` RFC 2822 message Gmail wants, base64url (Gmail sets From to the account)."""
    message = EmailMessage()
    message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Subject"] = subject
    message.set_content(body, subtype="html" if html else "plain")
    return {"raw": base64.urlsafe_b64encode(message.as_bytes()).decode()}


def message_text(payload: dict[str, Any]) -> str:
    """A Gmail message's body as text: its text/plain part, else its text/html part as text."""
    found: dict[str, str] = {}

    def walk(part: dict[str, Any]) -> None:
        mime, data = part.get("mimeType", ""), (part.get("body") or {}).get("data")
        if data and mime in ("text/plain", "text/html") and mime not in found:
            found[mime] = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)).decode(
                "utf-8", "replace"
            )
        for child in part.get("parts") or []:
            walk(child)

    walk(payload)
    if "text/plain" in found:
        return found["text/plain"]
    return html_text(found["text/html"]) if "text/html" in found else ""


def attachments(payload: dict[str, Any]) -> list[str]:
    names: list[str] = []

    def walk(part: dict[str, Any]) -> None:
        if part.get("filename"):
            names.append(part["filename"])
        for child in part.get("parts") or []:
            walk(child)

    walk(payload)
    return names


class GoogleAPI:
    """Google's REST APIs as the user whose access token this client sends."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, token: str) -> None:
        self.rest = RestClient(http, base_url, token, service=SERVICE, explain=explain)

    async def _list(self, path: str, *, key: str, limit: int, params: dict[str, Any]) -> Page:
        return await self.rest.collect(
            path, params=params, limit=limit, items_key=key, next_page=_next(path, params)
        )

    async def userinfo(self) -> dict[str, Any]:
        return await self.rest.get_json("/oauth2/v3/userinfo")

    # Gmail

    async def search_messages(self, *, query: str | None, limit: int) -> Page:
        params: dict[str, Any] = {
            "maxResults": min(limit, PAGE_SIZE),
            "fields": "messages(id),nextPageToken",
        }
        if query:
            params["q"] = query
        page = await self._list(f"{GMAIL}/messages", key="messages", limit=limit, params=params)
        page.items = list(
            await asyncio.gather(*(self.message(m["id"], full=False) for m in page.items))
        )
        return page

    async def message(self, message_id: str, *, full: bool = True) -> dict[str, Any]:
        params: dict[str, Any] = {"format": "full" if full else "metadata"}
        if not full:
            params["metadataHeaders"] = ["From", "To", "Subject", "Date"]
            params["fields"] = "id,threadId,snippet,labelIds,payload/headers"
        return await self.rest.get_json(
            f"{GMAIL}/messages/{quote(message_id, safe='')}", params=params
        )

    async def send(self, raw: dict[str, str]) -> dict[str, Any]:
        return (await self.rest.request("POST", f"{GMAIL}/messages/send", json=raw)).json()

    async def draft(self, raw: dict[str, str]) -> dict[str, Any]:
        response = await self.rest.request("POST", f"{GMAIL}/drafts", json={"message": raw})
        return response.json()

    async def labels(self) -> list[dict[str, Any]]:
        return (await self.rest.get_json(f"{GMAIL}/labels")).get("labels") or []

    # Calendar

    async def calendars(self, *, limit: int) -> Page:
        params = {
            "maxResults": min(limit, PAGE_SIZE),
            "fields": "items(id,summary,primary,accessRole,timeZone),nextPageToken",
        }
        return await self._list(
            f"{CALENDAR}/users/me/calendarList", key="items", limit=limit, params=params
        )

    def _events(self, calendar_id: str) -> str:
        return f"{CALENDAR}/calendars/{quote(calendar_id, safe='@.')}/events"

    async def events(
        self, *, calendar_id: str, start: datetime, end: datetime, query: str | None, limit: int
    ) -> Page:
        params: dict[str, Any] = {
            "timeMin": start.isoformat(),
            "timeMax": end.isoformat(),
            "singleEvents": "true",
            "orderBy": "startTime",
            "maxResults": min(limit, PAGE_SIZE),
            "fields": f"items({EVENT_FIELDS}),nextPageToken",
        }
        if query:
            params["q"] = query
        return await self._list(self._events(calendar_id), key="items", limit=limit, params=params)

    async def create_event(
        self, calendar_id: str, event: dict[str, Any], *, meet: bool
    ) -> dict[str, Any]:
        params = {"sendUpdates": "all", "fields": EVENT_FIELDS}
        if meet:
            event = {
                **event,
                "conferenceData": {
                    "createRequest": {
                        "requestId": uuid.uuid4().hex,
                        "conferenceSolutionKey": {"type": "hangoutsMeet"},
                    }
                },
            }
            params["conferenceDataVersion"] = "1"
        response = await self.rest.request(
            "POST", self._events(calendar_id), params=params, json=event
        )
        return response.json()

    async def update_event(
        self, calendar_id: str, event_id: str, changes: dict[str, Any]
    ) -> dict[str, Any]:
        response = await self.rest.request(
            "PATCH",
            f"{self._events(calendar_id)}/{quote(event_id, safe='')}",
            params={"sendUpdates": "all", "fields": EVENT_FIELDS},
            json=changes,
        )
        return response.json()

    async def delete_event(self, calendar_id: str, event_id: str) -> None:
        await self.rest.request(
            "DELETE",
            f"{self._events(calendar_id)}/{quote(event_id, safe='')}",
            params={"sendUpdates": "all"},
        )

    # Drive

    async def files(self, *, query: str, limit: int) -> Page:
        params = {
            "q": f"({query}) and trashed = false" if query else "trashed = false",
            "pageSize": min(limit, PAGE_SIZE),
            "fields": f"files({FILE_FIELDS}),nextPageToken",
            "orderBy": "modifiedTime desc" if "fullText" not in query else None,
        }
        params = {k: v for k, v in params.items() if v is not None}
        return await self._list(f"{DRIVE}/files", key="files", limit=limit, params=params)

    async def search_files(self, *, words: str, limit: int) -> Page:
        return await self.files(query=f"fullText contains '{_quoted(words)}'", limit=limit)

    async def list_files(self, *, folder_id: str | None, limit: int) -> Page:
        return await self.files(query=f"'{_quoted(folder_id or 'root')}' in parents", limit=limit)

    async def file(self, file_id: str) -> dict[str, Any]:
        return await self.rest.get_json(
            f"{DRIVE}/files/{quote(file_id, safe='')}", params={"fields": FILE_FIELDS}
        )

    async def content(self, meta: dict[str, Any]) -> bytes:
        """A file's bytes: Google's own formats exported as text, others downloaded (within
        MAX_DOCUMENT_BYTES)."""
        path = f"{DRIVE}/files/{quote(meta['id'], safe='')}"
        mime = meta.get("mimeType", "")
        if mime in EXPORTS:
            response = await self.rest.request(
                "GET", f"{path}/export", params={"mimeType": EXPORTS[mime]}
            )
            return response.content
        if mime.startswith("application/vnd.google-apps."):
            raise UnreadableDocument(f"“{meta.get('name')}” is a Google item with no text to read.")
        if int(meta.get("size") or 0) > MAX_DOCUMENT_BYTES:
            raise UnreadableDocument(
                f"“{meta.get('name')}” is larger than {MAX_DOCUMENT_BYTES // 2**20} MB; "
                "open it in Google Drive instead."
            )
        return (await self.rest.request("GET", path, params={"alt": "media"})).content

    async def upload(
        self, *, name: str, data: bytes, folder_id: str | None, mime: str
    ) -> dict[str, Any]:
        """A multipart upload (metadata, then the bytes) to /upload/drive/v3, or above 5 MB a
        resumable one (a session for the metadata, then the bytes in one PUT)."""
        metadata: dict[str, Any] = {"name": name}
        if folder_id:
            metadata["parents"] = [folder_id]
        path, params = "/upload/drive/v3/files", {"fields": FILE_FIELDS}
        if len(data) > MULTIPART_MAX_BYTES:
            session = await self.rest.request(
                "POST",
                path,
                params={**params, "uploadType": "resumable"},
                json=metadata,
                headers={"X-Upload-Content-Type": mime},
            )
            response = await self.rest.request(
                "PUT", session.headers["Location"], content=data, headers={"Content-Type": mime}
            )
            return response.json()
        boundary = uuid.uuid4().hex
        body = (
            (
                f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n"
                f"{json.dumps(metadata)}\r\n--{boundary}\r\nContent-Type: {mime}\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        response = await self.rest.request(
            "POST",
            path,
            params={**params, "uploadType": "multipart"},
            content=body,
            headers={"Content-Type": f"multipart/related; boundary={boundary}"},
        )
        return response.json()

    async def share(
        self, file_id: str, *, email: str, role: str, message: str | None
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"sendNotificationEmail": "true", "fields": "id,role,emailAddress"}
        if message:
            params["emailMessage"] = message
        response = await self.rest.request(
            "POST",
            f"{DRIVE}/files/{quote(file_id, safe='')}/permissions",
            params=params,
            json={"type": "user", "role": role, "emailAddress": email},
        )
        return response.json()
