"""`crm backup` and `crm restore`: a backup restored into an empty database gives every user
back their records, conversations, reminders and sealed keys, readable by them alone; a
database that is not empty is refused without --force; the embedded default keeps the last
seven daily backups."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from crm import backup
from crm.db import app_url, database_url
from crm.kit.crypto import SecretBox
from tests.conftest import PASSWORD, SECRET, TEST_DATABASE, http_client
from tests.people import sign_up
from tests.rows import as_app, fetch

CRM = [sys.executable, "-m", "crm.cli"]
KEY = "sk-ant-api03-BACKUPSECRET-77aa"
RESTORED = f"{TEST_DATABASE}_restored"


def crm(*args: str, admin: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CRM_"))}
    env |= {"DATABASE_URL": app_url(admin), "DATABASE_ADMIN_URL": admin}
    return subprocess.run([*CRM, *args], env=env, capture_output=True, text=True, timeout=120)


def other_database(admin_url: str, name: str) -> str:
    """An empty database of that name on the test server; answers its owner's URL."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = database_url(admin_url, "psycopg").set(drivername="postgresql", database=name)
    return url.render_as_string(hide_password=False)


async def make(client, person, path, **body):
    response = await client.post(f"/api/v1/{path}", json=body, headers=person.headers)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def some_of_everything(client, person):
    """One of each kind of thing a user keeps; answers (path of it, what to find in it)."""
    org = await make(client, person, "organizations", name=f"{person.name} Ltd")
    contact = await make(client, person, "contacts", name=f"Jane of {person.name}")
    project = await make(client, person, "projects", name=f"{person.name}'s launch")
    task = await make(client, person, "tasks", name="Ship it", project_id=project["id"])
    remind_at = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    reminder = await make(client, person, "reminders", message="Call Jane", remind_at=remind_at)
    chat = await make(client, person, "chat", message="add Tom Thumb")
    return {
        f"/api/v1/organizations/{org['id']}": org["name"],
        f"/api/v1/contacts/{contact['id']}": contact["name"],
        f"/api/v1/projects/{project['id']}": project["name"],
        f"/api/v1/tasks/{task['id']}": "Ship it",
        f"/api/v1/reminders/{reminder['id']}": "Call Jane",
        f"/api/v1/chat/conversations/{chat['conversation_id']}": "Tom Thumb",
    }


async def test_a_backup_restored_into_an_empty_database_is_each_users_own_again(
    client, admin_url, custom_app, tmp_path
):
    ada, bob = await sign_up(client, "Ada"), await sign_up(client, "Bob")
    kept = {
        "Ada": await some_of_everything(client, ada),
        "Bob": await some_of_everything(client, bob),
    }
    put = await client.put(
        "/api/v1/ai/settings", json={"provider": "anthropic", "api_key": KEY}, headers=ada.headers
    )
    assert put.status_code == 200
    emails = dict(fetch(admin_url, "SELECT name, email FROM user_account"))
    file = tmp_path / "crm.dump"

    made = crm("backup", str(file), admin=admin_url)
    assert made.returncode == 0, made.stderr
    target = other_database(admin_url, RESTORED)
    restored = crm("restore", str(file), admin=target)
    assert restored.returncode == 0, restored.stderr

    forced_rls = "SELECT relname FROM pg_class WHERE relforcerowsecurity ORDER BY 1"
    assert fetch(target, forced_rls) == fetch(admin_url, forced_rls)
    async with custom_app(database_url=app_url(target)) as app, http_client(app) as c:
        for name, other in (("Ada", "Bob"), ("Bob", "Ada")):
            login = await c.post(
                "/api/v1/auth/login", json={"email": emails[name], "password": PASSWORD}
            )
            assert login.status_code == 200, login.text
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            for path, text in kept[name].items():
                mine = await c.get(path, headers=headers)
                assert mine.status_code == 200 and text in mine.text, (path, mine.text)
            for path in kept[other]:
                assert (await c.get(path, headers=headers)).status_code == 404, path
    box = SecretBox([SECRET])
    [(sealed,)] = as_app(target, "SELECT api_key_sealed FROM ai_setting", context=ada.context)
    assert box.decrypt(sealed, context=f"ai_setting.api_key:{ada.workspace_id}") == KEY
    assert as_app(target, "SELECT api_key_sealed FROM ai_setting", context=bob.context) == []


async def test_restore_refuses_a_database_that_is_not_empty_unless_forced(
    client, admin_url, tmp_path
):
    # Into a database of its own: a forced restore makes the schema anew, and the suite's
    # connection pools keep the shared test database's type ids.
    ada = await sign_up(client, "Ada")
    await make(client, ada, "contacts", name="Kept in the backup")
    file = backup.backup(admin_url, tmp_path / "crm.dump")
    target = other_database(admin_url, f"{TEST_DATABASE}_forced")
    backup.restore(target, file)
    with psycopg.connect(target) as conn:
        conn.execute("UPDATE contact SET name = 'Changed after the backup'")
    changed = "SELECT count(*) FROM contact WHERE name = 'Changed after the backup'"
    kept = "SELECT count(*) FROM contact WHERE name = 'Kept in the backup'"

    refused = crm("restore", str(file), admin=target)
    assert refused.returncode == 1
    assert "not empty" in refused.stderr and "--force" in refused.stderr
    assert fetch(target, changed) != [(0,)] and fetch(target, kept) == [(0,)]

    backup.restore(target, file, force=True)
    assert fetch(target, changed) == [(0,)] and fetch(target, kept) == [(1,)]
    assert fetch(target, "SELECT count(*) FROM user_account") == fetch(
        admin_url, "SELECT count(*) FROM user_account"
    )


def test_a_backup_needs_a_role_that_reads_every_row(admin_url, tmp_path):
    with pytest.raises(backup.BackupError, match="BYPASSRLS"):
        backup.backup(app_url(admin_url), tmp_path / "x.dump")
    assert not list(tmp_path.iterdir())


def test_the_daily_backup_is_made_once_a_day_and_the_last_seven_kept(admin_url, tmp_path):
    now = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    days = [now - timedelta(days=d) for d in range(9, 1, -1)]
    for day in days:  # eight older backups, the newest two days old
        (tmp_path / f"crm-{day:%Y%m%d-%H%M%S}.dump").write_bytes(b"old")

    made = backup.keep_daily(admin_url, tmp_path, now=now)
    assert made is not None and made.stat().st_size > 1000
    assert backup.keep_daily(admin_url, tmp_path, now=now + timedelta(hours=23)) is None
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 7 and names[-1] == made.name
    assert names[0] == f"crm-{days[-6]:%Y%m%d-%H%M%S}.dump"


def test_the_embedded_default_backs_itself_up_in_the_background(admin_url, tmp_path: Path):
    stop = backup.start_daily_backups(admin_url, tmp_path, first=0.01, every=0.05)
    try:
        deadline = datetime.now(UTC) + timedelta(seconds=30)
        while not list(tmp_path.glob("crm-*.dump")) and datetime.now(UTC) < deadline:
            stop.wait(0.05)
    finally:
        stop.set()
    assert len(list(tmp_path.glob("crm-*.dump"))) == 1
