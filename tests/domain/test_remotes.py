"""Links from a marker to the lines on each hosting service, and remote normalization."""

from __future__ import annotations

import pytest

from codestream.domain.remotes import normalize_remote, parse_remote, remote_code_url

SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ("git@github.com:Acme/API.git", "github.com/acme/api"),
        ("https://github.com/acme/api", "github.com/acme/api"),
        ("https://user:pw@github.com/acme/api.git/", "github.com/acme/api"),
        ("ssh://git@gitlab.com:2222/group/sub/proj.git", "gitlab.com/group/sub/proj"),
        ("git@ssh.dev.azure.com:v3/org/project/repo", "dev.azure.com/org/project/_git/repo"),
        ("https://org.visualstudio.com/project/_git/repo", "dev.azure.com/org/project/_git/repo"),
    ],
)
def test_it_normalizes_the_forms_of_one_remote(remote: str, expected: str) -> None:
    assert normalize_remote(remote) == expected


@pytest.mark.parametrize(
    ("remote", "service", "url"),
    [
        (
            "git@github.com:acme/api.git",
            "GitHub",
            f"https://github.com/acme/api/blob/{SHA}/src/a.py#L3-L5",
        ),
        (
            "https://gitlab.com/acme/api.git",
            "GitLab",
            f"https://gitlab.com/acme/api/-/blob/{SHA}/src/a.py#L3-5",
        ),
        (
            "git@bitbucket.org:acme/api.git",
            "Bitbucket",
            f"https://bitbucket.org/acme/api/src/{SHA}/src/a.py#lines-3:5",
        ),
        (
            "https://dev.azure.com/acme/web/_git/api",
            "Azure DevOps",
            f"https://dev.azure.com/acme/web/_git/api?path=/src/a.py&version=GC{SHA}&line=3&lineEnd=6"
            "&lineStartColumn=1&lineEndColumn=1&lineStyle=plain&_a=contents",
        ),
    ],
)
def test_it_links_to_the_lines_on_each_service(remote: str, service: str, url: str) -> None:
    assert remote_code_url(remote, commit=SHA, file="src/a.py", start=3, end=5) == (service, url)


def test_it_links_one_line_without_a_range() -> None:
    link = remote_code_url(
        "git@github.com:acme/api.git", commit=None, file="a b.py", start=7, end=7
    )
    assert link == ("GitHub", "https://github.com/acme/api/blob/HEAD/a%20b.py#L7")


def test_it_gives_no_link_for_unknown_hosts_or_junk() -> None:
    assert remote_code_url("git@example.org:x/y.git", commit=SHA, file="a", start=1, end=1) is None
    assert parse_remote("not a remote") is None
    assert parse_remote("https://github.com/../../etc") is None
