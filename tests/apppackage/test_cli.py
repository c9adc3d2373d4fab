"""`codestream create-mst-app-package` / `create-mst-app-pkg` / `validate-mst-app-package`."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codestream.cli.main import _register_commands, app
from support.filesystem import make_read_only_directory

APP_ID = "11111111-2222-3333-4444-555555555555"
HOST = "codestream.example.com"
DEFAULT_ZIP = Path(".codestream/codestream-mst-app.zip")


@pytest.fixture(scope="module", autouse=True)
def registered() -> None:
    _register_commands()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str, home: Path | None = None) -> tuple[int, str, str]:
    env = {"HOME": str(home)} if home is not None else None
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def manifest_in(path: Path) -> dict[str, object]:
    with zipfile.ZipFile(path) as archive:
        result: dict[str, object] = json.loads(archive.read("manifest.json"))
    return result


def test_it_writes_the_package_under_home_by_default(
    runner: CliRunner, isolated_home: Path
) -> None:
    code, out, err = invoke(runner, "create-mst-app-package", APP_ID, HOST)
    assert code == 0, err
    target = isolated_home / DEFAULT_ZIP
    assert target.exists()
    assert f"Wrote {target}" in out
    assert "App version 1.0.0" in out
    assert "Apps → Manage your apps → Upload an app" in out
    assert "Note: no services config" in err
    assert manifest_in(target)["id"] == APP_ID


def test_it_honours_home(runner: CliRunner, tmp_path: Path) -> None:
    code, _, err = invoke(runner, "create-mst-app-package", APP_ID, HOST, home=tmp_path)
    assert code == 0, err
    assert (tmp_path / DEFAULT_ZIP).exists()


def test_it_accepts_the_seeds_short_alias(runner: CliRunner, isolated_home: Path) -> None:
    code, _, err = invoke(runner, "create-mst-app-pkg", APP_ID, HOST)
    assert code == 0, err
    assert (isolated_home / DEFAULT_ZIP).exists()


def test_it_hides_the_alias_from_help(runner: CliRunner) -> None:
    _, out, _ = invoke(runner, "--help")
    assert "create-mst-app-package" in out
    assert "validate-mst-app-package" in out
    assert "create-mst-app-pkg " not in out


def test_it_writes_where_out_says(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "teams.zip"
    code, out, err = invoke(runner, "create-mst-app-package", APP_ID, HOST, "--out", str(target))
    assert code == 0, err
    assert f"Wrote {target}" in out
    assert sorted(zipfile.ZipFile(target).namelist()) == [
        "color.png",
        "manifest.json",
        "outline.png",
    ]


def test_it_reports_an_unchanged_and_a_bumped_version(runner: CliRunner, tmp_path: Path) -> None:
    target = str(tmp_path / "teams.zip")
    invoke(runner, "create-mst-app-package", APP_ID, HOST, "--out", target)
    _, out, _ = invoke(runner, "create-mst-app-package", APP_ID, HOST, "--out", target)
    assert "App version 1.0.0 (content unchanged)" in out
    _, out, _ = invoke(
        runner, "create-mst-app-package", APP_ID, "other.example.com", "--out", target
    )
    assert "App version 1.0.1 (content changed since 1.0.0)" in out


def test_it_takes_name_and_texts_from_the_config(runner: CliRunner, isolated_home: Path) -> None:
    config = isolated_home / ".codestream" / "codestream-services-config.json"
    config.parent.mkdir()
    block = {
        "botAppId": APP_ID,
        "appPackage": {"name": "Acme Code", "developerName": "Acme IT", "accentColor": "#112233"},
    }
    document = {
        "apiServer": {"publicApiUrl": "https://codestream.example.com"},
        "sharedSecrets": {"auth": "a" * 40, "cookie": "c" * 40},
        "integrations": {"msteams": {"microsoft.com": block}},
    }
    config.write_text("// comments are fine\n" + json.dumps(document))
    code, _, err = invoke(runner, "create-mst-app-package", APP_ID, HOST)
    assert code == 0, err
    manifest = manifest_in(isolated_home / DEFAULT_ZIP)
    assert manifest["name"] == {"short": "Acme Code"}
    assert manifest["accentColor"] == "#112233"
    assert "authorization" in manifest  # RSC asked for by default
    assert "Note:" not in err

    block["appPackage"] = {"readChannelMessages": False}
    config.write_text(json.dumps(document))
    code, _, err = invoke(runner, "create-mst-app-package", APP_ID, HOST)
    assert code == 0, err
    manifest = manifest_in(isolated_home / DEFAULT_ZIP)
    assert "authorization" not in manifest and "webApplicationInfo" not in manifest
    assert "composeExtensions" in manifest  # the message extension, by default

    block["appPackage"] = {"messageExtension": False}
    config.write_text(json.dumps(document))
    code, _, err = invoke(runner, "create-mst-app-package", APP_ID, HOST)
    assert code == 0, err
    assert "composeExtensions" not in manifest_in(isolated_home / DEFAULT_ZIP)

    block["appPackage"] = {"readChannelMessages": "no"}
    config.write_text(json.dumps(document))
    code, _, err = invoke(runner, "create-mst-app-package", APP_ID, HOST)
    assert code == 2
    assert 'readChannelMessages: expected true or false, got "no"' in err


def test_it_warns_when_the_app_id_differs_from_the_configs_bot(
    runner: CliRunner, isolated_home: Path
) -> None:
    config = isolated_home / ".codestream" / "codestream-services-config.json"
    config.parent.mkdir()
    other = "99999999-8888-7777-6666-555555555555"
    document = {
        "apiServer": {"publicApiUrl": "https://codestream.example.com"},
        "sharedSecrets": {"auth": "a" * 40, "cookie": "c" * 40},
        "integrations": {"msteams": {"microsoft.com": {"botAppId": other}}},
    }
    config.write_text(json.dumps(document))
    code, _, err = invoke(runner, "create-mst-app-package", APP_ID, HOST)
    assert code == 0, err
    assert f"differs from botAppId {other}" in err


def test_it_warns_when_the_host_differs_from_the_public_url(
    runner: CliRunner, isolated_home: Path
) -> None:
    config = isolated_home / ".codestream" / "codestream-services-config.json"
    config.parent.mkdir()
    document = {
        "apiServer": {"publicApiUrl": "https://codestream.example.com:8443"},
        "sharedSecrets": {"auth": "a" * 40, "cookie": "c" * 40},
    }
    config.write_text(json.dumps(document))
    code, _, err = invoke(runner, "create-mst-app-package", APP_ID, "cs.example.org")
    assert code == 0, err
    assert "the host cs.example.org differs from apiServer.publicApiUrl" in err
    code, _, err = invoke(runner, "create-mst-app-package", APP_ID, "CodeStream.example.com")
    assert code == 0, err
    assert "differs from apiServer.publicApiUrl" not in err


def test_it_fails_clearly_on_a_corrupt_config(runner: CliRunner, isolated_home: Path) -> None:
    config = isolated_home / ".codestream" / "codestream-services-config.json"
    config.parent.mkdir()
    config.write_text("{ this is not json")
    code, _, err = invoke(runner, "create-mst-app-package", APP_ID, HOST)
    assert code == 2
    assert str(config) in err
    assert not (isolated_home / DEFAULT_ZIP).exists()


@pytest.mark.parametrize(
    ("app_id", "host", "message"),
    [
        ("not-a-guid", HOST, 'app id "not-a-guid": expected a GUID'),
        (
            APP_ID,
            "https://codestream.example.com",
            "give the bare host name, e.g. codestream.example.com — no scheme",
        ),
        (APP_ID, "codestream.example.com/api", "no path"),
        (APP_ID, "codestream.example.com:8443", "no port"),
    ],
)
def test_it_rejects_bad_arguments_and_writes_nothing(
    runner: CliRunner, isolated_home: Path, app_id: str, host: str, message: str
) -> None:
    code, _, err = invoke(runner, "create-mst-app-package", app_id, host)
    assert code == 2
    assert "Error:" in err
    assert message in err
    assert not (isolated_home / ".codestream").exists()


def test_it_explains_an_unwritable_home(runner: CliRunner, tmp_path: Path) -> None:
    home = tmp_path / "not-a-directory"
    home.write_text("")
    code, _, err = invoke(runner, "create-mst-app-package", APP_ID, HOST, home=home)
    assert code == 2
    assert f"cannot create directory {home / '.codestream'}" in err
    assert "HOME" in err


def test_it_explains_a_read_only_home(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "ro"
    home.mkdir()
    with monkeypatch.context() as patch:
        make_read_only_directory(patch, home)  # as chmod 0500 does, even for root
        code, _, err = invoke(runner, "create-mst-app-package", APP_ID, HOST, home=home)
    assert code == 2
    assert "cannot create directory" in err
    assert list(home.iterdir()) == []


def test_it_explains_an_out_directory_that_does_not_exist(
    runner: CliRunner, tmp_path: Path
) -> None:
    target = tmp_path / "nope" / "app.zip"
    code, _, err = invoke(runner, "create-mst-app-package", APP_ID, HOST, "--out", str(target))
    assert code == 2
    assert f"directory {tmp_path / 'nope'} does not exist" in err
    assert not target.parent.exists()


def test_it_validates_a_good_package(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "app.zip"
    invoke(runner, "create-mst-app-package", APP_ID, HOST, "--out", str(target))
    code, out, err = invoke(runner, "validate-mst-app-package", str(target))
    assert code == 0, err
    assert "is a valid Teams app package" in out


def test_it_rejects_a_corrupt_zip(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "corrupt.zip"
    target.write_bytes(b"definitely not a zip")
    code, _, err = invoke(runner, "validate-mst-app-package", str(target))
    assert code == 2
    assert f"{target} is not a valid Teams app package" in err
    assert "not a readable zip file" in err


def test_it_lists_every_problem_of_a_bad_package(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "bad.zip"
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("manifest.json", json.dumps({"manifestVersion": "1.30"}))
    code, _, err = invoke(runner, "validate-mst-app-package", str(target))
    assert code == 2
    assert "'id' is a required property" in err
    assert "color.png is missing" in err
    assert "outline.png is missing" in err


def test_it_warns_about_a_dead_privacy_link_naming_the_url_and_status(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The links Teams shows in the app's details are fetched: a 404 is a warning naming the
    URL and status; a link that answers says nothing."""
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from admin.tls import serve_tls
    from support.tls import self_signed

    site = Starlette(routes=[Route("/web/{page:path}", lambda _: PlainTextResponse("ok"))])
    certfile, keyfile = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(certfile))
    target = tmp_path / "app.zip"
    invoke(runner, "create-mst-app-package", APP_ID, HOST, "--out", str(target))
    with serve_tls(site, certfile, keyfile) as port:
        base = f"https://localhost:{port}"
        manifest = manifest_in(target)
        manifest["developer"] = {
            **manifest["developer"],  # type: ignore[dict-item]
            "websiteUrl": f"{base}/web/",
            "privacyUrl": f"{base}/privacy-was-moved",
            "termsOfUseUrl": f"{base}/web/terms",
        }
        with zipfile.ZipFile(target) as archive:
            files = {name: archive.read(name) for name in archive.namelist()}
        files["manifest.json"] = json.dumps(manifest).encode()
        with zipfile.ZipFile(target, "w") as archive:
            for name, data in files.items():
                archive.writestr(name, data)
        code, out, err = invoke(runner, "validate-mst-app-package", str(target))
    assert code == 0, err
    assert "is a valid Teams app package" in out
    assert f"Warning: privacyUrl {base}/privacy-was-moved answered 404" in err
    assert "appPackage.privacyUrl" in err
    assert "termsOfUseUrl" not in err and "websiteUrl" not in err


def test_it_checks_no_links_when_asked_not_to(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "app.zip"
    invoke(runner, "create-mst-app-package", APP_ID, HOST, "--out", str(target))
    code, _, err = invoke(runner, "validate-mst-app-package", str(target), "--no-link-check")
    assert code == 0, err
    assert "privacyUrl" not in err
