"""The workspace logo: stored in PostgreSQL, type and size checked, served with its type."""

import psycopg

from tests.conftest import http_client
from tests.test_rls import app_connection, select_all
from tests.web.pages import csrf, invite_link, post_form, sign_up

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64


async def upload(client, data: bytes, name="logo.png", content_type="image/png", htmx=False):
    headers = {"HX-Request": "true", "X-CSRF-Token": csrf(client)} if htmx else {}
    return await client.post(
        "/settings/workspace/logo",
        data={} if htmx else {"csrf_token": csrf(client)},
        files={"logo": (name, data, content_type)},
        headers=headers,
    )


async def test_logo_upload_is_served_with_its_type_and_shows_in_the_sidebar(client):
    await sign_up(client)
    page = await client.get("/settings/workspace")
    assert 'class="brand-initials"' in page.text, "initials until a logo is uploaded"
    for data, content_type in ((JPEG, "image/jpeg"), (WEBP, "image/webp"), (PNG, "image/png")):
        # The type comes from the bytes, not from what the upload claims.
        response = await upload(client, data, content_type="application/octet-stream")
        assert response.status_code == 200, response.text
        served = await client.get("/workspace/logo")
        assert served.headers["content-type"] == content_type
        assert served.content == data
    assert '<img class="brand-logo" src="/workspace/logo?v=' in response.text
    removed = await post_form(client, "/settings/workspace/logo/remove")
    assert "brand-initials" in removed.text
    assert (await client.get("/workspace/logo")).status_code == 404


async def test_logo_over_512_kb_or_not_an_image_is_refused_with_a_message(client):
    await sign_up(client)
    too_big = await upload(client, PNG + b"\x00" * (512 * 1024))
    assert too_big.status_code == 422
    assert "the limit is 512 KB" in too_big.text
    gif = await upload(client, b"GIF89a" + b"\x00" * 64, name="logo.gif", htmx=True)
    assert gif.status_code == 422
    assert "must be a PNG, JPEG or WebP image" in gif.text
    svg = await upload(client, b"<svg xmlns='http://www.w3.org/2000/svg'/>", "x.svg", "image/png")
    assert svg.status_code == 422
    empty = await upload(client, b"")
    assert empty.status_code == 422 and "choose an image file" in empty.text
    assert (await client.get("/workspace/logo")).status_code == 404


async def test_only_admins_upload_and_each_workspace_sees_its_own_logo(app, client, admin_url):
    await sign_up(client)
    assert (await upload(client, PNG)).status_code == 200
    link = invite_link
    url = await link(client, "mo@example.com")
    async with http_client(app) as member:
        path = url.removeprefix("http://127.0.0.1:8000")
        await member.get(path)
        await post_form(member, path, {"name": "Mo", "password": "correct horse battery"})
        assert (await member.get("/workspace/logo")).content == PNG, "members see the logo"
        assert (await upload(member, JPEG)).status_code == 403
    async with http_client(app) as stranger:
        await sign_up(stranger)
        assert (await stranger.get("/workspace/logo")).status_code == 404
    with psycopg.connect(admin_url) as admin:
        assert admin.execute("SELECT count(*) FROM workspace_logo").fetchone()[0] == 1
    with app_connection(admin_url) as conn:
        assert select_all(conn, "workspace_logo") == []
