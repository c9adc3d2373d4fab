"""`codemark create` says when the codemark's link to the code host would miss the lines.

The codemark is still created (the discussion matters more than the link); each warning says why
the "Open on GitHub" link would fail and what fixes it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from support.cli import Instance, log_in_ada


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=T", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def _pushed(repo: Path) -> None:
    """As if `git push -u origin main` had run: origin/main holds HEAD."""
    _git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")


@pytest.fixture
def logged_in(instance: Instance, live_server: str) -> Instance:
    log_in_ada(instance)
    return instance


def _create(instance: Instance, spec: str) -> str:
    result = instance.run("codemark", "create", spec, "--text", "Look here")
    assert result.exit_code == 0, result.output
    assert "Created comment" in result.output
    return result.output


def test_a_pushed_commit_of_a_tracked_file_gets_no_warning(
    logged_in: Instance, git_repo: Path
) -> None:
    _pushed(git_repo)

    output = _create(logged_in, "src/loop.py:1-2")

    assert "Warning" not in output


def test_an_untracked_file_is_named(logged_in: Instance, git_repo: Path) -> None:
    _pushed(git_repo)
    (git_repo / "src" / "draft.py").write_text("x = 1\n")

    output = _create(logged_in, "src/draft.py:1")

    assert "Warning: src/draft.py is not tracked by git" in output
    assert "'Open on GitHub' link will answer 404 until you add, commit and push it" in output


def test_an_unpushed_commit_is_named(logged_in: Instance, git_repo: Path) -> None:
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=git_repo, capture_output=True, text=True, check=True
    ).stdout.strip()

    output = _create(logged_in, "src/loop.py:1-2")

    assert f"Warning: commit {head[:8]} is on no remote branch yet" in output
    assert "until you push it" in output


def test_uncommitted_changes_are_named(logged_in: Instance, git_repo: Path) -> None:
    _pushed(git_repo)
    loop = git_repo / "src" / "loop.py"
    loop.write_text("# changed\n" + loop.read_text())

    output = _create(logged_in, "src/loop.py:1-2")

    assert "Warning: src/loop.py has uncommitted changes: the lines on GitHub" in output


def test_a_repository_without_a_remote_is_named(logged_in: Instance, git_repo: Path) -> None:
    _git(git_repo, "remote", "remove", "origin")

    output = _create(logged_in, "src/loop.py:1-2")

    assert "Warning: this repository has no git remote" in output
    assert "git remote add origin URL" in output


def test_a_repository_without_commits_is_named(
    logged_in: Instance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "fresh"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "remote", "add", "origin", "https://github.com/acme/fresh.git")
    (repo / "app.py").write_text("print('hi')\n")
    monkeypatch.chdir(repo)

    output = _create(logged_in, "app.py:1")

    assert "Warning: this repository has no commits yet" in output
    assert "'Open on GitHub' link will not find the file until you commit and push it" in output
