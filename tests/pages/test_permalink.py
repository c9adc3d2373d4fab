"""The codemark permalink page `/c/<id>` over HTTP, as a team member and as strangers see it."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from pages.helpers import Site
from support.api import Member

SHA = "a" * 40


async def _team_with_codemark(site: Site, **fields: Any) -> tuple[Member, dict[str, Any]]:
    alice = await site.api.sign_up("alice")
    team = await site.api.create_team(alice)
    codemark = await site.api.create_codemark(alice, team["id"], **fields)
    return alice, codemark


async def _reply(site: Site, member: Member, codemark_id: str, text: str) -> None:
    response = await site.api.client.post(
        f"/api/v1/codemarks/{codemark_id}/replies", json={"text": text}, headers=member.headers
    )
    assert response.status_code == 201, response.text


def _hrefs(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', html)]


async def test_it_shows_a_member_the_codemark_its_code_links_and_replies(site: Site) -> None:
    alice = await site.api.sign_up("alice")
    bob = await site.api.sign_up("bob")
    team = await site.api.create_team(alice)
    await site.api.add_member(alice, team["id"], bob)
    codemark = await site.api.create_codemark(
        alice,
        team["id"],
        type="issue",
        title="Loop never ends",
        text="When `n` is negative this spins.\n\nSee **the docs**.",
        tags=["bug", "perf"],
        assignees=[bob.id],
    )
    await _reply(site, bob, codemark["id"], "Good catch, fixing it.")
    browser = await site.sign_in(bob)

    page = await browser.get(f"/c/{codemark['id']}")

    assert page.status_code == 200
    html = page.text
    assert "<title>Loop never ends · CodeStream</title>" in html
    assert "<h1>Loop never ends</h1>" in html
    assert ">Issue</span>" in html
    assert ">Open</span>" in html
    assert "<strong>Alice</strong>" in html
    assert "<code>n</code>" in html
    assert "<strong>the docs</strong>" in html
    assert '<span class="tag">bug</span>' in html
    assert '<span class="person">Bob</span>' in html
    assert "[api] src/app/loop.py (Lines 3-5)" in html
    assert "main" in html
    assert "aaaaaaa" in html
    numbers = re.findall(r'<td class="ln" data-line="(\d+)">', html)
    assert numbers == ["3", "4", "5"]
    assert "<code>while n != 0:</code>" in html
    hrefs = _hrefs(html)
    assert f"https://github.com/acme/api/blob/{SHA}/src/app/loop.py#L3-L5" in hrefs
    assert ">Open on GitHub</a>" in html
    vscode = next(h for h in hrefs if h.startswith("vscode://"))
    assert vscode.startswith("vscode://codestream.codestream/codemark/open?")
    assert f"id={codemark['id']}" in vscode
    assert "file=src/app/loop.py" in vscode
    assert "line=3" in vscode
    jetbrains = next(h for h in hrefs if h.startswith("jetbrains://"))
    assert jetbrains == "jetbrains://idea/navigate/reference?project=api&path=src/app/loop.py:2"
    assert "1 reply" in html
    assert '<strong>Bob</strong> <span class="origin origin-api">from the API</span>' in html
    assert "Good catch, fixing it." in html
    assert page.headers["cache-control"] == "no-store"


async def test_it_shows_an_untitled_comment_by_its_text(site: Site) -> None:
    alice, codemark = await _team_with_codemark(site)
    browser = await site.sign_in(alice)

    page = await browser.get(f"/c/{codemark['id']}")

    assert page.status_code == 200
    assert "<title>This loop never ends when `n` is negative. · CodeStream</title>" in page.text
    assert ">Comment</span>" in page.text
    assert "No replies yet." in page.text


async def test_it_shows_a_codemark_without_code_or_repo(site: Site) -> None:
    alice, codemark = await _team_with_codemark(
        site, markers=[{"file": "notes/todo.md", "lineStart": 7, "lineEnd": 7}]
    )
    browser = await site.sign_in(alice)

    page = await browser.get(f"/c/{codemark['id']}")

    assert page.status_code == 200
    assert "notes/todo.md (Line 7)" in page.text
    assert "No code was saved with this marker." in page.text
    assert "Open on" not in page.text
    assert "path=notes/todo.md:6" in unescape(page.text)


async def test_it_sends_a_visitor_without_a_session_to_sign_in_first(site: Site) -> None:
    _alice, codemark = await _team_with_codemark(site)

    page = await site.browser().get(f"/c/{codemark['id']}")

    assert page.status_code == 303
    assert page.headers["location"] == f"/web/login?next=/c/{codemark['id']}"


async def test_it_comes_back_to_the_codemark_after_signing_in(site: Site) -> None:
    alice, codemark = await _team_with_codemark(site)
    permalink = f"/c/{codemark['id']}"
    browser = site.browser()
    sent_away = await browser.get(permalink)
    assert sent_away.status_code == 303
    form = await browser.get(sent_away.headers["location"])

    signed_in = await site.submit_login(browser, form, alice)

    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == permalink
    page = await browser.get(signed_in.headers["location"])
    assert page.status_code == 200
    assert "src/app/loop.py" in page.text


async def test_it_answers_404_to_a_signed_in_stranger(site: Site) -> None:
    _alice, codemark = await _team_with_codemark(site, type="question", title="Secret plans")
    mallory = await site.api.sign_up("mallory")
    await site.api.create_team(mallory, "Other team")
    browser = await site.sign_in(mallory)

    page = await browser.get(f"/c/{codemark['id']}")

    assert page.status_code == 404
    assert "Codemark not found" in page.text
    assert "Secret plans" not in page.text
    assert "loop.py" not in page.text


async def test_it_answers_404_for_unknown_malformed_and_deleted_ids(site: Site) -> None:
    alice, codemark = await _team_with_codemark(site)
    browser = await site.sign_in(alice)
    deleted = await site.api.client.delete(
        f"/api/v1/codemarks/{codemark['id']}", headers=alice.headers
    )
    assert deleted.status_code == 204

    for codemark_id in [codemark["id"], "0123456789abcdef01234567", "not-an-id", "%3Cscript%3E"]:
        page = await browser.get(f"/c/{codemark_id}")
        assert page.status_code == 404, codemark_id
        assert page.headers["content-type"].startswith("text/html")
        assert "<script>" not in page.text


async def test_it_escapes_hostile_text_everywhere(site: Site) -> None:
    evil = "<script>alert(1)</script>"
    alice = await site.api.sign_up("alice")
    team = await site.api.create_team(alice, f"Team {evil}")
    codemark = await site.api.create_codemark(
        alice,
        team["id"],
        type="issue",
        title=f"Title {evil}",
        text=f'Text {evil} [click](javascript:alert(1)) [ok](https://example.com/"onmouseover=x)',
        tags=[f"t{evil}"[:50]],
        markers=[
            {
                "file": f"src/{evil}.py",
                "lineStart": 1,
                "lineEnd": 2,
                "code": f"x = '{evil}'\ny = \"&amp;\"",
                "branch": f"b{evil}",
                "remotes": ["git@github.com:acme/api.git"],
            }
        ],
    )
    await _reply(site, alice, codemark["id"], f"Reply {evil} <img src=x onerror=alert(1)>")
    browser = await site.sign_in(alice)

    page = await browser.get(f"/c/{codemark['id']}")

    assert page.status_code == 200
    html = page.text
    assert "<script>" not in html
    assert "<img" not in html
    assert "javascript:" not in "".join(_hrefs(html))
    assert not any("onmouseover" in tag for tag in re.findall(r"<a [^>]*>", html))
    assert html.count("&lt;script&gt;") >= 7  # title, page title, text, tag, file, code, reply
    assert "y = &#34;&amp;amp;&#34;" in html


async def test_it_lists_the_users_teams_and_codemarks_at_home(site: Site) -> None:
    alice, codemark = await _team_with_codemark(site)
    browser = await site.sign_in(alice)

    home = await browser.get("/web/")

    assert home.status_code == 200
    assert "Plant Eaters" in home.text
    assert f'href="/c/{codemark["id"]}"' in home.text
