"""A stand-in for the parts of Gmail (/gmail/v1), Google Calendar (/calendar/v3) and Google
Drive (/drive/v3, /upload/drive/v3) the MCP server uses, with their documented shapes: lists
paged with `maxResults`/`pageSize`, `pageToken` and `nextPageToken`; messages as MIME payloads
with base64url bodies; `raw` RFC 2822 messages to send; Meet links from a conferenceData
createRequest; Docs exported as text; multipart uploads; 401 for an unknown token and 429
(with Retry-After) when a test throttles. Each Google account sees only its own data: the
account comes from the access token (GoogleIdentity.account_for)."""

import base64
import email
import email.policy
import itertools
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.standins import google_calendar
from tests.standins.google import GoogleAccount, GoogleIdentity, api_error

GOOGLE_DOC = "application/vnd.google-apps.document"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@dataclass
class Mailbox:
    messages: list[dict[str, Any]] = field(default_factory=list)
    sent: list[email.message.EmailMessage] = field(default_factory=list)
    drafts: list[email.message.EmailMessage] = field(default_factory=list)
    calendar: google_calendar.GoogleCalendar = field(default_factory=google_calendar.GoogleCalendar)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    contents: dict[str, bytes] = field(default_factory=dict)
    permissions: list[dict[str, Any]] = field(default_factory=list)


class GoogleAPIs:
    def __init__(self, identity: GoogleIdentity) -> None:
        self.identity = identity
        self.ids = itertools.count(1)
        self.boxes: dict[str, Mailbox] = {}
        self.throttle = 0  # answer this many requests 429 first
        self.requests: list[str] = []
        self.sessions: dict[str, tuple[dict[str, Any], str]] = {}  # resumable uploads
        self.channels: dict[str, dict[str, Any]] = {}  # watch channels, by id

    def box(self, account: GoogleAccount) -> Mailbox:
        return self.boxes.setdefault(account.sub, Mailbox())

    def _id(self) -> str:
        return f"{next(self.ids):016x}"

    # What tests seed.

    def add_message(
        self, account: GoogleAccount, *, subject: str, sender: str, text: str, html: bool = False
    ) -> str:
        mid = self._id()
        body = {"size": len(text), "data": b64url(text.encode())}
        part = {"partId": "0", "mimeType": "text/html" if html else "text/plain", "body": body}
        self.box(account).messages.insert(
            0,
            {
                "id": mid,
                "threadId": mid,
                "labelIds": ["INBOX", "UNREAD"],
                "snippet": re.sub("<[^>]+>", "", text)[:100],
                "payload": {
                    "mimeType": "multipart/mixed",
                    "headers": [
                        {"name": "From", "value": sender},
                        {"name": "To", "value": account.email},
                        {"name": "Subject", "value": subject},
                        {"name": "Date", "value": "Tue, 1 Dec 2026 09:00:00 +0000"},
                    ],
                    "body": {"size": 0},
                    "parts": [
                        {
                            "partId": "0",
                            "mimeType": "multipart/alternative",
                            "body": {"size": 0},
                            "parts": [part],
                        },
                        {
                            "partId": "1",
                            "mimeType": "application/pdf",
                            "filename": "quote.pdf",
                            "body": {"attachmentId": "a1", "size": 10},
                        },
                    ],
                },
            },
        )
        return mid

    def add_file(
        self, account: GoogleAccount, name: str, data: bytes, mime: str, parent: str = "root"
    ) -> str:
        fid = self._id()
        self.box(account).files[fid] = {
            "id": fid,
            "name": name,
            "mimeType": mime,
            "modifiedTime": datetime.now(UTC).isoformat(),
            "webViewLink": f"https://docs.google.com/file/d/{fid}/view",
            "parents": [parent],
            **({} if mime == GOOGLE_DOC else {"size": str(len(data))}),
        }
        self.box(account).contents[fid] = data
        return fid

    def routes(self) -> list[Route]:
        g, c, d = "/gmail/v1/users/me", "/calendar/v3", "/drive/v3"
        return [
            Route(f"{g}/messages", self.list_messages, methods=["GET"]),
            Route(f"{g}/messages/send", self.send, methods=["POST"]),
            Route(f"{g}/messages/{{id}}", self.get_message, methods=["GET"]),
            Route(f"{g}/drafts", self.draft, methods=["POST"]),
            Route(f"{g}/labels", self.labels, methods=["GET"]),
            Route(f"{c}/users/me/calendarList", self.calendars, methods=["GET"]),
            Route(f"{c}/calendars/{{cal}}/events", self.events, methods=["GET", "POST"]),
            Route(f"{c}/calendars/{{cal}}/events/{{id}}/instances", self.instances),
            Route(f"{c}/calendars/{{cal}}/events/watch", self.watch, methods=["POST"]),
            Route(f"{c}/channels/stop", self.stop, methods=["POST"]),
            Route(
                f"{c}/calendars/{{cal}}/events/{{id}}",
                self.event,
                methods=["GET", "PATCH", "DELETE"],
            ),
            Route(f"{d}/files", self.list_files, methods=["GET"]),
            Route(f"{d}/files/{{id}}", self.get_file, methods=["GET"]),
            Route(f"{d}/files/{{id}}/export", self.export, methods=["GET"]),
            Route(f"{d}/files/{{id}}/permissions", self.share, methods=["POST"]),
            Route("/upload/drive/v3/files", self.upload, methods=["POST", "PUT"]),
        ]

    async def _who(self, request: Request) -> tuple[Mailbox, GoogleAccount] | Response:
        self.requests.append(f"{request.method} {request.url.path}?{request.url.query}")
        if self.throttle:
            self.throttle -= 1
            response = api_error(
                429,
                "Quota exceeded for quota metric 'Queries'.",
                "RESOURCE_EXHAUSTED",
                "rateLimitExceeded",
            )
            response.headers["Retry-After"] = "0"
            return response
        account = self.identity.account_for(request)
        if isinstance(account, Response):
            return account
        return self.box(account), account

    @staticmethod
    def _page(request: Request, items: list[Any], key: str, size_param: str) -> dict[str, Any]:
        size = int(request.query_params.get(size_param, 100))
        start = int(request.query_params.get("pageToken") or 0)
        body: dict[str, Any] = {key: items[start : start + size]}
        if start + size < len(items):
            body["nextPageToken"] = str(start + size)
        return body

    # Gmail

    async def list_messages(self, request: Request) -> Response:
        who = await self._who(request)
        if isinstance(who, Response):
            return who
        box, _ = who
        words = [w for w in request.query_params.get("q", "").lower().split() if ":" not in w]
        found = [
            {"id": m["id"], "threadId": m["threadId"]}
            for m in box.messages
            if all(w in json.dumps(m).lower() or w in _text(m).lower() for w in words)
        ]
        body = self._page(request, found, "messages", "maxResults")
        body["resultSizeEstimate"] = len(found)
        return JSONResponse(body)

    async def get_message(self, request: Request) -> Response:
        who = await self._who(request)
        if isinstance(who, Response):
            return who
        box, _ = who
        found = next((m for m in box.messages if m["id"] == request.path_params["id"]), None)
        if found is None:
            return api_error(404, "Requested entity was not found.", "NOT_FOUND", "notFound")
        if request.query_params.get("format") == "metadata":
            wanted = {h.lower() for h in request.query_params.getlist("metadataHeaders")}
            headers = [h for h in found["payload"]["headers"] if h["name"].lower() in wanted]
            return JSONResponse(
                {
                    **{k: found[k] for k in ("id", "threadId", "labelIds", "snippet")},
                    "payload": {"headers": headers},
                }
            )
        return JSONResponse(found)

    async def _raw(self, request: Request, raw: dict[str, Any]) -> email.message.EmailMessage:
        data = base64.urlsafe_b64decode(raw["raw"] + "=" * (-len(raw["raw"]) % 4))
        return email.message_from_bytes(data, policy=email.policy.default)  # type: ignore[return-value]

    async def send(self, request: Request) -> Response:
        who = await self._who(request)
        if isinstance(who, Response):
            return who
        box, _ = who
        box.sent.append(await self._raw(request, await request.json()))
        mid = self._id()
        return JSONResponse({"id": mid, "threadId": mid, "labelIds": ["SENT"]})

    async def draft(self, request: Request) -> Response:
        who = await self._who(request)
        if isinstance(who, Response):
            return who
        box, _ = who
        box.drafts.append(await self._raw(request, (await request.json())["message"]))
        mid = self._id()
        return JSONResponse(
            {"id": f"r-{mid}", "message": {"id": mid, "threadId": mid, "labelIds": ["DRAFT"]}}
        )

    async def labels(self, request: Request) -> Response:
        who = await self._who(request)
        if isinstance(who, Response):
            return who
        return JSONResponse(
            {
                "labels": [
                    {"id": "INBOX", "name": "INBOX", "type": "system"},
                    {"id": "SENT", "name": "SENT", "type": "system"},
                    {"id": "Label_1", "name": "Clients", "type": "user"},
                ]
            }
        )

    # Calendar

    async def calendars(self, request: Request) -> Response:
        who = await self._who(request)
        if isinstance(who, Response):
            return who
        _, account = who
        items = [
            {
                "kind": "calendar#calendarListEntry",
                "id": account.email,
                "summary": account.email,
                "primary": True,
                "accessRole": "owner",
                "timeZone": "Europe/London",
            },
            {
                "kind": "calendar#calendarListEntry",
                "id": "en.uk#holiday@group.v.calendar.google.com",
                "summary": "Holidays",
                "accessRole": "reader",
                "timeZone": "Europe/London",
            },
        ]
        return JSONResponse(
            {"kind": "calendar#calendarList", **self._page(request, items, "items", "maxResults")}
        )

    events = google_calendar.events
    watch = google_calendar.watch
    stop = google_calendar.stop
    event = google_calendar.event
    instances = google_calendar.instances

    # Drive

    async def list_files(self, request: Request) -> Response:
        who = await self._who(request)
        if isinstance(who, Response):
            return who
        box, _ = who
        q = request.query_params.get("q", "")
        files = list(box.files.values())
        if m := re.search(r"fullText contains '((?:[^'\\]|\\.)*)'", q):
            word = m.group(1).replace("\\'", "'").lower()
            files = [
                f
                for f in files
                if word in f["name"].lower()
                or word in box.contents[f["id"]].decode("utf-8", "ignore").lower()
            ]
        if m := re.search(r"'([^']*)' in parents", q):
            files = [f for f in files if m.group(1) in f["parents"]]
        files.sort(key=lambda f: f["modifiedTime"], reverse=True)
        return JSONResponse(
            {"kind": "drive#fileList", **self._page(request, files, "files", "pageSize")}
        )

    async def _file(self, request: Request) -> tuple[Mailbox, dict[str, Any]] | Response:
        who = await self._who(request)
        if isinstance(who, Response):
            return who
        box, _ = who
        found = box.files.get(request.path_params["id"])
        if found is None:
            return api_error(
                404, f"File not found: {request.path_params['id']}.", "NOT_FOUND", "notFound"
            )
        return box, found

    async def get_file(self, request: Request) -> Response:
        found = await self._file(request)
        if isinstance(found, Response):
            return found
        box, meta = found
        if request.query_params.get("alt") == "media":
            if meta["mimeType"].startswith("application/vnd.google-apps."):
                return api_error(
                    403,
                    "Only files with binary content can be downloaded. Use Export with Docs "
                    "Editors files.",
                    "PERMISSION_DENIED",
                    "fileNotDownloadable",
                )
            return Response(box.contents[meta["id"]], media_type=meta["mimeType"])
        return JSONResponse(meta)

    async def export(self, request: Request) -> Response:
        found = await self._file(request)
        if isinstance(found, Response):
            return found
        box, meta = found
        return Response(box.contents[meta["id"]], media_type=request.query_params["mimeType"])

    async def share(self, request: Request) -> Response:
        found = await self._file(request)
        if isinstance(found, Response):
            return found
        box, meta = found
        body = await request.json()
        permission = {"kind": "drive#permission", "id": self._id(), **body, "file": meta["id"]}
        box.permissions.append(permission)
        return JSONResponse(permission)

    async def upload(self, request: Request) -> Response:
        who = await self._who(request)
        if isinstance(who, Response):
            return who
        _, account = who
        kind = request.query_params.get("uploadType")
        if kind == "resumable" and request.method == "POST":
            upload_id = self._id()
            self.sessions[upload_id] = (
                await request.json(),
                request.headers.get("x-upload-content-type", "application/octet-stream"),
            )
            location = f"{request.url.replace(query='')}?uploadType=resumable&upload_id={upload_id}"
            return Response(status_code=200, headers={"Location": location})
        if kind == "resumable":
            found = self.sessions.pop(request.query_params.get("upload_id", ""), None)
            if found is None:
                return api_error(404, "Upload session not found.", "NOT_FOUND", "notFound")
            metadata, mime = found
            parent = (metadata.get("parents") or ["root"])[0]
            fid = self.add_file(account, metadata["name"], await request.body(), mime, parent)
            return JSONResponse(self.box(account).files[fid])
        if kind != "multipart" or len(await request.body()) > 5 * 1024 * 1024 + 4096:
            return api_error(400, "Invalid multipart upload.", "INVALID_ARGUMENT", "badRequest")
        boundary = request.headers["content-type"].split("boundary=")[1].encode()
        parts = (await request.body()).split(b"--" + boundary)
        metadata = json.loads(parts[1].split(b"\r\n\r\n", 1)[1].strip())
        head, data = parts[2].split(b"\r\n\r\n", 1)
        mime = head.decode().split("Content-Type:")[1].strip()
        fid = self.add_file(
            account, metadata["name"], data[:-2], mime, (metadata.get("parents") or ["root"])[0]
        )
        return JSONResponse(self.box(account).files[fid])


def _text(message: dict[str, Any]) -> str:
    def walk(part: dict[str, Any]) -> str:
        data = (part.get("body") or {}).get("data")
        own = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)).decode() if data else ""
        return own + "".join(walk(p) for p in part.get("parts") or [])

    return walk(message["payload"])


def _instant(value: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(value.get("dateTime") or value["date"])
