"""The web pages over httpx: sessions, redirects, CSRF, the CSP, and the account pages."""

import re

import pytest

from tests.conftest import PASSWORD, http_client
from tests.web.pages import csrf, invite_link, post_form, sign_up

NEW_PASSWORD = "another long passphrase"


# Redirects and the session


@pytest.mark.parametrize(
    "path", ["/settings/profile", "/settings/workspace", "/feedback", "/assistant"]
)
async def test_pages_send_a_signed_out_visitor_to_login_with_next(client, path):
    response = await client.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=" + path.replace("/", "%2F")


async def test_home_goes_to_the_assistant(client):
    response = await client.get("/")
    assert (response.status_code, response.headers["location"]) == (303, "/assistant")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("/feedback", "/feedback"),
        ("//evil.example/x", "/assistant"),
        ("https://evil.example/", "/assistant"),
        ("/\\evil.example", "/assistant"),
        ("javascript:alert(1)", "/assistant"),
    ],
)
async def test_sign_in_goes_only_to_a_same_site_next(client, given, expected):
    email = await sign_up(client)
    client.cookies.clear()
    await client.get("/login")
    response = await post_form(
        client, "/login", {"email": email, "password": PASSWORD, "next": given}
    )
    assert response.status_code == 303
    assert response.headers["location"] == expected


async def test_register_signs_in_and_the_settings_show_the_account(client):
    email = await sign_up(client, name="Grace Hopper")
    page = await client.get("/settings/profile")
    assert page.status_code == 200
    assert "Grace Hopper" in page.text and email in page.text
    assert "Grace Hopper&#39;s workspace" in page.text


async def test_register_errors_are_inline_and_keep_what_was_typed(client):
    await client.get("/register")
    response = await post_form(
        client,
        "/register",
        {"name": "Grace Hopper", "email": "grace@example.com", "password": "short"},
    )
    assert response.status_code == 422
    assert "Password must be at least 10 characters" in response.text
    assert 'value="Grace Hopper"' in response.text
    assert 'value="grace@example.com"' in response.text
    assert 'value="short"' not in response.text


async def test_the_clock_follows_the_browser_at_sign_up_and_the_profile_changes_it(client):
    await client.get("/register")
    form = {"name": "Nora", "email": "nora@example.com", "password": PASSWORD, "clock": "12h"}
    assert (await post_form(client, "/register", form)).status_code == 303
    page = await client.get("/settings/profile")
    assert '<html lang="en" data-clock="12h">' in page.text
    assert '<option value="12h" selected>12-hour (2:00 PM)</option>' in page.text
    saved = await post_form(
        client, "/settings/profile", {"name": "Nora", "time_zone": "UTC", "clock": "24h"}
    )
    assert saved.status_code == 200 and 'data-clock="24h"' in saved.text
    client.cookies.clear()
    await client.get("/register")
    odd = {**form, "email": "odd@example.com", "clock": "25h"}  # not a clock: the default
    assert (await post_form(client, "/register", odd)).status_code == 303
    assert 'data-clock="24h"' in (await client.get("/settings/profile")).text


async def test_register_with_a_taken_email_says_so_at_the_field(client):
    email = await sign_up(client)
    client.cookies.clear()
    await client.get("/register")
    response = await post_form(
        client, "/register", {"name": "Other", "email": email, "password": PASSWORD}
    )
    assert response.status_code == 409
    assert "An account with this e-mail already exists." in response.text
    assert 'aria-invalid="true"' in response.text


async def test_wrong_password_keeps_the_email_and_says_why(client):
    email = await sign_up(client)
    client.cookies.clear()
    await client.get("/login")
    response = await post_form(client, "/login", {"email": email, "password": "wrong password"})
    assert response.status_code == 401
    assert "The e-mail or password is wrong." in response.text
    assert f'value="{email}"' in response.text


async def test_an_expired_access_cookie_is_renewed_from_the_refresh_cookie(client):
    await sign_up(client)
    old_refresh, old_csrf = client.cookies["crm_refresh"], csrf(client)
    client.cookies.delete("crm_access")
    page = await client.get("/settings/profile")
    assert page.status_code == 200
    assert client.cookies["crm_access"]
    assert client.cookies["crm_refresh"] != old_refresh
    # The forms on screen keep working: the CSRF token stays.
    assert csrf(client) == old_csrf
    assert f'"X-CSRF-Token": "{old_csrf}"' in page.text
    saved = await post_form(client, "/settings/profile", {"name": "Renewed", "time_zone": "UTC"})
    assert saved.status_code == 200
    # The old refresh token was rotated away.
    replay = await client.post("/api/v1/auth/refresh", json={"refresh_token": old_refresh})
    assert replay.status_code == 401


async def test_a_bad_refresh_cookie_sends_to_login_and_clears_the_session(client):
    await sign_up(client)
    client.cookies.delete("crm_access")
    client.cookies.delete("crm_refresh")
    client.cookies.set("crm_refresh", "not-a-token")
    response = await client.get("/feedback")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Ffeedback"
    cleared = response.headers.get_list("set-cookie")
    assert any(c.startswith("crm_access=") and "Max-Age=0" in c for c in cleared)


async def test_the_refresh_cookie_goes_to_every_page_and_stays_httponly_strict(client):
    await client.get("/register")
    response = await post_form(
        client,
        "/register",
        {"name": "A", "email": "cookie@example.com", "password": PASSWORD},
    )
    refresh = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("crm_refresh=")
    )
    assert "Path=/;" in refresh or refresh.endswith("Path=/")
    assert "HttpOnly" in refresh and "SameSite=strict" in refresh


async def test_sign_out_ends_the_session(client):
    await sign_up(client)
    refresh = client.cookies["crm_refresh"]
    response = await post_form(client, "/logout")
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    assert "crm_access" not in client.cookies
    assert (await client.get("/settings/profile")).status_code == 303
    replay = await client.post("/api/v1/auth/refresh", json={"refresh_token": refresh})
    assert replay.status_code == 401


# CSRF


async def test_a_form_post_without_the_csrf_field_is_refused(client):
    await sign_up(client)
    response = await client.post("/settings/profile", data={"name": "Mallory", "time_zone": "UTC"})
    assert response.status_code == 403
    wrong = await client.post(
        "/settings/profile", data={"name": "Mallory", "time_zone": "UTC", "csrf_token": "x"}
    )
    assert wrong.status_code == 403
    page = await client.get("/settings/profile")
    assert "Mallory" not in page.text


async def test_an_htmx_post_without_the_csrf_header_is_refused_with_a_toast(client):
    await sign_up(client)
    response = await client.post(
        "/feedback", data={"category": "bug", "message": "x"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 403
    assert response.headers["HX-Reswap"] == "none"
    assert "CSRF" in response.headers["HX-Trigger"]
    ok = await post_form(client, "/feedback", {"category": "bug", "message": "x"}, htmx=True)
    assert ok.status_code == 200


async def test_sign_in_sign_up_and_sign_out_forms_need_the_csrf_token_too(client):
    await client.get("/login")
    login = await client.post("/login", data={"email": "a@example.com", "password": PASSWORD})
    assert login.status_code == 403
    register = await client.post(
        "/register", data={"email": "a@example.com", "password": PASSWORD, "name": "A"}
    )
    assert register.status_code == 403
    assert (await client.post("/logout")).status_code == 403


# The CSP and escaping


@pytest.mark.parametrize("path", ["/login", "/register", "/settings/profile", "/feedback"])
async def test_pages_allow_only_their_own_scripts_and_styles(client, path):
    await sign_up(client) if path not in ("/login", "/register") else await client.get("/login")
    response = await client.get(path)
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    html = response.text
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == [], "no inline script"
    assert " style=" not in html and "<style" not in html, "no inline style"
    assert "http://" not in re.sub(r'value="http://[^"]*"', "", html.split("</head>")[0])


async def test_the_api_keeps_its_json_errors(client):
    response = await client.get("/api/v1/nothing-here")
    assert response.headers["content-type"] == "application/problem+json"
    page = await client.get("/nothing-here")
    assert page.status_code == 404 and "Page not found" in page.text


async def test_what_users_type_is_escaped(client):
    await sign_up(client, name='<script>alert("x")</script>')
    page = await client.get("/settings/profile")
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text


# Profile and password


async def test_profile_saves_name_and_time_zone_and_explains_a_bad_one(client):
    await sign_up(client)
    saved = await post_form(
        client, "/settings/profile", {"name": "Ada King", "time_zone": "Europe/London"}
    )
    assert saved.status_code == 200 and "Your profile is saved." in saved.text
    me = (await client.get("/api/v1/me")).json()
    assert (me["name"], me["time_zone"]) == ("Ada King", "Europe/London")
    bad = await post_form(
        client, "/settings/profile", {"name": "Ada K", "time_zone": "Mars/Olympus"}, htmx=True
    )
    assert bad.status_code == 422
    assert "&#39;Mars/Olympus&#39; is not a known time zone" in bad.text
    assert "<html" not in bad.text, "HTMX gets the tab panel only"
    assert 'value="Ada K"' in bad.text


async def test_password_change_checks_the_current_one_and_keeps_this_browser_signed_in(client):
    email = await sign_up(client)
    wrong = await post_form(
        client,
        "/settings/password",
        {
            "current_password": "nope",
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert wrong.status_code == 422 and "Current password is wrong" in wrong.text
    mismatch = await post_form(
        client,
        "/settings/password",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": "x"},
    )
    assert mismatch.status_code == 422 and "does not match the new password" in mismatch.text
    old_refresh = client.cookies["crm_refresh"]
    changed = await post_form(
        client,
        "/settings/password",
        {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 200 and "Your password is changed" in changed.text
    assert client.cookies["crm_refresh"] != old_refresh
    client.cookies.delete("crm_access")
    assert (await client.get("/settings/profile")).status_code == 200, "still signed in"
    old = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert old.status_code == 401
    new = await client.post("/api/v1/auth/login", json={"email": email, "password": NEW_PASSWORD})
    assert new.status_code == 200


# Invitations, members


async def test_invite_accept_and_manage_members_through_the_pages(app, client):
    await sign_up(client, name="Olivia Owner")
    link = await invite_link(client, "bob@example.com")
    path = link.removeprefix("http://127.0.0.1:8000")
    assert path.startswith("/invite/")
    pending = await client.get("/settings/workspace")
    assert "bob@example.com" in pending.text and link not in pending.text, "the link shows once"

    async with http_client(app) as bob:
        page = await bob.get(path)
        assert page.status_code == 200
        assert "Join Olivia Owner&#39;s workspace" in page.text and "bob@example.com" in page.text
        weak = await post_form(bob, path, {"name": "Bob", "password": "short"})
        assert weak.status_code == 422 and 'value="Bob"' in weak.text
        joined = await post_form(bob, path, {"name": "Bob Builder", "password": PASSWORD})
        assert (joined.status_code, joined.headers["location"]) == (303, "/assistant")
        tab = await bob.get("/settings/workspace")
        assert "Olivia Owner" in tab.text
        assert "/settings/invites" not in tab.text, "members do not manage invitations"
        bob_id = (await bob.get("/api/v1/me")).json()["id"]
        assert (await bob.get(path)).status_code == 404, "an invitation works once"

    members = await client.get("/settings/workspace")
    assert "Bob Builder" in members.text
    promoted = await post_form(client, f"/settings/members/{bob_id}/role", {"role": "admin"})
    assert promoted.status_code == 200 and "Bob Builder is now admin." in promoted.text
    removed = await post_form(client, f"/settings/members/{bob_id}/remove", htmx=True)
    assert removed.status_code == 200 and "Bob Builder" not in removed.text


async def test_inviting_an_existing_member_is_explained_in_the_form(client):
    email = await sign_up(client)
    response = await post_form(client, "/settings/invites", {"email": email, "role": "member"})
    assert response.status_code == 409
    assert "is already a member of this workspace" in response.text


async def test_revoked_invitation_page_says_it_is_gone(app, client):
    await sign_up(client)
    link = await invite_link(client, "carol@example.com")
    invite_id = (await client.get("/api/v1/workspace/invites")).json()["items"][0]["id"]
    revoked = await post_form(client, f"/settings/invites/{invite_id}/revoke")
    assert revoked.status_code == 200 and "The invitation is withdrawn." in revoked.text
    async with http_client(app) as carol:
        page = await carol.get(link.removeprefix("http://127.0.0.1:8000"))
        assert page.status_code == 404
        assert "invalid, used or expired" in page.text


@pytest.mark.parametrize(
    ("path", "files"),
    [
        ("/docs", ["swagger-ui-5.35.0.bundle.js", "swagger-ui-5.35.0.css"]),
        ("/redoc", ["redoc-2.5.4.standalone.js"]),
    ],
)
async def test_the_api_docs_load_only_files_of_the_package(client, path, files):
    page = await client.get(path)
    assert page.status_code == 200
    assert re.findall(r'(?:src|href)="(https?:)?//', page.text) == [], "nothing from a CDN"
    assert "fonts.googleapis" not in page.text
    for name in files:
        assert f'"/static/vendor/{name}"' in page.text
        served = await client.get(f"/static/vendor/{name}")
        assert served.status_code == 200 and len(served.content) > 100_000
    for licence in ("swagger-ui.LICENSE", "swagger-ui.NOTICE", "redoc.LICENSE"):
        assert (await client.get(f"/static/vendor/{licence}")).status_code == 200


async def test_search_finds_the_users_own_records_by_name_for_the_palette(app, client):
    await sign_up(client)
    headers = {"X-CSRF-Token": csrf(client)}
    org = await client.post(
        "/api/v1/organizations", json={"name": "Fabbrica Italia"}, headers=headers
    )
    await client.post("/api/v1/contacts", json={"name": "Fabio Rossi"}, headers=headers)
    project = {"name": "Fabric roll-out", "organization_id": org.json()["id"]}
    project_id = (await client.post("/api/v1/projects", json=project, headers=headers)).json()["id"]
    task = {"name": "Order fabric samples", "project_id": project_id}
    await client.post("/api/v1/tasks", json=task, headers=headers)
    found = await client.get("/search", params={"q": "fab"})
    assert found.status_code == 200
    names = re.findall(r"<span>([^<]+)</span><span class=\"palette-kind\">(\w+)</span>", found.text)
    assert sorted(names) == [
        ("Fabbrica Italia", "Organization"),
        ("Fabio Rossi", "Contact"),
        ("Fabric roll-out", "Project"),
        ("Order fabric samples", "Task"),
    ]
    assert f'data-href="/projects/{project_id}"' in found.text
    assert (await client.get("/search", params={"q": "f"})).text.strip() == ""

    async with http_client(app) as eve:
        await sign_up(eve)
        theirs = await eve.get("/search", params={"q": "fab"})
        assert theirs.status_code == 200 and "Fab" not in theirs.text
    client.cookies.clear()
    assert (await client.get("/search", params={"q": "fab"})).status_code in (303, 401)


async def test_search_counts_against_the_users_rate_limit(custom_app):
    async with custom_app(rate_limit_api="3/minute") as limited, http_client(limited) as ada:
        await sign_up(ada)
        answers = [(await ada.get("/search", params={"q": "ab"})).status_code for _ in range(4)]
    assert 429 in answers
