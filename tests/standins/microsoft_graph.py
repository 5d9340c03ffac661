"""A stand-in for Microsoft Graph v1.0, served over HTTP, following the documented requests and
responses of the endpoints the CRM's Graph client uses: mail, calendar and events, online
meetings and their transcripts, sites, drives and their items (children, content, search,
upload sessions, sharing), Microsoft Search, joined teams and channels' files folders.

Each access token opens one account, seeded by the test. Like Graph: an unknown token is 401
InvalidAuthenticationToken, a missing item 404 ErrorItemNotFound / itemNotFound, lists honour
$top (up to a page size the stand-in caps, as Graph does) and $select and page with
@odata.nextLink; 429 with Retry-After can be triggered; upload URLs refuse an Authorization
header, as Graph's pre-authenticated URLs do."""

import html
import itertools
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, ClassVar
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.standins.graph_calendar import EVENT_ROUTE, ROUTES, CalendarFailure, CalendarRoutes

_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}-{uuid.uuid4().hex[:8]}"


def graph_error(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    body = {
        "error": {
            "code": code,
            "message": message,
            "innerError": {"date": datetime.now(UTC).isoformat(), "request-id": str(uuid.uuid4())},
        }
    }
    return JSONResponse(body, status_code=status, headers=headers)


class GraphFailure(Exception):
    def __init__(self, status: int, code: str, message: str, inner: str | None = None) -> None:
        self.response = graph_error(status, code, message)
        if inner:
            body = {"error": {"code": code, "message": message, "innerError": {"code": inner}}}
            self.response = JSONResponse(body, status_code=status)


def not_found(what: str = "The specified object was not found in the store.") -> GraphFailure:
    return GraphFailure(404, "ErrorItemNotFound", what)


@dataclass
class Drive:
    id: str
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    contents: dict[str, bytes] = field(default_factory=dict)
    permissions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root = self._add({"name": "root", "folder": {"childCount": 0}}, None)

    def _add(self, item: dict[str, Any], parent: str | None) -> str:
        item_id = new_id("item")
        item = {
            "id": item_id,
            "lastModifiedDateTime": datetime.now(UTC).isoformat(),
            "webUrl": f"https://contoso.sharepoint.test/{self.id}/{item['name']}",
            **item,
        }
        if parent is not None:
            item["parentReference"] = {"driveId": self.id, "id": parent, "path": self.path(parent)}
        self.items[item_id] = item
        return item_id

    def path(self, item_id: str) -> str:
        names: list[str] = []
        current: str | None = item_id
        while current and current != self.root:
            names.append(self.items[current]["name"])
            current = self.items[current].get("parentReference", {}).get("id")
        return "/drive/root:" + "".join(f"/{n}" for n in reversed(names))

    def children(self, parent: str) -> list[dict[str, Any]]:
        return [i for i in self.items.values() if i.get("parentReference", {}).get("id") == parent]

    def find(self, path: str) -> str:
        current = self.root
        for name in [p for p in path.strip("/").split("/") if p]:
            match = [c for c in self.children(current) if c["name"].lower() == name.lower()]
            if not match:
                raise GraphFailure(404, "itemNotFound", "The resource could not be found.")
            current = match[0]["id"]
        return current

    def folder(self, path: str) -> str:
        """The folder at path, created with its parents (for seeding)."""
        current = self.root
        for name in [p for p in path.strip("/").split("/") if p]:
            match = [c for c in self.children(current) if c["name"] == name]
            current = match[0]["id"] if match else self._add({"name": name, "folder": {}}, current)
        return current

    def put(self, parent: str, name: str, data: bytes, *, rename: bool = True) -> dict[str, Any]:
        taken = {c["name"]: c for c in self.children(parent)}
        if not rename and name in taken:  # conflictBehavior "replace", Graph's default here
            item = taken[name]
            item["size"] = len(data)
            self.contents[item["id"]] = data
            return item
        final = name
        if rename:
            stem, dot, suffix = name.rpartition(".")
            n = 1
            while final in taken:
                final = f"{stem} {n}.{suffix}" if dot else f"{name} {n}"
                n += 1
        item_id = self._add(
            {"name": final, "size": len(data), "file": {"mimeType": mime(final)}}, parent
        )
        self.contents[item_id] = data
        return self.items[item_id]

    def add_file(self, path: str, data: bytes) -> dict[str, Any]:
        folder, _, name = path.strip("/").rpartition("/")
        return self.put(self.folder(folder), name, data, rename=False)


def mime(name: str) -> str:
    suffix = name.rpartition(".")[2].lower()
    return {
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "pdf": "application/pdf",
        "txt": "text/plain",
    }.get(suffix, "application/octet-stream")


@dataclass
class Account:
    """One user's mailbox, calendar, OneDrive, sites, teams and meetings."""

    token: str
    mail: str
    name: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    messages: list[dict[str, Any]] = field(default_factory=list)
    folders: list[dict[str, Any]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    meetings: list[dict[str, Any]] = field(default_factory=list)
    transcripts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    transcripts_disabled: bool = False
    sites: list[dict[str, Any]] = field(default_factory=list)
    teams: list[dict[str, Any]] = field(default_factory=list)
    onedrive: Drive = field(default_factory=lambda: Drive(new_id("drive")))
    calendars: Any = None  # graph_calendar.Calendars, made on first use

    def __post_init__(self) -> None:
        for name in ("Inbox", "Sent Items", "Drafts"):
            self.folders.append(
                {
                    "id": new_id("folder"),
                    "displayName": name,
                    "wellKnownName": name.lower().replace(" ", ""),
                }
            )

    def folder_id(self, name_or_id: str) -> str:
        for folder in self.folders:
            if name_or_id in (folder["id"], folder["wellKnownName"]):
                return folder["id"]
        raise not_found()

    def add_message(
        self,
        *,
        subject: str,
        sender: str,
        body: str,
        received: datetime,
        html_body: bool = False,
        folder: str = "inbox",
        to: list[str] | None = None,
        attachments: list[tuple[str, int]] | None = None,
    ) -> dict[str, Any]:
        text = re.sub(r"<[^>]+>", " ", body) if html_body else body
        message = {
            "id": new_id("AAMk"),
            "subject": subject,
            "from": {"emailAddress": {"name": sender.split("@")[0].title(), "address": sender}},
            "toRecipients": [{"emailAddress": {"address": a}} for a in (to or [self.mail])],
            "ccRecipients": [],
            "receivedDateTime": received.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "bodyPreview": " ".join(html.unescape(text).split())[:255],
            "body": {"contentType": "html" if html_body else "text", "content": body},
            "isRead": False,
            "hasAttachments": bool(attachments),
            "attachments": [
                {"id": new_id("att"), "name": n, "contentType": mime(n), "size": s}
                for n, s in attachments or []
            ],
            "parentFolderId": self.folder_id(folder),
            "webLink": "https://outlook.office365.test/owa/?ItemID=x",
            "conversationId": new_id("conv"),
        }
        self.messages.append(message)
        return message

    def add_event(
        self,
        *,
        subject: str,
        start: datetime,
        end: datetime,
        online: bool = False,
        **more: Any,
    ) -> dict[str, Any]:
        return CalendarRoutes.calendars_of(self).create(
            {
                "subject": subject,
                "start": {"dateTime": _utc(start), "timeZone": "UTC"},
                "end": {"dateTime": _utc(end), "timeZone": "UTC"},
                "isOnlineMeeting": online,
                **more,
            }
        )

    def _create_event(self, body: dict[str, Any]) -> dict[str, Any]:
        event_id = new_id("AAMkEvent")
        event = {
            "id": event_id,
            "subject": body.get("subject"),
            "start": body["start"],
            "end": body["end"],
            "location": body.get("location") or {"displayName": ""},
            "organizer": {"emailAddress": {"name": self.name, "address": self.mail}},
            "attendees": [
                {**a, "status": {"response": "none", "time": "0001-01-01T00:00:00Z"}}
                for a in body.get("attendees") or []
            ],
            "isOnlineMeeting": bool(body.get("isOnlineMeeting")),
            "onlineMeeting": None,
            "webLink": f"https://outlook.office365.test/calendar/item/{event_id}",
            "body": body.get("body") or {"contentType": "text", "content": ""},
        }
        if event["isOnlineMeeting"]:
            join = f"https://teams.microsoft.test/l/meetup-join/19%3ameeting_{uuid.uuid4().hex}%40thread.v2/0"
            event["onlineMeeting"] = {"joinUrl": join}
            self.meetings.append(
                {"id": new_id("MSo"), "joinWebUrl": join, "subject": event["subject"]}
            )
        self.events[event_id] = event
        return event

    def add_transcript(self, join_url: str, vtt: str) -> None:
        meeting = next(m for m in self.meetings if m["joinWebUrl"] == join_url)
        self.transcripts.setdefault(meeting["id"], []).append(
            {"id": new_id("MSMj"), "createdDateTime": datetime.now(UTC).isoformat(), "content": vtt}
        )

    def add_site(self, name: str) -> tuple[dict[str, Any], Drive]:
        drive = Drive(new_id("b!drive"))
        site = {
            "id": f"contoso.sharepoint.test,{uuid.uuid4()},{uuid.uuid4()}",
            "name": name.replace(" ", ""),
            "displayName": name,
            "webUrl": f"https://contoso.sharepoint.test/sites/{name.replace(' ', '')}",
            "description": "",
            "drive": drive,
        }
        self.sites.append(site)
        return site, drive

    def add_team(self, name: str, channels: list[str]) -> dict[str, Any]:
        drive = Drive(new_id("b!team"))
        team = {
            "id": str(uuid.uuid4()),
            "displayName": name,
            "description": f"{name} team",
            "drive": drive,
        }
        team["channels"] = [
            {
                "id": f"19:{uuid.uuid4().hex}@thread.tacv2",
                "displayName": c,
                "membershipType": "standard",
                "folder": drive.folder(c),
            }
            for c in channels
        ]
        self.teams.append(team)
        return team


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + ".0000000"


def _parse_time(value: str) -> datetime:
    """Graph's dateTime (seven decimals, no offset: UTC here) or an ISO 8601 instant."""
    moment = datetime.fromisoformat(re.sub(r"\.\d+", "", value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


INTERNAL = frozenset({"drive", "channels", "attachments"})


def _select(item: dict[str, Any], select: str | None) -> dict[str, Any]:
    """The item as Graph answers it: every property, or those in $select (and the id)."""
    if not select:
        return {k: v for k, v in item.items() if k not in INTERNAL}
    fields = {f.strip() for f in select.split(",")} | {"id", "singleValueExtendedProperties"}
    return {k: v for k, v in item.items() if k in fields}


class GraphStandIn(CalendarRoutes):
    """The stand-in's state and its Starlette app; mount it at /v1.0 through `app`."""

    def __init__(self, *, max_page_size: int = 10, identity: Any = None) -> None:
        # With `identity` (a MicrosoftIdentity served on the same StandInServer), the tokens it
        # issues open the mailbox of their account too, as Graph accepts the platform's tokens.
        self.identity = identity
        self.by_mail: dict[str, Account] = {}
        self.accounts: dict[str, Account] = {}
        self.max_page_size = max_page_size
        self.requests: list[tuple[str, str]] = []
        self.throttled = 0
        self.delta_prefers: list[str] = []  # each calendarView/delta request's Prefer header
        self.subscriptions: dict[str, dict[str, Any]] = {}  # change notifications, by id
        self.retry_after = "1"
        self.uploads: dict[str, dict[str, Any]] = {}
        self.base = ""  # set once served: http://127.0.0.1:port/v1.0
        self.app = Starlette(
            routes=[
                Route(
                    "/{path:path}", self.dispatch, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]
                )
            ]
        )

    def add_account(self, token: str, mail: str, name: str) -> Account:
        account = Account(token, mail, name)
        self.accounts[token] = account
        self.by_mail[mail] = account
        return account

    def mailbox(self, mail: str, name: str = "") -> Account:
        """The account of an identity stand-in's user, made on first use."""
        if mail not in self.by_mail:
            self.by_mail[mail] = Account("", mail, name or mail)
        return self.by_mail[mail]

    def standin(self) -> Any:
        """This stand-in as a StandInServer takes it, beside the identity stand-in (whose
        /v1.0/me comes first)."""
        return SimpleNamespace(routes=lambda: list(self.app.routes))

    def throttle(self, times: int = 1, retry_after: str = "1") -> None:
        """The next `times` requests answer 429 TooManyRequests with this Retry-After."""
        self.throttled, self.retry_after = times, retry_after

    # Plumbing

    async def dispatch(self, request: Request) -> Response:
        path = "/" + request.path_params["path"]
        self.requests.append((request.method, path))
        try:
            if path.startswith("/upload/"):
                return await self.upload_chunk(request, path.removeprefix("/upload/"))
            if path.startswith("/download/"):
                return self.download(path.removeprefix("/download/"))
            if not path.startswith("/v1.0/"):
                raise GraphFailure(400, "BadRequest", "Invalid version.")
            if self.throttled:
                self.throttled -= 1
                return graph_error(
                    429,
                    "TooManyRequests",
                    "Too many requests.",
                    **{"Retry-After": self.retry_after},
                )
            account = self.accounts.get(self._bearer(request))
            if account is None and self.identity is not None:
                signed_in = self.identity.account_for(request)
                if isinstance(signed_in, Response):
                    return signed_in
                account = self.mailbox(signed_in.mail, signed_in.display_name)
            if account is None:
                return graph_error(
                    401,
                    "InvalidAuthenticationToken",
                    "Access token validation failure. Invalid audience.",
                )
            return await self.route(request, account, path.removeprefix("/v1.0"))
        except (GraphFailure, CalendarFailure) as failure:
            return failure.response

    @staticmethod
    def _bearer(request: Request) -> str:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return token if scheme.lower() == "bearer" else ""

    def page(
        self, request: Request, items: list[dict[str, Any]], *, default_top: int = 10
    ) -> JSONResponse:
        """A collection page: $top (capped at the page size), $skip, $select, @odata.nextLink."""
        query = request.query_params
        top = min(int(query.get("$top", default_top)), self.max_page_size)
        skip = int(query.get("$skip", 0))
        chunk = items[skip : skip + top]
        body: dict[str, Any] = {"value": [_select(i, query.get("$select")) for i in chunk]}
        if skip + top < len(items):
            params = {k: v for k, v in query.items() if k != "$skip"} | {"$skip": str(skip + top)}
            body["@odata.nextLink"] = (
                f"{self.base}{request.url.path.removeprefix('/v1.0')}?{urlencode(params)}"
            )
        return JSONResponse(body)

    async def route(self, request: Request, account: Account, path: str) -> Response:
        method = request.method
        for pattern, handler in self.routes:
            match = re.fullmatch(pattern, f"{method} {path}")
            if match:
                return await handler(self, request, account, *match.groups())
        drive_match = re.fullmatch(r"(/me/drive|/sites/([^/]+)/drive|/drives/([^/]+))(/.*)", path)
        if drive_match:
            return await self.drive_request(request, account, drive_match)
        raise GraphFailure(400, "BadRequest", f"Resource not found for the segment '{path}'.")

    # Account and mail

    async def me(self, request: Request, account: Account) -> Response:
        user = {
            "id": account.id,
            "displayName": account.name,
            "mail": account.mail,
            "userPrincipalName": account.mail,
        }
        return JSONResponse(_select(user, request.query_params.get("$select")))

    async def messages(
        self, request: Request, account: Account, folder: str | None = None
    ) -> Response:
        found = account.messages
        if folder:
            folder_id = account.folder_id(folder)
            found = [m for m in found if m["parentFolderId"] == folder_id]
        search = request.query_params.get("$search")
        if search:
            if request.query_params.get("$orderby"):
                raise GraphFailure(
                    400, "ErrorInvalidUrlQuery", "$orderby is not supported with $search."
                )
            found = [m for m in found if _matches(m, search.strip('"'))]
        found = sorted(found, key=lambda m: m["receivedDateTime"], reverse=True)
        return self.page(request, found)

    async def message(self, request: Request, account: Account, message_id: str) -> Response:
        message = next((m for m in account.messages if m["id"] == message_id), None)
        if message is None:
            raise not_found()
        shown = dict(message)
        if (
            'outlook.body-content-type="text"' in request.headers.get("prefer", "")
            and message["body"]["contentType"] == "html"
        ):
            text = html.unescape(re.sub(r"<[^>]+>", "\n", message["body"]["content"]))
            shown["body"] = {"contentType": "text", "content": re.sub(r"\n+", "\n", text).strip()}
        return JSONResponse(_select(shown, request.query_params.get("$select")))

    async def attachments(self, request: Request, account: Account, message_id: str) -> Response:
        message = next((m for m in account.messages if m["id"] == message_id), None)
        if message is None:
            raise not_found()
        return self.page(request, message["attachments"])

    async def send_mail(self, request: Request, account: Account) -> Response:
        body = await request.json()
        message = body.get("message") or {}
        if not message.get("toRecipients"):
            raise GraphFailure(
                400, "ErrorInvalidRecipients", "At least one recipient is not valid."
            )
        account.sent.append(message)
        return Response(status_code=202)

    async def create_draft(self, request: Request, account: Account) -> Response:
        body = await request.json()
        draft = {
            **body,
            "id": new_id("AAMkDraft"),
            "isDraft": True,
            "webLink": "https://outlook.office365.test/draft",
            "parentFolderId": account.folder_id("drafts"),
            "receivedDateTime": datetime.now(UTC).isoformat(),
        }
        account.messages.append(draft)
        return JSONResponse(draft, status_code=201)

    async def mail_folders(self, request: Request, account: Account) -> Response:
        folders = [
            {
                **f,
                "totalItemCount": sum(m["parentFolderId"] == f["id"] for m in account.messages),
                "unreadItemCount": sum(
                    m["parentFolderId"] == f["id"] and not m.get("isRead") for m in account.messages
                ),
            }
            for f in account.folders
        ]
        return self.page(request, folders)

    # Calendar and meetings

    async def calendar_view(self, request: Request, account: Account) -> Response:
        query = request.query_params
        if "startDateTime" not in query or "endDateTime" not in query:
            raise GraphFailure(
                400,
                "ErrorInvalidParameter",
                "This request requires a time window specified by the query string parameters "
                "StartDateTime and EndDateTime.",
            )
        start, end = _parse_time(query["startDateTime"]), _parse_time(query["endDateTime"])
        found = [
            e
            for e in account.events.values()
            if _parse_time(e["start"]["dateTime"]) < end
            and _parse_time(e["end"]["dateTime"]) > start
        ]
        return self.page(request, sorted(found, key=lambda e: e["start"]["dateTime"]))

    async def online_meetings(self, request: Request, account: Account) -> Response:
        match = re.fullmatch(
            r"JoinWebUrl eq '(.*)'", request.query_params.get("$filter", ""), re.DOTALL
        )
        if match is None:
            raise GraphFailure(400, "BadRequest", "Filter on JoinWebUrl is required.")
        url = match.group(1).replace("''", "'")
        return JSONResponse({"value": [m for m in account.meetings if m["joinWebUrl"] == url]})

    def _transcripts(self, account: Account, meeting_id: str) -> list[dict[str, Any]]:
        if not any(m["id"] == meeting_id for m in account.meetings):
            raise not_found()
        if account.transcripts_disabled:
            raise GraphFailure(
                403,
                "Forbidden",
                "Graph access to transcripts is disabled.",
                inner="GraphAccessToTranscriptsDisabled",
            )
        return account.transcripts.get(meeting_id, [])

    async def transcripts(self, request: Request, account: Account, meeting_id: str) -> Response:
        items = [
            {k: v for k, v in t.items() if k != "content"}
            for t in self._transcripts(account, meeting_id)
        ]
        return self.page(request, items)

    async def transcript_content(
        self, request: Request, account: Account, meeting_id: str, transcript_id: str
    ) -> Response:
        transcript = next(
            (t for t in self._transcripts(account, meeting_id) if t["id"] == transcript_id), None
        )
        if transcript is None:
            raise not_found()
        if request.query_params.get("$format") != "text/vtt":
            raise GraphFailure(400, "BadRequest", "Invalid format.")
        return PlainTextResponse(transcript["content"], media_type="text/vtt")

    # Sites, search and teams

    async def sites(self, request: Request, account: Account) -> Response:
        words = request.query_params.get("search", "*").lower()
        found = [s for s in account.sites if words == "*" or words in s["displayName"].lower()]
        return self.page(request, found)

    async def search_query(self, request: Request, account: Account) -> Response:
        search = (await request.json())["requests"][0]
        words = search["query"]["queryString"].lower()
        drives = [account.onedrive] + [s["drive"] for s in account.sites]
        hits = [
            {
                "hitId": item["id"],
                "summary": item["name"],
                "resource": {"@odata.type": "#microsoft.graph.driveItem", **_select(item, None)},
            }
            for drive in drives
            for item in drive.items.values()
            if "file" in item and words in item["name"].lower()
        ]
        size = search.get("size", 25)
        return JSONResponse(
            {
                "value": [
                    {
                        "searchTerms": words.split(),
                        "hitsContainers": [
                            {
                                "hits": hits[:size],
                                "total": len(hits),
                                "moreResultsAvailable": len(hits) > size,
                            }
                        ],
                    }
                ]
            }
        )

    async def joined_teams(self, request: Request, account: Account) -> Response:
        return self.page(request, account.teams)

    def _team(self, account: Account, team_id: str) -> dict[str, Any]:
        team = next((t for t in account.teams if t["id"] == team_id), None)
        if team is None:
            raise GraphFailure(404, "NotFound", "No team found with Group Id " + team_id)
        return team

    async def channels(self, request: Request, account: Account, team_id: str) -> Response:
        channels = [
            {k: v for k, v in c.items() if k != "folder"}
            for c in self._team(account, team_id)["channels"]
        ]
        return self.page(request, channels)

    async def files_folder(
        self, request: Request, account: Account, team_id: str, channel: str
    ) -> Response:
        team = self._team(account, team_id)
        if channel == "primaryChannel":
            chosen = team["channels"][0]
        else:
            chosen = next(
                (c for c in team["channels"] if c["id"] == channel.removeprefix("channels/")), None
            )
            if chosen is None:
                raise GraphFailure(404, "NotFound", "Channel not found.")
        item = team["drive"].items[chosen["folder"]]
        return JSONResponse(_select(item, None))

    # Drives

    def _drive(self, account: Account, match: re.Match[str]) -> Drive:
        site_id, drive_id = match.group(2), match.group(3)
        drives = (
            [account.onedrive]
            + [s["drive"] for s in account.sites]
            + [t["drive"] for t in account.teams]
        )
        if site_id:
            site = next((s for s in account.sites if s["id"] == site_id), None)
            if site is None:
                raise GraphFailure(404, "itemNotFound", "Requested site could not be found")
            return site["drive"]
        if drive_id:
            drive = next((d for d in drives if d.id == drive_id), None)
            if drive is None:
                raise GraphFailure(404, "itemNotFound", "The resource could not be found.")
            return drive
        return account.onedrive

    async def drive_request(
        self, request: Request, account: Account, match: re.Match[str]
    ) -> Response:
        drive = self._drive(account, match)
        rest = match.group(4)
        method = request.method
        target = re.fullmatch(r"/(root|root:/(.+?):|items/([^/]+))(/.*)?", rest)
        if target is None:
            raise GraphFailure(400, "BadRequest", "Unsupported drive path.")
        action = target.group(4) or ""
        search = re.fullmatch(r"/search\(q='(.*)'\)", action)
        if (
            target.group(2)
            and action in ("/content", "/createUploadSession")
            and method in ("PUT", "POST")
        ):
            folder, _, name = target.group(2).rpartition("/")
            parent = drive.find(folder)
            if action == "/content":
                rename = request.query_params.get("@microsoft.graph.conflictBehavior") == "rename"
                item = drive.put(parent, name, await request.body(), rename=rename)
                return JSONResponse(item, status_code=201)
            session_id = uuid.uuid4().hex
            self.uploads[session_id] = {
                "drive": drive,
                "parent": parent,
                "name": name,
                "data": bytearray(),
                "account": account,
            }
            return JSONResponse(
                {
                    "uploadUrl": f"{self.base.removesuffix('/v1.0')}/upload/{session_id}",
                    "expirationDateTime": datetime.now(UTC).isoformat(),
                    "nextExpectedRanges": ["0-"],
                }
            )
        item_id = (
            drive.root
            if target.group(1) == "root"
            else target.group(3) or drive.find(target.group(2))
        )
        if item_id not in drive.items:
            raise GraphFailure(404, "itemNotFound", "The resource could not be found.")
        item = drive.items[item_id]
        if search and method == "GET":
            words = search.group(1).replace("''", "'").lower()
            return self.page(
                request,
                [i for i in drive.items.values() if "file" in i and words in i["name"].lower()],
            )
        if action == "" and method == "GET":
            return JSONResponse(_select(item, request.query_params.get("$select")))
        if action == "/children" and method == "GET":
            return self.page(
                request, sorted(drive.children(item_id), key=lambda i: i["name"]), default_top=200
            )
        if action == "/children" and method == "POST":
            body = await request.json()
            if "folder" not in body:
                raise GraphFailure(400, "invalidRequest", "Only folders are created here.")
            new = drive._add({"name": body["name"], "folder": {}}, item_id)
            return JSONResponse(drive.items[new], status_code=201)
        if action == "/content" and method == "GET":
            if item_id not in drive.contents:
                raise GraphFailure(404, "itemNotFound", "The item has no content.")
            return RedirectResponse(
                f"{self.base.removesuffix('/v1.0')}/download/{drive.id}/{item_id}", status_code=302
            )
        if action == "/createLink" and method == "POST":
            body = await request.json()
            link = {
                "type": body["type"],
                "scope": body.get("scope", "organization"),
                "webUrl": f"https://contoso.sharepoint.test/:w:/s/{item_id}?share={body['type']}",
            }
            drive.permissions.setdefault(item_id, []).append({"id": new_id("perm"), "link": link})
            return JSONResponse(
                {"id": new_id("perm"), "roles": [body["type"]], "link": link}, status_code=201
            )
        if action == "/invite" and method == "POST":
            body = await request.json()
            granted = [
                {
                    "id": new_id("perm"),
                    "roles": body["roles"],
                    "grantedTo": {"user": {"email": r["email"]}},
                }
                for r in body["recipients"]
            ]
            drive.permissions.setdefault(item_id, []).extend(granted)
            return JSONResponse({"value": granted})
        raise GraphFailure(400, "BadRequest", "Unsupported drive request.")

    async def upload_chunk(self, request: Request, session_id: str) -> Response:
        if "authorization" in request.headers:
            return graph_error(
                401,
                "InvalidAuthenticationToken",
                "Upload URLs must be called without an Authorization header.",
            )
        upload = self.uploads.get(session_id)
        if upload is None:
            return graph_error(404, "itemNotFound", "The upload session was not found.")
        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", request.headers.get("content-range", ""))
        if match is None:
            return graph_error(400, "invalidRange", "Content-Range is required.")
        first, last, total = map(int, match.groups())
        chunk = await request.body()
        if first != len(upload["data"]) or last - first + 1 != len(chunk):
            return graph_error(
                416, "invalidRange", "The fragment does not follow the uploaded bytes."
            )
        upload["data"].extend(chunk)
        upload.setdefault("chunks", 0)
        upload["chunks"] += 1
        if len(upload["data"]) < total:
            return JSONResponse(
                {
                    "expirationDateTime": datetime.now(UTC).isoformat(),
                    "nextExpectedRanges": [f"{len(upload['data'])}-"],
                },
                status_code=202,
            )
        item = upload["drive"].put(upload["parent"], upload["name"], bytes(upload["data"]))
        return JSONResponse(item, status_code=201)

    def download(self, rest: str) -> Response:
        drive_id, _, item_id = rest.partition("/")
        for account in self.accounts.values():
            for drive in (
                [account.onedrive]
                + [s["drive"] for s in account.sites]
                + [t["drive"] for t in account.teams]
            ):
                if drive.id == drive_id and item_id in drive.contents:
                    return Response(drive.contents[item_id], media_type="application/octet-stream")
        return graph_error(404, "itemNotFound", "Not found.")

    routes: ClassVar[list[tuple[str, Callable[..., Any]]]] = [
        (r"GET /me", me),
        (r"GET /me/messages", messages),
        (r"GET /me/mailFolders/([^/]+)/messages", messages),
        (r"GET /me/messages/([^/]+)", message),
        (r"GET /me/messages/([^/]+)/attachments", attachments),
        (r"POST /me/sendMail", send_mail),
        (r"POST /me/messages", create_draft),
        (r"GET /me/mailFolders", mail_folders),
        (r"GET /me/calendarView", calendar_view),
        *ROUTES,
        (r"POST /me/events", CalendarRoutes.calendar_events),
        EVENT_ROUTE,
        (r"GET /me/onlineMeetings", online_meetings),
        (r"GET /me/onlineMeetings/([^/]+)/transcripts", transcripts),
        (r"GET /me/onlineMeetings/([^/]+)/transcripts/([^/]+)/content", transcript_content),
        (r"GET /sites", sites),
        (r"POST /search/query", search_query),
        (r"GET /me/joinedTeams", joined_teams),
        (r"GET /teams/([^/]+)/channels", channels),
        (r"GET /teams/([^/]+)/(primaryChannel|channels/[^/]+)/filesFolder", files_folder),
    ]


def _matches(message: dict[str, Any], search: str) -> bool:
    """A small part of KQL: from:address, and words that must all appear (a word matches
    the words it begins)."""
    sender = message["from"]["emailAddress"]
    haystack = " ".join(
        [
            message.get("subject") or "",
            message["body"]["content"],
            sender["name"],
            sender["address"],
        ]
    ).lower()
    words = re.findall(r"\w+", haystack)
    for term in search.split():
        if term.lower().startswith("from:"):
            if term[5:].lower() not in sender["address"].lower():
                return False
        elif not any(word.startswith(term.lower()) for word in words):
            return False
    return True
