"""The CLI's output read by a script or pasted from a pipe: `--help` shows flags as flags (no
`<bool>`), and when stdout is not a terminal nothing is wrapped or cut: URLs stay whole, a table
prints one row per line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
from typer.testing import CliRunner

from codestream.cli.main import app
from codestream.cli.registry import COMMANDS
from codestream.config import read_document, write_document
from support.cli import Instance, log_in_ada
from support.servers import free_port

LONG_TITLE = "Loop never ends when n is negative because it only ever counts down to zero"


def _piped(*args: str) -> subprocess.CompletedProcess[str]:
    """`codestream ARGS` with stdin, stdout and stderr not a terminal, no COLUMNS hint."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "TERMINAL_WIDTH")}
    return subprocess.run(
        [sys.executable, "-m", "codestream", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def _all_commands() -> list[list[str]]:
    """Every command and subcommand, as the words typed before `--help`."""
    found: list[list[str]] = [[]]
    for name in COMMANDS:
        result = CliRunner().invoke(app, [name, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        found.append([name])
        if "Commands" in result.output:
            section = result.output.split("Commands", 1)[1]
            for line in section.splitlines():
                words = line.strip("│ ").split()
                if words and words[0].islower() and not words[0].startswith("-"):
                    found.append([name, words[0]])
    return found


def test_help_shows_flags_without_a_type_for_every_command() -> None:
    commands = _all_commands()
    assert ["codemark", "list"] in commands and ["demo"] in commands
    for words in commands:
        result = CliRunner().invoke(app, [*words, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, (words, result.output)
        assert "<bool>" not in result.output, (words, result.output)
    piped = _piped("demo", "--help")
    assert piped.returncode == 0, piped.stderr
    assert "--check" in piped.stdout and "<bool>" not in piped.stdout
    assert "<int range>" in piped.stdout  # options that take a value still say which


def _codemarks(instance: Instance, server: str) -> tuple[str, list[str]]:
    """Ada logged in, in one team, with three codemarks on src/loop.py:1-4; the token and ids."""
    log_in_ada(instance)
    for n in range(3):
        made = instance.run(
            "codemark", "create", "src/loop.py:1-4", "--type", "issue", "--title",
            f"{LONG_TITLE} {n}",
        )  # fmt: skip
        assert made.exit_code == 0, made.output
    listed = _piped("--config", str(instance.config_file), "codemark", "list")
    assert listed.returncode == 0, listed.stderr
    ids = [line.split()[1] for line in listed.stdout.splitlines() if " issue " in line]
    return server, ids


def test_piped_codemark_list_prints_one_whole_row_per_codemark(
    instance: Instance, live_server: str, git_repo: Path
) -> None:
    _, ids = _codemarks(instance, live_server)
    listed = _piped("--config", str(instance.config_file), "codemark", "list")
    rows = [line for line in listed.stdout.splitlines() if any(i in line for i in ids)]
    assert len(rows) == len(ids) == 3, listed.stdout
    for row in rows:
        assert LONG_TITLE[:58] in row, listed.stdout  # the summary: the title's first 60 chars
        assert "src/loop.py:1-4" in row, listed.stdout
        assert "…" not in row, listed.stdout


def test_piped_codemark_show_prints_whole_urls(
    instance: Instance, live_server: str, git_repo: Path
) -> None:
    server, ids = _codemarks(instance, live_server)
    token = json.loads((Path.home() / ".codestream" / "credentials").read_text())["token"]
    headers = {"Authorization": f"Bearer {token}"}
    item = httpx.get(f"{server}/api/v1/codemarks/{ids[0]}", headers=headers).json()
    github = item["markers"][0]["remoteCodeUrl"]
    assert github.startswith("https://github.com/acme/api/blob/") and len(github) > 80
    shown = _piped("--config", str(instance.config_file), "codemark", "show", ids[0])
    assert shown.returncode == 0, shown.stderr
    lines = [line.strip(" │") for line in shown.stdout.splitlines()]
    assert github in lines, shown.stdout
    assert f"Permalink: {item['permalink']}" in lines, shown.stdout
    assert "0 replies" in lines, shown.stdout


def test_piped_serve_prints_the_whole_public_url(tmp_path: Path, instance: Instance) -> None:
    public = "https://codestream.build-and-release.engineering.analytical-engines.example.com"
    doc = read_document(instance.config_file)
    doc["apiServer"]["publicApiUrl"] = public
    doc["apiServer"]["port"] = free_port()
    write_document(instance.config_file, doc)
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "TERMINAL_WIDTH")}
    serve = subprocess.Popen(
        [sys.executable, "-m", "codestream", "--config", str(instance.config_file), "serve"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        assert serve.stdout is not None
        first = serve.stdout.readline()
    finally:
        serve.terminate()
        serve.communicate(timeout=30)
    assert f"(public: {public})" in first, first
