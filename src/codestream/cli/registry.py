"""The table of command groups. Add a line here when you add a module of commands."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach every command module to the root app."""
    from codestream.cli import (
        account_cmd,
        admin_cmd,
        codemark_cmd,
        codemark_discuss_cmd,
        config_cmd,
        demo_cmd,
        notifications_cmd,
        package_cmd,
        server_cmd,
    )

    config_cmd.register(app)  # init, config show|get|set|validate
    package_cmd.register(app)
    server_cmd.register(app)  # serve, db upgrade|current
    admin_cmd.register(app)  # user create|list, team create|add-member
    account_cmd.register()  # user set-password|deactivate|..., team remove-member|msteams-links
    codemark_cmd.register(app)  # login, codemark create|list|share|channels
    codemark_discuss_cmd.register()  # codemark show|reply|resolve|reopen|assign|unassign
    notifications_cmd.register(app)  # notifications show|set|mute|mute-codemark
    demo_cmd.register(app)  # demo
    __import__("codestream.cli.service_cmd", fromlist=["register"]).register(app)  # start|stop|…
    __import__("codestream.cli.doctor_cmd", fromlist=["register"]).register(app)  # doctor
    __import__("codestream.cli.emulator_cmd", fromlist=["register"]).register(app)  # emulator
    __import__("codestream.cli.worker_cmd", fromlist=["register"]).register(app)  # worker
