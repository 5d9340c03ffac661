"""A user's CalDAV connection: the server's URL, the user name, the password (sealed at rest
with crm.kit.crypto, never shown again) and the calendar of that account that syncs."""

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.ai.service import Rotation
from crm.auth.actor import Actor
from crm.calendar.interchange_schemas import CalDAVConnectInput
from crm.calendar.remote import CalendarServer, RemoteAuthError, RemoteCalendar, RemoteError
from crm.calendar.schedule import schedule_sync
from crm.errors import Invalid, NotFound
from crm.kit.crypto import SecretBox, UndecryptableSecret
from crm.models import CalendarConnection, CalendarSyncItem

NOT_CONNECTED = "No calendar server is connected; connect one in Settings → Calendar."
ServerFactory = Callable[[str, str, str], CalendarServer]


def caldav_server(url: str, username: str, password: str) -> CalendarServer:
    """A CalDAV account's server; its client (caldav, icalendar) is imported when a CalDAV
    account is first reached, not with the web app."""
    from crm.calendar.caldav_server import CalDAVServer

    return CalDAVServer(url, username, password)


def password_context(connection: CalendarConnection) -> str:
    return f"calendar_connection.password:{connection.workspace_id}:{connection.user_id}"


class ConnectionService:
    def __init__(self, server_for: ServerFactory = caldav_server) -> None:
        self.server_for = server_for

    async def get(self, session: AsyncSession, actor: Actor) -> CalendarConnection | None:
        """The actor's connection, if any."""
        return await session.scalar(
            select(CalendarConnection).where(
                CalendarConnection.workspace_id == actor.workspace_id,
                CalendarConnection.user_id == actor.user_id,
            )
        )

    async def require(
        self, session: AsyncSession, actor: Actor, *, for_update: bool = False
    ) -> CalendarConnection:
        """The actor's connection; 404 when there is none."""
        statement = select(CalendarConnection).where(
            CalendarConnection.workspace_id == actor.workspace_id,
            CalendarConnection.user_id == actor.user_id,
        )
        if for_update:
            statement = statement.with_for_update()
        connection = await session.scalar(statement)
        if connection is None:
            raise NotFound(NOT_CONNECTED)
        return connection

    async def connect(
        self, session: AsyncSession, actor: Actor, *, box: SecretBox, data: CalDAVConnectInput
    ) -> tuple[CalendarConnection, list[RemoteCalendar]]:
        """Check the account with the server, then save it (replacing any previous one) with
        the chosen calendar, or the only one, or none yet; answers it and its calendars."""
        password = data.password.get_secret_value()
        calendars = await _calendars(self.server_for(data.url, data.username, password))
        chosen = _choose(calendars, data.calendar_url)
        connection = await self.get(session, actor)
        if connection is None:
            connection = CalendarConnection(workspace_id=actor.workspace_id, user_id=actor.user_id)
            session.add(connection)
        elif (connection.url, connection.username) != (data.url, data.username):
            await self._forget_sync(session, connection)
        connection.url, connection.username = data.url, data.username
        connection.password_sealed = box.encrypt(password, context=password_context(connection))
        connection.updated_at = datetime.now(UTC)
        await session.flush()
        await self._use(session, connection, chosen)
        await schedule_sync(session, actor)
        return connection, calendars

    async def calendars(
        self, session: AsyncSession, actor: Actor, *, box: SecretBox
    ) -> list[RemoteCalendar]:
        """The calendars of the connected account, to choose from."""
        connection = await self.require(session, actor)
        return await _calendars(self.server(connection, box))

    async def choose(
        self, session: AsyncSession, actor: Actor, *, box: SecretBox, calendar_url: str
    ) -> CalendarConnection:
        """Sync with another calendar of the account (the next sync starts afresh)."""
        connection = await self.require(session, actor, for_update=True)
        chosen = _choose(await _calendars(self.server(connection, box)), calendar_url)
        await self._use(session, connection, chosen)
        await schedule_sync(session, actor)
        return connection

    async def disconnect(self, session: AsyncSession, actor: Actor) -> None:
        """Forget the connection and its password; the events stay on both sides."""
        connection = await self.require(session, actor, for_update=True)
        await session.delete(connection)
        await session.flush()

    async def rotate_passwords(
        self, session: AsyncSession, *, box: SecretBox, report: Rotation
    ) -> None:
        """Re-seal every saved password under the first secret key (`crm keys rotate`, as the
        tables' owner, across users)."""
        for row in await session.scalars(select(CalendarConnection).with_for_update()):
            row.password_sealed = report.reseal(box, row.password_sealed, password_context(row))
        await session.flush()

    def server(self, connection: CalendarConnection, box: SecretBox) -> CalendarServer:
        """The server of a saved connection, its password unsealed."""
        try:
            password = box.decrypt(connection.password_sealed, context=password_context(connection))
        except UndecryptableSecret as exc:
            raise Invalid(
                "password", "the saved password cannot be read any more; connect again"
            ) from exc
        return self.server_for(connection.url, connection.username, password)

    async def _use(
        self, session: AsyncSession, connection: CalendarConnection, chosen: RemoteCalendar | None
    ) -> None:
        if chosen is None or chosen.url == connection.calendar_url:
            if chosen is not None:
                connection.calendar_name = chosen.name
            return
        await self._forget_sync(session, connection)
        connection.calendar_url, connection.calendar_name = chosen.url, chosen.name
        connection.updated_at = datetime.now(UTC)
        await session.flush()

    async def _forget_sync(self, session: AsyncSession, connection: CalendarConnection) -> None:
        """Another account or calendar: what we knew of the old one no longer applies."""
        connection.sync_token = connection.last_synced_at = connection.last_error = None
        connection.calendar_url = connection.calendar_name = None
        if connection.id is not None:
            await session.execute(
                delete(CalendarSyncItem).where(CalendarSyncItem.connection_id == connection.id)
            )


async def _calendars(server: CalendarServer) -> list[RemoteCalendar]:
    try:
        return await server.calendars()
    except RemoteAuthError as exc:
        raise Invalid("password", "the server refused this user name and password") from exc
    except RemoteError as exc:
        said = str(exc)  # a clause ("the server could not be reached: …"), made a sentence
        raise Invalid("url", f"{said[:1].upper()}{said[1:]}.") from exc


def _choose(calendars: list[RemoteCalendar], url: str | None) -> RemoteCalendar | None:
    if url is None:
        return calendars[0] if len(calendars) == 1 else None
    found = next((c for c in calendars if c.url.rstrip("/") == url.rstrip("/")), None)
    if found is None:
        raise Invalid("calendar_url", "is not one of this account's calendars")
    return found


connection = ConnectionService()
