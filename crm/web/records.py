"""What the record kinds' pages (contacts, organizations, projects, tasks) share: one shape of
routes, lists read from the address and answered as a page, as its results (a search) or as
its next rows (keyset "load more"), a side panel that creates, edits and confirms deletes,
and a service's refusal turned into the form again: 422 messages at their fields, conflicts,
and a stale version (someone else saved first) that keeps everything the user typed.

A domain's pages.py subclasses `RecordPages` with its service (crm.records.service), its
form's fields and choices, and mounts `record_router(pages)`. The domain's templates:
`<plural>/page.html` (blocks `results` and `panel`), `_rows.html` (rows and the "load more"
row), `_form.html`, `detail.html` (blocks `results` and `panel`)."""

import types
import typing
import uuid
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar, Generic, TypeVar
from urllib.parse import urlencode, urlsplit

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.cookies import CSRF_FIELD
from crm.auth.dependencies import SessionDep
from crm.errors import Conflict, Invalid, PreconditionFailed
from crm.kit.pagination import PageQuery, Slice
from crm.kit.routing import Router
from crm.records.service import RecordService
from crm.web.forms import FormState, parse
from crm.web.labels import PRIORITY, PROJECT_STATUS, TASK_STATUS, Choice
from crm.web.session import Shell, ShellDep, is_htmx, restoring
from crm.web.templating import environment, render, toast

Q = TypeVar("Q", bound=PageQuery)
M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")
# Refusals shown in the form; anything else (not found, forbidden) is an error toast that
# leaves the form as the user typed it.
SHOWN_IN_FORM = (ValidationError, Invalid, Conflict, PreconditionFailed)
CHANGED = {"records-changed": True}


@dataclass(frozen=True)
class Panel:
    """What the side panel shows: a form to create or edit a record, or a delete to confirm."""

    template: str
    title: str
    action: str
    form: FormState = field(default_factory=FormState)
    record_id: uuid.UUID | None = None
    reload: str | None = None  # the edit form afresh, offered after a stale save


def page_url(base: str, params: dict[str, Any], **changes: Any) -> str:
    """`base` with the list's query `params`, some changed (None or "" drops one)."""
    merged = {**params, **changes}
    pairs = [
        (k, v)
        for k, value in merged.items()
        for v in (value if isinstance(value, list) else [value])
        if v not in (None, "")
    ]
    return base + (f"?{urlencode(pairs)}" if pairs else "")


environment.globals.update(
    page_url=page_url, PROJECT_STATUS=PROJECT_STATUS, TASK_STATUS=TASK_STATUS, PRIORITY=PRIORITY
)


def _is_list(annotation: Any) -> bool:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_is_list(arg) for arg in typing.get_args(annotation))
    return typing.get_origin(annotation) is list


def query_params(request: Request, model: type[PageQuery]) -> dict[str, Any]:
    """The list's query fields present in the address (lists for the repeatable ones)."""
    params: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if _is_list(info.annotation):
            values = [v for v in request.query_params.getlist(name) if v]
            if values:
                params[name] = values
        elif value := request.query_params.get(name):
            params[name] = value
    return params


def parse_query(model: type[Q], params: dict[str, Any]) -> Q:
    """The query; a filter the page cannot read is left out rather than failing the page."""
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        wrong = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
        return model.model_validate({k: v for k, v in params.items() if k not in wrong})


async def read_values(request: Request, lists: tuple[str, ...] = ()) -> dict[str, Any]:
    """A posted form's text fields; those named in `lists` as lists (empty when absent)."""
    form = await request.form()
    values: dict[str, Any] = {name: [] for name in lists}
    for key, value in form.multi_items():
        if not isinstance(value, str) or key == CSRF_FIELD:
            continue
        if key in lists:
            values[key].append(value)
        else:
            values[key] = value
    return values


def expected_version(values: dict[str, Any]) -> frozenset[int] | None:
    """The version the form was opened at (its If-Match), when it says one."""
    version = str(values.get("version", ""))
    return frozenset({int(version)}) if version.isdigit() else None


def refused(values: dict[str, Any], exc: Exception) -> tuple[FormState, int]:
    """The form again after the service refused it, and the status to answer. A stale save
    keeps what the user typed, now at the record's current version: saving again replaces
    the other person's changes, knowingly."""
    form = FormState.failed(values, exc)
    if isinstance(exc, PreconditionFailed):
        form.stale = True
        form.values["version"] = exc.headers.get("ETag", "").strip('"')
        return form, 409
    return form, 422 if isinstance(exc, ValidationError | Invalid) else 409


def today_of(shell: Shell) -> date:
    """The user's today, in their time zone."""
    return datetime.now(zoneinfo.ZoneInfo(shell.user.time_zone)).date()


async def read_status(request: Request, model: type[M]) -> M:
    """A posted status as the record's patch (only the status changes)."""
    status = (await request.form()).get("status")
    try:
        return model.model_validate({"status": status})
    except ValidationError as exc:
        raise Invalid("status", "is not one of the statuses") from exc


async def status_changed(
    request: Request,
    shell: Shell,
    record: Any,
    *,
    url: str,
    choices: dict[str, Choice],
    text: str,
    go_to: str,
    row_template: str | None = None,
    row_name: str = "record",
) -> Response:
    """After a status changed in place: its select again (HTMX), or its whole table row when
    it was changed in one (`row`, `row_template`), whose other cells may depend on it (a task
    done is no longer late); without HTMX, back to `go_to`."""
    if not is_htmx(request):
        return RedirectResponse(go_to, status_code=303)
    if row_template and (await request.form()).get("row"):
        context = {"shell": shell, "today": today_of(shell), row_name: record}
        return render(request, row_template, context, toasts=[toast(text)])
    context = {"url": url, "record": record, "choices": choices}
    return render(request, "records/_status.html", context, toasts=[toast(text)])


class RecordPages(Generic[Q, R]):
    """The pages of one kind of record, over its service (crm.records.service). Subclasses
    say their form's fields and what their pages show besides."""

    service: ClassVar[RecordService[Any]]
    plural: ClassVar[str]  # "contacts": the address and the template folder
    fields: ClassVar[tuple[str, ...]]  # the form's fields
    list_fields: ClassVar[tuple[str, ...]] = ()  # form fields posted as several values
    blank_is_none: ClassVar[tuple[str, ...]] = ()  # form fields where "" means none

    @property
    def noun(self) -> str:
        return self.service.name

    @property
    def query_model(self) -> type[PageQuery]:
        return self.service.Query

    # ------------------------------------------------------------------ the service

    async def listing(self, session: AsyncSession, shell: Shell, query: Q) -> Slice[Any]:
        found = await self.service.list(session, shell.actor, query=query)
        return Slice([self.service.Out.of(item) for item in found.items], found.next_cursor)

    async def get(self, session: AsyncSession, shell: Shell, record_id: uuid.UUID) -> R:
        return await self.service.read(session, shell.actor, **self._key(record_id))

    async def create(self, session: AsyncSession, shell: Shell, values: dict[str, Any]) -> R:
        data = parse(self.service.Input, self._fields(values))
        return self.service.Out.of(await self.service.create(session, shell.actor, data=data))

    async def update(
        self,
        session: AsyncSession,
        shell: Shell,
        record_id: uuid.UUID,
        values: dict[str, Any],
        if_match: frozenset[int] | None,
    ) -> R:
        changes = parse(self.service.Patch, self._fields(values))
        changed = await self.service.update(
            session, shell.actor, changes=changes, if_match=if_match, **self._key(record_id)
        )
        return self.service.Out.of(changed)

    async def delete(
        self,
        session: AsyncSession,
        shell: Shell,
        record_id: uuid.UUID,
        if_match: frozenset[int] | None,
    ) -> None:
        await self.service.delete(session, shell.actor, if_match=if_match, **self._key(record_id))

    def form_values(self, record: R) -> dict[str, Any]:
        """The record as its edit form's values (with its version)."""
        return {**{f: getattr(record, f) or "" for f in self.fields}, "version": record.version}  # type: ignore[attr-defined]

    async def choices(self, session: AsyncSession, shell: Shell) -> dict[str, Any]:
        """What the list's filters and the form offer to choose from."""
        return {}

    async def detail_context(
        self, request: Request, session: AsyncSession, shell: Shell, record: R
    ) -> dict[str, Any]:
        """What the record's page shows besides the record: its history."""
        history = await self.service.activity(
            session,
            shell.actor,
            query=PageQuery(limit=50),
            **self._key(record.id),  # type: ignore[attr-defined]
        )
        return {"history": history.items}

    def adapt_query(self, request: Request, shell: Shell, params: dict[str, Any]) -> dict[str, Any]:
        """The service's query for the page's filters (for filters the service has not)."""
        return params

    # Form fields a link may fill in for a new record (/contacts/new?name=…: the assistant's
    # Edit button on a proposed record).
    prefill: ClassVar[tuple[str, ...]] = ()

    def new_values(self, request: Request) -> dict[str, Any]:
        """A new record's form values, from the address (e.g. the project of a new task)."""
        return {k: v for k, v in request.query_params.items() if k in self.prefill}

    # ------------------------------------------------------------------ addresses, names

    @property
    def url(self) -> str:
        return f"/{self.plural}"

    def record_url(self, record_id: uuid.UUID) -> str:
        return f"{self.url}/{record_id}"

    @staticmethod
    def name(record: Any) -> str:
        return str(record.name)

    @staticmethod
    def record_id(record: Any) -> uuid.UUID:
        return uuid.UUID(str(record.id))

    def _key(self, record_id: uuid.UUID) -> dict[str, uuid.UUID]:
        return {f"{self.service.name}_id": record_id}

    def _fields(self, values: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in values.items() if k in self.fields}

    def clean(self, values: dict[str, Any]) -> dict[str, Any]:
        """The form's values as the service's input takes them."""
        fields = {k: v for k, v in values.items() if k != "version"}
        for name in self.blank_is_none:
            if fields.get(name) == "":
                fields[name] = None
        return fields

    def _base(self, shell: Shell) -> dict[str, Any]:
        return {"shell": shell, "pages": self, "panel": None, "today": today_of(shell)}

    # ------------------------------------------------------------------ answers

    async def list_page(
        self,
        request: Request,
        session: AsyncSession,
        shell: Shell,
        *,
        panel: Panel | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        """The list: the page, its results (an HTMX search), or its next rows (a cursor)."""
        params = query_params(request, self.query_model)
        query = parse_query(self.query_model, self.adapt_query(request, shell, params))
        listing = await self.listing(session, shell, query)  # type: ignore[arg-type]
        filters = {k: v for k, v in request.query_params.items() if k != "cursor" and v}
        context = {**self._base(shell), "listing": listing, "filters": filters, "panel": panel}
        if panel is None and is_htmx(request) and not restoring(request):
            if query.cursor:
                return render(request, f"{self.plural}/_rows.html", context)
            return render(request, f"{self.plural}/page.html", context, block="results")
        context.update(await self.choices(session, shell))
        return render(request, f"{self.plural}/page.html", context, status=status)

    async def detail_page(
        self, request: Request, session: AsyncSession, shell: Shell, record_id: uuid.UUID
    ) -> Response:
        """The record's page, or its `results` block when something on it changed."""
        record = await self.get(session, shell, record_id)
        context = {
            **self._base(shell),
            "record": record,
            **await self.detail_context(request, session, shell, record),
        }
        return render(request, f"{self.plural}/detail.html", context, block="results")

    async def show_panel(
        self,
        request: Request,
        session: AsyncSession,
        shell: Shell,
        panel: Panel,
        *,
        status: int = 200,
    ) -> HTMLResponse:
        """The panel alone for HTMX; without JavaScript, the list with the panel open."""
        if not is_htmx(request):
            return await self.list_page(request, session, shell, panel=panel, status=status)
        context = {**self._base(shell), **await self.choices(session, shell), "panel": panel}
        return render(request, "records/_panel.html", context, status=status)

    def done(self, request: Request, shell: Shell, text: str, *, go_to: str) -> Response:
        """After a save or a delete: for HTMX the panel closes, lists reload, a toast says
        what happened; without JavaScript, a redirect to `go_to`."""
        if not is_htmx(request):
            return RedirectResponse(go_to, status_code=303)
        context = self._base(shell)
        return render(request, "records/_panel.html", context, toasts=[toast(text)], events=CHANGED)

    # ------------------------------------------------------------------ panels

    def form_panel(self, record_id: uuid.UUID | None, form: FormState) -> Panel:
        noun = self.noun
        if record_id is None:
            return Panel(f"{self.plural}/_form.html", f"New {noun}", self.url, form)
        url = self.record_url(record_id)
        return Panel(
            f"{self.plural}/_form.html", f"Edit {noun}", url, form, record_id, f"{url}/edit"
        )

    def delete_panel(self, record: R, form: FormState | None = None) -> Panel:
        """The delete to confirm, at the version shown (a stale one says so: `form`)."""
        record_id = self.record_id(record)
        values = {"name": self.name(record), "version": getattr(record, "version", "")}
        url = self.record_url(record_id)
        return Panel(
            "records/_delete.html", f"Delete this {self.noun}?", f"{url}/delete",
            form or FormState(values=values), record_id,
        )  # fmt: skip

    # ------------------------------------------------------------------ writes

    async def save(
        self,
        request: Request,
        session: AsyncSession,
        shell: Shell,
        record_id: uuid.UUID | None,
    ) -> Response:
        """Create (no id) or update a record from its posted form."""
        values = await read_values(request, self.list_fields)
        try:
            async with session.begin_nested():
                if record_id is None:
                    record = await self.create(session, shell, self.clean(values))
                else:
                    record = await self.update(
                        session, shell, record_id, self.clean(values), expected_version(values)
                    )
        except SHOWN_IN_FORM as exc:
            form, status = refused(values, exc)
            panel = self.form_panel(record_id, form)
            return await self.show_panel(request, session, shell, panel, status=status)
        verb = "added" if record_id is None else "saved"
        text = f"{self.noun.capitalize()} “{self.name(record)}” is {verb}."
        return self.done(request, shell, text, go_to=self.record_url(self.record_id(record)))

    async def remove(
        self, request: Request, session: AsyncSession, shell: Shell, record_id: uuid.UUID
    ) -> Response:
        record = await self.get(session, shell, record_id)
        values = await read_values(request)
        try:
            # The services check the version before writing anything.
            await self.delete(session, shell, record_id, expected_version(values))
        except PreconditionFailed as exc:
            # Changed since the question was asked: ask again, showing it as it is now.
            form, status = refused({"name": self.name(record)}, exc)
            panel = self.delete_panel(record, form)
            return await self.show_panel(request, session, shell, panel, status=status)
        text = f"{self.noun.capitalize()} “{self.name(record)}” is deleted."
        current = request.headers.get("hx-current-url")
        if is_htmx(request) and current and urlsplit(current).path == self.record_url(record_id):
            # Its own page is gone: go to the list.
            return Response(status_code=204, headers={"HX-Redirect": self.url})
        return self.done(request, shell, text, go_to=self.url)


def record_router(pages: RecordPages[Any, Any]) -> Router:
    """The routes every kind of record has: list, new, create, view, edit, save, delete."""
    router = Router(include_in_schema=False)
    base = pages.url

    @router.get(base)
    async def list_records(request: Request, session: SessionDep, shell: ShellDep) -> Response:
        return await pages.list_page(request, session, shell)

    @router.get(f"{base}/new")
    async def new_record(request: Request, session: SessionDep, shell: ShellDep) -> Response:
        panel = pages.form_panel(None, FormState(values=pages.new_values(request)))
        return await pages.show_panel(request, session, shell, panel)

    @router.post(base)
    async def create_record(request: Request, session: SessionDep, shell: ShellDep) -> Response:
        return await pages.save(request, session, shell, None)

    @router.get(f"{base}/{{record_id}}")
    async def view_record(
        record_id: uuid.UUID, request: Request, session: SessionDep, shell: ShellDep
    ) -> Response:
        return await pages.detail_page(request, session, shell, record_id)

    @router.get(f"{base}/{{record_id}}/edit")
    async def edit_record(
        record_id: uuid.UUID, request: Request, session: SessionDep, shell: ShellDep
    ) -> Response:
        record = await pages.get(session, shell, record_id)
        panel = pages.form_panel(record_id, FormState(values=pages.form_values(record)))
        return await pages.show_panel(request, session, shell, panel)

    @router.post(f"{base}/{{record_id}}")
    async def save_record(
        record_id: uuid.UUID, request: Request, session: SessionDep, shell: ShellDep
    ) -> Response:
        return await pages.save(request, session, shell, record_id)

    @router.get(f"{base}/{{record_id}}/delete")
    async def confirm_delete(
        record_id: uuid.UUID, request: Request, session: SessionDep, shell: ShellDep
    ) -> Response:
        record = await pages.get(session, shell, record_id)
        return await pages.show_panel(request, session, shell, pages.delete_panel(record))

    @router.post(f"{base}/{{record_id}}/delete")
    async def delete_record(
        record_id: uuid.UUID, request: Request, session: SessionDep, shell: ShellDep
    ) -> Response:
        return await pages.remove(request, session, shell, record_id)

    return router
