"""`codestream create-mst-app-package` (alias `create-mst-app-pkg`) and `validate-mst-app-package`.

The first builds the Teams app package from the app id, the public API host and the optional
`appPackage` block of the services config; the second checks any package zip.
"""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import typer

from codestream.cli.output import console, err_console, fail, warn
from codestream.cli.state import CliState
from codestream.config import config_path, load_config
from codestream.errors import CodeStreamError

if TYPE_CHECKING:
    # The package's builder and validator (Pillow, jsonschema) load only when a command runs.
    from codestream.apppackage import PackageSettings
    from codestream.apppackage.links import LinkCheck

NEXT_STEP = (
    "Next: in Microsoft Teams, open Apps → Manage your apps → Upload an app → "
    "Upload a custom app, and choose that file. After a rebuild, upload it again to update the app."
)

APP_ID_HELP = "The Azure Bot's Microsoft App ID (a GUID); it becomes the Teams app id and bot id."
HOST_HELP = "The public API server's bare host name, e.g. codestream.example.com (no https://)."
OUT_HELP = "Where to write the zip (default: ~/.codestream/codestream-mst-app.zip)."
NO_LINKS_HELP = "Don't fetch the manifest's website, privacy and terms links to check they answer."
LINK_TIMEOUT_SECONDS = 10.0


def register(app: typer.Typer) -> None:
    """Attach the package commands (and the seed's short alias, hidden) to the root app."""
    app.command("create-mst-app-package")(create_mst_app_package)
    app.command("create-mst-app-pkg", hidden=True, help="Alias of create-mst-app-package.")(
        create_mst_app_package
    )
    app.command("validate-mst-app-package")(validate_mst_app_package)


def create_mst_app_package(
    ctx: typer.Context,
    app_id: str = typer.Argument(..., metavar="APP_ID", help=APP_ID_HELP),
    public_api_hostname: str = typer.Argument(..., metavar="PUBLIC_API_HOSTNAME", help=HOST_HELP),
    out: Path | None = typer.Option(None, "--out", "-o", help=OUT_HELP, show_default=False),
) -> None:
    """Build the Teams app package (manifest.json, color.png, outline.png) to side-load."""
    from codestream.apppackage import check_app_id, check_host, create_package, default_package_path

    try:
        check_app_id(app_id)
        host = check_host(public_api_hostname)
    except CodeStreamError as exc:
        fail(exc.message)
    settings = _settings_from_config(ctx, app_id, host)
    target = out if out is not None else default_package_path()
    try:
        built = create_package(
            app_id, public_api_hostname, target, settings, create_parent=out is None
        )
    except CodeStreamError as exc:
        fail(exc.message)
    if built.previous_version is None:
        change = "first build"
    elif built.changed:
        change = f"content changed since {built.previous_version}"
    else:
        change = "content unchanged"
    console.print(f"Wrote {built.path}", soft_wrap=True, highlight=False)
    console.print(
        f"App version {built.version} ({change}); app id {built.app_id}, host {built.host}",
        soft_wrap=True,
        highlight=False,
    )
    console.print(NEXT_STEP, soft_wrap=True, highlight=False)


def validate_mst_app_package(
    package: Path = typer.Argument(..., metavar="ZIP", help="The app package zip to check."),
    no_link_check: bool = typer.Option(False, "--no-link-check", help=NO_LINKS_HELP),
) -> None:
    """Check a Teams app package: zip layout, manifest schema (v1.30), icons, and that the
    developer links Teams shows in the app's details answer."""
    from codestream.apppackage import validate_package

    problems = validate_package(package)
    if problems:
        fail(
            f"{package} is not a valid Teams app package:\n"
            + "\n".join(f"  - {p}" for p in problems)
        )
    console.print(f"{package} is a valid Teams app package.", soft_wrap=True, highlight=False)
    if not no_link_check:
        for result in asyncio.run(_fetch_links(package)):
            _report_link(result)


async def _fetch_links(package: Path) -> list[LinkCheck]:
    import httpx

    from codestream.apppackage.links import check_links, links_in_package

    context = ssl.create_default_context()  # the system's store, as `doctor` trusts
    async with httpx.AsyncClient(verify=context, timeout=LINK_TIMEOUT_SECONDS) as http:
        return await check_links(http, links_in_package(package))


def _report_link(result: LinkCheck) -> None:
    """Warn about a dead link; note one this machine can't reach (Teams users may)."""
    if result.dead:
        warn(
            f"{result.describe()}; Teams shows it in the app's details. Serve a page there, or "
            f"set integrations.msteams.<name>.appPackage.{result.key} to a page that works and "
            "build the package again"
        )
    elif not result.reached:
        _note(f"{result.describe()}; open it in a browser to check it")


def _settings_from_config(ctx: typer.Context, app_id: str, host: str) -> PackageSettings:
    """Settings from the config's `appPackage` block; defaults (with a note) if there is none.
    Warns when the app id or host differ from the config's bot and public URL."""
    from codestream.apppackage import PackageSettings, settings_from_mapping

    state = ctx.find_object(CliState)
    path = config_path(state.config_path if state is not None else None)
    if not path.exists():
        _note(f"no services config at {path}; using the default name, texts and colour")
        return PackageSettings()
    try:
        config = load_config(path)
    except CodeStreamError as exc:
        fail(f"{exc.message}\n(the app package reads its name and texts from {path})")
    _warn_if_other_host(host, config.public_api_url, path)
    msteams = config.msteams
    if msteams is None:
        _note(f"{path} has no enabled integrations.msteams block; using the default name and texts")
        return PackageSettings()
    if msteams.bot_app_id and msteams.bot_app_id.lower() != app_id.strip().lower():
        warn(
            f"the app id {app_id} differs from botAppId {msteams.bot_app_id} in {path}; "
            "Teams will send messages for this app to a bot that won't accept them"
        )
    try:
        return settings_from_mapping(
            msteams.app_package, where=f"integrations.msteams.{msteams.block_name}.appPackage"
        )
    except CodeStreamError as exc:
        fail(f"{exc.message} (in {path})")


def _warn_if_other_host(host: str, public_url: str, path: Path) -> None:
    """The package's links and sign-in point at `host`; the server answers at `public_url`."""
    from codestream.apppackage import check_host

    try:
        served = check_host(urlsplit(public_url).hostname or "")
    except CodeStreamError:
        return  # an IP or localhost URL: a dev setup, nothing to compare
    if served != host:
        warn(
            f"the host {host} differs from apiServer.publicApiUrl {public_url} in {path}; "
            f"the app's sign-in, links and valid domains will point at {host}, not at the server"
        )


def _note(message: str) -> None:
    err_console.print(f"Note: {message}", soft_wrap=True, highlight=False, markup=False)
