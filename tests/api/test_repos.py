"""Repos: one per normalized remote, and links from markers to the hosting service."""

from __future__ import annotations

from support.api import Api
from support.world import World, assert_error

SHA = "0123456789abcdef0123456789abcdef01234567"


async def test_it_treats_https_and_ssh_forms_of_a_remote_as_one_repo(api: Api) -> None:
    alice = await api.sign_up()
    team = await api.create_team(alice)
    path = f"/api/v1/teams/{team['id']}/repos"
    forms = [
        "https://github.com/Acme/API.git",
        "git@github.com:acme/api.git",
        "ssh://git@github.com/acme/api",
        "https://ada@github.com:443/acme/api/",
    ]
    ids = set()
    for form in forms:
        response = await api.client.post(path, json={"remotes": [form]}, headers=alice.headers)
        assert response.status_code == 201, response.text
        ids.add(response.json()["id"])
    assert len(ids) == 1

    repos = (await api.client.get(path, headers=alice.headers)).json()
    assert len(repos) == 1
    repo = repos[0]
    assert repo["name"] == "API"
    assert repo["normalizedUrl"] == "github.com/acme/api"
    assert repo["remotes"] == forms  # every form seen is kept, once each

    other = await api.client.post(
        path, json={"remotes": ["git@github.com:acme/web.git"]}, headers=alice.headers
    )
    assert other.json()["id"] not in ids
    fetched = await api.client.get(f"/api/v1/repos/{repo['id']}", headers=alice.headers)
    assert fetched.json() == repo


async def test_it_uses_the_given_name_for_a_new_repo(api: Api) -> None:
    alice = await api.sign_up()
    team = await api.create_team(alice)
    response = await api.client.post(
        f"/api/v1/teams/{team['id']}/repos",
        json={"remotes": ["https://gitlab.com/acme/tools/cli.git"], "name": "The CLI"},
        headers=alice.headers,
    )
    assert response.status_code == 201
    assert response.json()["name"] == "The CLI"
    assert response.json()["normalizedUrl"] == "gitlab.com/acme/tools/cli"


LINKS: list[tuple[str, str | None]] = [
    (
        "git@github.com:acme/api.git",
        f"https://github.com/acme/api/blob/{SHA}/src/app.py#L3-L5",
    ),
    (
        "https://gitlab.com/acme/group/api.git",
        f"https://gitlab.com/acme/group/api/-/blob/{SHA}/src/app.py#L3-5",
    ),
    (
        "git@bitbucket.org:acme/api.git",
        f"https://bitbucket.org/acme/api/src/{SHA}/src/app.py#lines-3:5",
    ),
    (
        "git@ssh.dev.azure.com:v3/acme/Platform/api",
        f"https://dev.azure.com/acme/Platform/_git/api?path=/src/app.py&version=GC{SHA}"
        "&line=3&lineEnd=6&lineStartColumn=1&lineEndColumn=1&lineStyle=plain&_a=contents",
    ),
    (
        "https://acme.visualstudio.com/DefaultCollection/Platform/_git/api",
        f"https://dev.azure.com/acme/Platform/_git/api?path=/src/app.py&version=GC{SHA}"
        "&line=3&lineEnd=6&lineStartColumn=1&lineEndColumn=1&lineStyle=plain&_a=contents",
    ),
    ("https://git.internal.example/acme/api.git", None),
]


async def test_it_links_a_marker_to_its_lines_on_the_hosting_service(api: Api) -> None:
    alice = await api.sign_up()
    for remote, expected in LINKS:
        team = await api.create_team(alice)
        marker = {
            "file": "src/app.py",
            "lineStart": 3,
            "lineEnd": 5,
            "remotes": [remote],
            "commitSha": SHA,
        }
        codemark = await api.create_codemark(alice, team["id"], markers=[marker])
        assert codemark["markers"][0]["remoteCodeUrl"] == expected, remote
        assert codemark["markers"][0]["repoId"] is not None


async def test_it_refuses_what_is_not_a_git_remote(world: World) -> None:
    before = await world.snapshot()
    for remotes in (
        [],
        [""],
        ["not a url"],
        ["https://github.com"],
        ["https://github.com/acme/../etc"],
        ["https://github.com/acme/api\nhttps://evil.example/x"],
        ["https://github.com/" + "a" * 1000],
        ["git@github.com:acme/api.git"] * 21,
    ):
        response = await world.client.post(
            f"/api/v1/teams/{world.team['id']}/repos",
            json={"remotes": remotes},
            headers=world.alice.headers,
        )
        assert_error(response, 422)
    assert await world.snapshot() == before


async def test_it_hides_another_teams_repo(world: World) -> None:
    other_repo_id = world.other_codemark["markers"][0]["repoId"]
    own = await world.client.get(f"/api/v1/repos/{other_repo_id}", headers=world.carol.headers)
    assert own.status_code == 200
    response = await world.client.get(f"/api/v1/repos/{other_repo_id}", headers=world.alice.headers)
    assert_error(response, 404, "not_found")
    unknown = await world.client.get("/api/v1/repos/" + "0" * 24, headers=world.alice.headers)
    assert_error(unknown, 404)


async def test_it_refuses_a_marker_on_another_teams_repo(world: World) -> None:
    before = await world.snapshot()
    other_repo_id = world.other_codemark["markers"][0]["repoId"]
    response = await world.client.post(
        "/api/v1/codemarks",
        json={
            "teamId": world.team["id"],
            "text": "sneaky",
            "markers": [{"file": "a.py", "lineStart": 1, "lineEnd": 1, "repoId": other_repo_id}],
        },
        headers=world.alice.headers,
    )
    error = assert_error(response, 422)
    assert error["field"] == "repoId"
    assert await world.snapshot() == before
