"""The REST routes every kind on the registry shares (DESIGN.md section 4): list, create, get,
replace (PUT), update (PATCH), delete and the activity list, over the kind's service, with the
ETag on every record and an optional If-Match on every write. A nested copy (the tasks under
`/projects/{id}/tasks`) is the same routes with the parent's id set on what they write."""

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Response
from pydantic import BaseModel

from crm.activity.schemas import ActivityOut
from crm.auth.actor import Actor
from crm.auth.dependencies import ActorDep, SessionDep
from crm.kit.etags import IfMatch, etag, parse_if_match
from crm.kit.openapi import problems, with_etag
from crm.kit.pagination import PageQuery
from crm.kit.routing import Router
from crm.kit.schemas import Page
from crm.records.service import RecordService

IF_MATCH = "With `If-Match`, a stale version answers 412 and {0}; without it the {1} applies."
DOCS = {
    "list": "Your {plural}, a page at a time: pass `next_cursor` back as `cursor` for the next.",
    "create": "Add a {name}.",
    "get": "One of your {plural}, with its ETag.",
    "replace": "Replace the whole {name}; fields left out become empty. "
    + IF_MATCH.format("changes nothing", "write"),
    "update": "Change the fields given; the others stay. "
    + IF_MATCH.format("changes nothing", "write"),
    "delete": "Delete the {name}. " + IF_MATCH.format("deletes nothing", "delete"),
    "activity": "Every change to the {name}, newest first: who, through which channel, each "
    "field's `from` and `to`.",
}


@dataclass(frozen=True)
class Nested:
    """Routes under a parent record: `/api/v1/{parent plural}/{parent_id}/{plural}`."""

    parent: RecordService[Any]
    plural: str  # the parent's: "projects"
    scope: str  # the service's keyword for "in this parent": "in_project"
    body: type[BaseModel]  # what POST and PUT take: the input without the parent's id
    patch: type[BaseModel]


def crud_router(
    service: RecordService[Any],
    *,
    plural: str,
    path: str | None = None,
    own: Collection[str] = (),
    nested: Nested | None = None,
    problems_of: Mapping[str, tuple[int, ...]] | None = None,
    docs: Mapping[str, str] | None = None,
) -> Router:
    """The kind's REST routes under `/api/v1/{path}` (`path`: the plural by default, tagged
    with its first part), but for those it routes on its own (`own`: "list"). `problems_of` and
    `docs`, by operation ("create", "update"...): the statuses it adds (409, 403) and what it
    says besides the common text (its rules)."""
    name, key = service.name, f"{service.name}_id"
    parent = f"{nested.parent.name}_id" if nested else None
    path = path or plural
    home = f"/api/v1/{path}"
    base = f"/api/v1/{nested.plural}/{{{parent}}}/{plural}" if nested else home
    router = Router(prefix=base, tags=[path.split("/")[0]], responses=problems(401))
    op = f"project_{name}" if nested else name  # operation names: get_task, get_project_task
    Out, Input, Patch = service.Out, service.Input, service.Patch
    Body, PatchBody = (nested.body, nested.patch) if nested else (Input, Patch)
    QueryModel = service.Query

    PathId = Annotated[uuid.UUID, Path(alias=key)]

    async def the_id(value: PathId) -> uuid.UUID:
        return value

    # Nested, a dependency as the parent's id is, so that the path lists the parent's first.
    RecordId = Annotated[uuid.UUID, Depends(the_id)] if nested else PathId
    writes = problems(404, 412, 422)
    problems_of = problems_of or {}
    common = {verb: line.format(name=name, plural=plural) for verb, line in DOCS.items()}
    text = {
        verb: " ".join(filter(None, [line, (docs or {}).get(verb)]))
        for verb, line in common.items()
    }

    if nested:

        async def parent_id(value: Annotated[uuid.UUID, Path(alias=parent)]) -> uuid.UUID | None:
            return value
    else:

        async def parent_id() -> uuid.UUID | None:
            return None

    ParentId = Annotated[uuid.UUID | None, Depends(parent_id)]

    def scope(within: uuid.UUID | None) -> dict[str, Any]:
        return {nested.scope: within} if nested else {}

    async def check_parent(session: Any, actor: Actor, within: uuid.UUID | None) -> None:
        if nested:
            await nested.parent.get(session, actor, **{parent: within})

    async def answer(response: Response, session: Any, actor: Actor, shown: Any) -> Any:
        out = await service.answer(session, actor, shown)
        response.headers["ETag"] = etag(out.version)
        return out

    async def list_records(
        query: Annotated[QueryModel, Query()],  # type: ignore[valid-type]
        within: ParentId,
        session: SessionDep,
        actor: ActorDep,
    ) -> Any:
        await check_parent(session, actor, within)
        if nested:
            query = query.model_copy(update={parent: within})
        return await service.page(session, actor, query=query)

    async def create_record(
        body: Body,  # type: ignore[valid-type]
        within: ParentId,
        response: Response,
        session: SessionDep,
        actor: ActorDep,
    ) -> Any:
        await check_parent(session, actor, within)
        data = Input(**body.model_dump(), **{parent: within}) if nested else body
        shown = await service.create(session, actor, data=data)
        out = await answer(response, session, actor, shown)
        response.headers["Location"] = f"{home}/{out.id}"
        return out

    async def get_record(
        within: ParentId,
        record_id: RecordId,
        response: Response,
        session: SessionDep,
        actor: ActorDep,
    ) -> Any:
        out = await service.read(session, actor, **{key: record_id}, **scope(within))
        response.headers["ETag"] = etag(out.version)
        return out

    async def replace_record(
        within: ParentId,
        record_id: RecordId,
        body: Body,  # type: ignore[valid-type]
        response: Response,
        session: SessionDep,
        actor: ActorDep,
        if_match: IfMatch = None,
    ) -> Any:
        data = Input(**body.model_dump(), **{parent: within}) if nested else body
        shown = await service.replace(
            session,
            actor,
            data=data,
            if_match=parse_if_match(if_match),
            **{key: record_id},
            **scope(within),
        )
        return await answer(response, session, actor, shown)

    async def update_record(
        within: ParentId,
        record_id: RecordId,
        body: PatchBody,  # type: ignore[valid-type]
        response: Response,
        session: SessionDep,
        actor: ActorDep,
        if_match: IfMatch = None,
    ) -> Any:
        changes = Patch(**body.model_dump()) if nested else body
        shown = await service.update(
            session,
            actor,
            changes=changes,
            if_match=parse_if_match(if_match),
            **{key: record_id},
            **scope(within),
        )
        return await answer(response, session, actor, shown)

    async def delete_record(
        within: ParentId,
        record_id: RecordId,
        session: SessionDep,
        actor: ActorDep,
        if_match: IfMatch = None,
    ) -> None:
        await service.delete(
            session, actor, if_match=parse_if_match(if_match), **{key: record_id}, **scope(within)
        )

    async def record_activity(
        record_id: RecordId,
        query: Annotated[PageQuery, Query()],
        session: SessionDep,
        actor: ActorDep,
    ) -> Page[ActivityOut]:
        found = await service.activity(session, actor, query=query, **{key: record_id})
        return found.page(ActivityOut.of)

    listed = problems(404, 422) if nested else problems(422)
    one = f"/{{{key}}}"
    routes = [
        ("list", "", "GET", list_records, f"list_{op}s", Page[Out], 200, listed),
        ("create", "", "POST", create_record, f"create_{op}", Out, 201, listed),
        ("get", one, "GET", get_record, f"get_{op}", Out, 200, problems(404, 422)),
        ("replace", one, "PUT", replace_record, f"replace_{op}", Out, 200, writes),
        ("update", one, "PATCH", update_record, f"update_{op}", Out, 200, writes),
        ("delete", one, "DELETE", delete_record, f"delete_{op}", None, 204, writes),
    ]
    if not nested:
        activity = (one + "/activity", "GET", record_activity, f"{name}_activity")
        routes.append(("activity", *activity, Page[ActivityOut], 200, problems(404, 422)))
    for verb, route, method, endpoint, operation, model, code, responses in routes:
        if verb in own:
            continue
        extra = problems(*problems_of.get(verb, ()))
        etagged = with_etag(code) if model is Out else {}
        router.add_api_route(
            route,
            endpoint,
            methods=[method],
            name=operation,
            response_model=model,
            status_code=code,
            responses={**etagged, **responses, **extra},
            description=text[verb],
        )
    return router
