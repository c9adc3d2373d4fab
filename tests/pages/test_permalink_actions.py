"""What a member does on the permalink page, over HTTP as a browser does it: reply, resolve and
reopen, assign and unassign, each with the page's CSRF token, then the page and the REST API
agree. Refused requests (bad input, no or a foreign CSRF token, a stranger, no session) say why
and change nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from typing import Any

import httpx

from pages.helpers import Site, csrf_token
from support.api import Member


@dataclass
class Team:
    """Alice's team "Plant Eaters" with Bob and Carol in it, and Alice's open issue."""

    alice: Member
    bob: Member
    carol: Member
    codemark_id: str


async def _team(site: Site) -> Team:
    alice = await site.api.sign_up("alice")
    bob = await site.api.sign_up("bob")
    carol = await site.api.sign_up("carol")
    team = await site.api.create_team(alice)
    await site.api.add_member(alice, team["id"], bob)
    await site.api.add_member(alice, team["id"], carol)
    codemark = await site.api.create_codemark(
        alice, team["id"], type="issue", title="Loop never ends"
    )
    return Team(alice, bob, carol, codemark["id"])


async def _submit(
    browser: httpx.AsyncClient, codemark_id: str, action: str, **fields: str
) -> httpx.Response:
    """Load the page and submit one of its forms with the page's own CSRF token."""
    page = await browser.get(f"/c/{codemark_id}")
    assert page.status_code == 200, page.text
    assert f'action="/c/{codemark_id}/{action}"' in page.text
    return await browser.post(
        f"/c/{codemark_id}/{action}", data={**fields, "csrf_token": csrf_token(page.text)}
    )


async def _followed(browser: httpx.AsyncClient, response: httpx.Response) -> str:
    """The page a POST-redirect-GET lands on."""
    assert response.status_code == 303, response.text
    page = await browser.get(response.headers["location"])
    assert page.status_code == 200
    return page.text


async def _codemark(site: Site, member: Member, codemark_id: str) -> dict[str, Any]:
    response = await site.api.client.get(f"/api/v1/codemarks/{codemark_id}", headers=member.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _replies(site: Site, member: Member, codemark_id: str) -> list[dict[str, Any]]:
    response = await site.api.client.get(
        f"/api/v1/codemarks/{codemark_id}/replies", headers=member.headers
    )
    assert response.status_code == 200, response.text
    return list(response.json())


def _notice(html: str) -> str:
    match = re.search(r'<p class="notice" role="status">([^<]*)</p>', html)
    assert match is not None, "no notice on the page"
    return unescape(match.group(1))


async def test_a_member_replies_from_the_page_as_themselves_from_the_web(site: Site) -> None:
    team = await _team(site)
    bob = await site.sign_in(team.bob)

    posted = await _submit(bob, team.codemark_id, "replies", text="On it: **today**.\n\nBob")

    assert posted.headers["location"] == f"/c/{team.codemark_id}?done=replied"
    html = await _followed(bob, posted)
    assert _notice(html) == "Your reply was posted."
    assert "<strong>today</strong>" in html
    assert '<strong>Bob</strong> <span class="origin origin-web">from the web</span>' in html
    assert "1 reply" in html
    (reply,) = await _replies(site, team.alice, team.codemark_id)
    assert reply["text"] == "On it: **today**.\n\nBob"
    assert reply["origin"] == "web"
    assert reply["creatorId"] == team.bob.id
    assert (await _codemark(site, team.alice, team.codemark_id))["numReplies"] == 1


async def test_each_reply_says_where_it_was_written(site: Site) -> None:
    team = await _team(site)
    response = await site.api.client.post(
        f"/api/v1/codemarks/{team.codemark_id}/replies",
        json={"text": "Written with curl."},
        headers=team.carol.headers,
    )
    assert response.status_code == 201
    response = await site.api.client.post(
        f"/api/v1/codemarks/{team.codemark_id}/replies",
        json={"text": "Written in the terminal.", "origin": "cli"},
        headers=team.carol.headers,
    )
    assert response.status_code == 201
    bob = await site.sign_in(team.bob)

    html = (await bob.get(f"/c/{team.codemark_id}")).text

    assert '<span class="origin origin-api">from the API</span>' in html
    assert '<span class="origin origin-cli">from the CLI</span>' in html


async def test_an_empty_or_too_long_reply_is_refused_and_kept_in_the_box(site: Site) -> None:
    team = await _team(site)
    bob = await site.sign_in(team.bob)

    empty = await _submit(bob, team.codemark_id, "replies", text="  \n ")
    too_long = await _submit(bob, team.codemark_id, "replies", text="x" * 50_001)

    assert empty.status_code == 422
    assert 'role="alert" id="reply-error">Write something before posting a reply.<' in empty.text
    assert 'aria-invalid="true"' in empty.text
    assert too_long.status_code == 422
    assert "A reply can be at most 50,000 characters; this one has 50,001." in too_long.text
    assert f">{'x' * 50_001}</textarea>" in too_long.text
    assert await _replies(site, team.alice, team.codemark_id) == []
    assert (await _codemark(site, team.alice, team.codemark_id))["numReplies"] == 0


async def test_a_member_resolves_and_reopens_the_issue(site: Site) -> None:
    team = await _team(site)
    bob = await site.sign_in(team.bob)

    resolved = await _followed(bob, await _submit(bob, team.codemark_id, "resolve"))

    assert _notice(resolved) == "You resolved it."
    assert '<span class="badge status-closed">Closed</span>' in resolved
    assert f'action="/c/{team.codemark_id}/reopen"' in resolved
    assert f'action="/c/{team.codemark_id}/resolve"' not in resolved
    assert (await _codemark(site, team.alice, team.codemark_id))["status"] == "closed"

    again = await bob.post(
        f"/c/{team.codemark_id}/resolve", data={"csrf_token": csrf_token(resolved)}
    )
    assert _notice(await _followed(bob, again)) == "It was already resolved; nothing changed."

    reopened = await _followed(bob, await _submit(bob, team.codemark_id, "reopen"))
    assert _notice(reopened) == "You reopened it."
    assert '<span class="badge status-open">Open</span>' in reopened
    assert (await _codemark(site, team.alice, team.codemark_id))["status"] == "open"


async def test_a_member_assigns_themselves_and_others_and_unassigns(site: Site) -> None:
    team = await _team(site)
    bob = await site.sign_in(team.bob)
    page = (await bob.get(f"/c/{team.codemark_id}")).text
    assert '<label for="assign-member" class="inline-label">Assign</label>' in page
    assert f'<option value="{team.carol.id}">Carol (carol@example.com)</option>' in page

    assigned = await _submit(bob, team.codemark_id, "assign", user_id=team.bob.id)
    me = await _followed(bob, assigned)
    assert _notice(me) == "Assigned to you."
    assert ">Unassign me</button>" in me
    assert '<span class="person">Bob</span>' in me

    carol = await _submit(bob, team.codemark_id, "assign", user_id=team.carol.id)
    assert _notice(await _followed(bob, carol)) == "Assigned to Carol."
    assert (await _codemark(site, team.alice, team.codemark_id))["assignees"] == [
        team.bob.id,
        team.carol.id,
    ]

    unassigned = await _submit(bob, team.codemark_id, "unassign", user_id=team.bob.id)
    off = await _followed(bob, unassigned)
    assert _notice(off) == "No longer assigned to you."
    assert 'aria-label="Unassign Carol"' in off
    assert ">Assign to me</button>" in off
    assert (await _codemark(site, team.alice, team.codemark_id))["assignees"] == [team.carol.id]


async def test_assigning_someone_outside_the_team_is_refused(site: Site) -> None:
    team = await _team(site)
    dave = await site.api.sign_up("dave")
    bob = await site.sign_in(team.bob)

    for user_id in [dave.id, "not-an-id", ""]:
        refused = await _submit(bob, team.codemark_id, "assign", user_id=user_id)
        assert refused.status_code == 422, user_id
        assert "is not a member of team &#39;Plant Eaters&#39;" in refused.text
        assert "pick one of its members from the list" in refused.text
        assert 'role="alert"' in refused.text
    assert (await _codemark(site, team.alice, team.codemark_id))["assignees"] == []


async def test_a_post_without_the_pages_csrf_token_changes_nothing(site: Site) -> None:
    team = await _team(site)
    bob = await site.sign_in(team.bob)
    carol = await site.sign_in(team.carol)
    carols_token = csrf_token((await carol.get(f"/c/{team.codemark_id}")).text)
    await bob.get(f"/c/{team.codemark_id}")  # Bob has a CSRF cookie too

    for token in [None, "forged", carols_token]:
        data = {"text": "sneaky", "user_id": team.bob.id}
        if token is not None:
            data["csrf_token"] = token
        for action in ["replies", "resolve", "assign"]:
            refused = await bob.post(f"/c/{team.codemark_id}/{action}", data=data)
            assert refused.status_code == 403, (token, action)
            assert "Nothing was changed" in refused.text

    codemark = await _codemark(site, team.alice, team.codemark_id)
    assert (codemark["status"], codemark["assignees"], codemark["numReplies"]) == ("open", [], 0)


async def test_a_stranger_gets_404_and_changes_nothing(site: Site) -> None:
    team = await _team(site)
    mallory = await site.api.sign_up("mallory")
    await site.api.create_team(mallory, "Other team")
    browser = await site.sign_in(mallory)
    home = await browser.get("/web/")
    token = csrf_token(home.text)

    for action, fields in [
        ("replies", {"text": "hi"}),
        ("resolve", {}),
        ("assign", {"user_id": mallory.id}),
        ("unassign", {"user_id": team.bob.id}),
    ]:
        refused = await browser.post(
            f"/c/{team.codemark_id}/{action}", data={**fields, "csrf_token": token}
        )
        assert refused.status_code == 404, action
        assert "Codemark not found" in refused.text
        assert "Loop never ends" not in refused.text

    codemark = await _codemark(site, team.alice, team.codemark_id)
    assert (codemark["status"], codemark["assignees"], codemark["numReplies"]) == ("open", [], 0)


async def test_a_post_without_a_session_goes_to_sign_in_and_changes_nothing(site: Site) -> None:
    team = await _team(site)
    browser = site.browser()
    login = await browser.get("/web/login")

    sent_away = await browser.post(
        f"/c/{team.codemark_id}/resolve", data={"csrf_token": csrf_token(login.text)}
    )

    assert sent_away.status_code == 303
    assert sent_away.headers["location"] == f"/web/login?next=/c/{team.codemark_id}"
    assert (await _codemark(site, team.alice, team.codemark_id))["status"] == "open"
