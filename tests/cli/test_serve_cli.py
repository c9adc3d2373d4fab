"""`serve` and `emulator` refusing a taken port, and `demo` running end to end."""

from __future__ import annotations

import socket

import pytest
from typer.testing import CliRunner

from codestream.cli.main import app
from codestream.config import load_config, read_document, write_document
from support.cli import Instance


def test_it_says_when_the_port_is_taken(instance: Instance) -> None:
    port = load_config(instance.config_file).api_port
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        result = instance.run("serve")
    assert result.exit_code == 2
    assert f"port {port} on 127.0.0.1 is already in use" in result.output


def test_the_emulator_says_when_its_port_is_taken() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = CliRunner().invoke(app, ["emulator", "--port", str(port)])
    assert result.exit_code == 2
    assert f"port {port} on 127.0.0.1 is already in use" in result.output
    assert "Traceback" not in result.output


def test_it_runs_the_demo_end_to_end(tmp_path: object) -> None:
    result = CliRunner().invoke(app, ["demo", "--check", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Demo check passed" in result.output
    assert "/c/" in result.output


@pytest.mark.parametrize("command", ["serve", "worker"])
@pytest.mark.parametrize(
    ("delivery", "named"),
    [
        ({"deadlineHours": 0}, "delivery.deadlineHours: expected a number of hours more than 0"),
        ({"deadlineHours": 721}, "delivery.deadlineHours: expected a number of hours"),
        ({"inProcessWorker": "no"}, 'delivery.inProcessWorker: expected true or false, got "no"'),
    ],
)
def test_it_refuses_to_start_with_a_bad_delivery_setting_and_names_the_key(
    instance: Instance, command: str, delivery: dict[str, object], named: str
) -> None:
    document = read_document(instance.config_file)
    document["delivery"] = delivery
    write_document(instance.config_file, document)
    with socket.socket() as holder:  # a server that wrongly started would fail, not hang
        holder.bind(("127.0.0.1", document["apiServer"]["port"]))
        holder.listen()
        result = instance.run(command)
    assert result.exit_code == 2, result.output
    assert named in " ".join(result.output.split())
