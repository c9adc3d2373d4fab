"""`serve` refusing a taken port, and `demo` running end to end."""

from __future__ import annotations

import socket

from typer.testing import CliRunner

from codestream.cli.main import app
from codestream.config import load_config
from support.cli import Instance


def test_it_says_when_the_port_is_taken(instance: Instance) -> None:
    port = load_config(instance.config_file).api_port
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        result = instance.run("serve")
    assert result.exit_code == 2
    assert f"port {port} on 127.0.0.1 is already in use" in result.output


def test_it_runs_the_demo_end_to_end(tmp_path: object) -> None:
    result = CliRunner().invoke(app, ["demo", "--check", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Demo check passed" in result.output
    assert "/c/" in result.output
