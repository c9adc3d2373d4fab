"""The operator's commands: user create|list, team create|add-member, db upgrade|current."""

from __future__ import annotations

import re

from support.cli import Instance

PASSWORD = "correct horse battery\n"


def _create_user(instance: Instance, email: str, name: str = "Ada Lovelace") -> None:
    result = instance.run(
        "user", "create", "--email", email, "--name", name, "--password-stdin", input=PASSWORD
    )
    assert result.exit_code == 0, result.output


def test_it_creates_and_lists_users(instance: Instance) -> None:
    _create_user(instance, "ada@example.com")
    listed = instance.run("user", "list")
    assert listed.exit_code == 0
    assert "ada@example.com" in listed.output
    assert "Ada Lovelace" in listed.output


def test_it_refuses_a_taken_email_and_keeps_one_user(instance: Instance) -> None:
    _create_user(instance, "ada@example.com")
    again = instance.run(
        "user", "create", "--email", "ADA@example.com", "--password-stdin", input=PASSWORD
    )
    assert again.exit_code == 2
    assert "already has an account" in again.output
    assert instance.run("user", "list").output.count("ada@example.com") == 1


def test_it_refuses_a_bad_email_or_short_password(instance: Instance) -> None:
    bad_email = instance.run(
        "user", "create", "--email", "not-an-email", "--password-stdin", input=PASSWORD
    )
    assert bad_email.exit_code == 2
    assert "not-an-email" in bad_email.output
    short = instance.run(
        "user", "create", "--email", "bob@example.com", "--password-stdin", input="short\n"
    )
    assert short.exit_code == 2
    assert "at least 8 characters" in short.output
    assert "bob@example.com" not in instance.run("user", "list").output


def test_it_refuses_common_or_blank_passwords_naming_the_rule(instance: Instance) -> None:
    for password, rule in (("12345678", "common and breached"), (" " * 8, "only spaces")):
        weak = instance.run(
            "user", "create", "--email", "bob@example.com", "--password-stdin",
            input=password + "\n",
        )  # fmt: skip
        assert weak.exit_code == 2, weak.output
        assert rule in " ".join(weak.output.split()), weak.output
        assert "password:" in weak.output
    assert "bob@example.com" not in instance.run("user", "list").output


def test_it_creates_a_team_and_adds_a_member(instance: Instance) -> None:
    _create_user(instance, "ada@example.com")
    _create_user(instance, "grace@example.com", "Grace Hopper")
    created = instance.run("team", "create", "Plant Eaters", "--owner", "ada@example.com")
    assert created.exit_code == 0, created.output
    team_id = re.search(r"id ([0-9a-f]{24})", created.output)
    assert team_id is not None
    added = instance.run("team", "add-member", team_id.group(1), "grace@example.com")
    assert added.exit_code == 0, added.output
    assert "grace@example.com" in added.output
    twice = instance.run("team", "add-member", team_id.group(1), "grace@example.com")
    assert twice.exit_code == 2
    assert "already a member" in twice.output


def test_it_names_unknown_users_and_teams(instance: Instance) -> None:
    owner = instance.run("team", "create", "Ghosts", "--owner", "nobody@example.com")
    assert owner.exit_code == 2
    assert "nobody@example.com" in owner.output
    _create_user(instance, "ada@example.com")
    team = instance.run("team", "add-member", "0" * 24, "ada@example.com")
    assert team.exit_code == 2
    assert "not found" in team.output


def test_it_reports_and_applies_the_schema_revision(instance: Instance) -> None:
    upgraded = instance.run("db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    current = instance.run("db", "current")
    assert "up to date" in current.output


def test_it_explains_a_missing_config(instance: Instance, tmp_path: object) -> None:
    from typer.testing import CliRunner

    from codestream.cli.main import app

    result = CliRunner().invoke(app, ["--config", "/nonexistent/cs.json", "user", "list"])
    assert result.exit_code == 2
    assert "codestream init" in result.output
