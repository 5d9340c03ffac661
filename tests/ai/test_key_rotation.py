"""`crm keys rotate`: after a new key is put first in CRM_SECRET_KEY, every stored key is
re-sealed under it (idempotently), and the old key can then be dropped."""

import os
import subprocess
import sys

import psycopg

from crm.db import app_url
from crm.kit.crypto import SecretBox
from tests.conftest import SECRET
from tests.people import join, sign_up

NEW = "rotated-secret-" + "r" * 40


def rotate(admin_url: str, secret_keys: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CRM_"))}
    env |= {
        "DATABASE_URL": app_url(admin_url),
        "DATABASE_ADMIN_URL": admin_url,
        "CRM_SECRET_KEY": secret_keys,
    }
    return subprocess.run(
        [sys.executable, "-m", "crm.cli", "keys", "rotate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def sealed_keys(admin_url: str) -> list[tuple[str, str]]:
    with psycopg.connect(admin_url) as conn:
        rows = conn.execute(
            "SELECT 'ai_setting.api_key:' || workspace_id, api_key_sealed FROM ai_setting "
            "UNION ALL SELECT 'ai_personal_key.api_key:' || workspace_id || ':' || user_id, "
            "api_key_sealed FROM ai_personal_key ORDER BY 1"
        ).fetchall()
    return [(context, sealed) for context, sealed in rows]


async def test_rotate_reseals_every_key_under_the_new_first_key(client, admin_url):
    ada = await sign_up(client)
    ok = await client.put(
        "/api/v1/ai/settings",
        json={"provider": "anthropic", "api_key": "sk-ant-workspace-1111"},
        headers=ada.headers,
    )
    assert ok.status_code == 200
    grace = await join(client, ada)
    ok = await client.put(
        "/api/v1/ai/settings/personal",
        json={"provider": "openai", "api_key": "sk-proj-personal-2222"},
        headers=grace.headers,
    )
    assert ok.status_code == 200
    before = sealed_keys(admin_url)
    assert len(before) == 2

    first = rotate(admin_url, f"{NEW},{SECRET}")
    assert first.returncode == 0, first.stderr
    assert "Re-sealed 2 stored secret(s)" in first.stdout
    after = sealed_keys(admin_url)
    new_only = SecretBox([NEW])
    # Ordered by context: the personal key's row first.
    assert [new_only.decrypt(s, context=c) for c, s in after] == [
        "sk-proj-personal-2222",
        "sk-ant-workspace-1111",
    ]
    assert all(b[1] != a[1] for b, a in zip(before, after, strict=True))

    again = rotate(admin_url, f"{NEW},{SECRET}")
    assert again.returncode == 0, again.stderr
    assert "Re-sealed 0 stored secret(s)" in again.stdout and "2 already were" in again.stdout
    assert sealed_keys(admin_url) == after


async def test_rotate_without_the_old_key_reports_what_it_cannot_open(client, admin_url):
    ada = await sign_up(client)
    await client.put(
        "/api/v1/ai/settings",
        json={"provider": "anthropic", "api_key": "sk-ant-workspace-1111"},
        headers=ada.headers,
    )
    before = sealed_keys(admin_url)
    result = rotate(admin_url, NEW)
    assert result.returncode == 1
    assert "1 stored secret(s) open with none of the keys" in result.stderr
    assert sealed_keys(admin_url) == before
