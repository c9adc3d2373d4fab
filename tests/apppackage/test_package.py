"""The zip: layout, reproducibility, versioning, atomic writes, and validating any package."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from codestream.apppackage import (
    OutputNotWritable,
    PackageSettings,
    create_package,
    validate_package,
)
from codestream.errors import InvalidInput

APP_ID = "11111111-2222-3333-4444-555555555555"
HOST = "codestream.example.com"
Build = Callable[..., Path]


def read_zip(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def manifest_of(path: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(read_zip(path)["manifest.json"])
    return result


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_it_puts_exactly_the_three_files_at_the_zip_root(build: Build) -> None:
    with zipfile.ZipFile(build()) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        assert archive.testzip() is None


def test_it_writes_a_package_that_passes_its_own_validation(build: Build) -> None:
    assert validate_package(build()) == []


def test_it_writes_the_manifest_as_utf8_json(build: Build) -> None:
    manifest = manifest_of(build(PackageSettings(name="Café Code")))
    assert manifest["name"]["short"] == "Café Code"
    assert manifest["id"] == APP_ID


def test_it_starts_at_version_1_0_0(tmp_path: Path) -> None:
    built = create_package(APP_ID, HOST, tmp_path / "app.zip")
    assert (built.version, built.previous_version, built.changed) == ("1.0.0", None, True)
    assert manifest_of(built.path)["version"] == "1.0.0"


def test_it_keeps_the_version_and_bytes_for_the_same_content(tmp_path: Path) -> None:
    out = tmp_path / "app.zip"
    first = create_package(APP_ID, HOST, out)
    first_bytes = out.read_bytes()
    second = create_package(APP_ID, HOST, out)
    assert (second.version, second.previous_version, second.changed) == ("1.0.0", "1.0.0", False)
    assert out.read_bytes() == first_bytes
    assert first.version == second.version


def test_it_bumps_the_patch_version_when_the_name_changes(tmp_path: Path) -> None:
    out = tmp_path / "app.zip"
    create_package(APP_ID, HOST, out)
    renamed = create_package(APP_ID, HOST, out, PackageSettings(name="Acme Code"))
    assert (renamed.version, renamed.previous_version) == ("1.0.1", "1.0.0")
    again = create_package(APP_ID, HOST, out, PackageSettings(name="Acme Code"))
    assert again.version == "1.0.1"
    back = create_package(APP_ID, HOST, out)
    assert back.version == "1.0.2", "Teams only takes a higher version, even for old content"
    assert manifest_of(out)["version"] == "1.0.2"


def test_it_bumps_the_version_when_the_host_or_colour_changes(tmp_path: Path) -> None:
    out = tmp_path / "app.zip"
    create_package(APP_ID, HOST, out)
    assert create_package(APP_ID, "other.example.com", out).version == "1.0.1"
    assert (
        create_package(
            APP_ID, "other.example.com", out, PackageSettings(accent_color="#000000")
        ).version
        == "1.0.2"
    )


def test_it_keeps_the_version_state_next_to_the_zip(tmp_path: Path) -> None:
    out = tmp_path / "app.zip"
    create_package(APP_ID, HOST, out)
    state = json.loads((tmp_path / "app.zip.version.json").read_text())
    assert state["version"] == "1.0.0"
    assert len(state["contentHash"]) == 64


def test_it_recovers_the_version_from_the_zip_when_the_state_file_is_lost(tmp_path: Path) -> None:
    out = tmp_path / "app.zip"
    create_package(APP_ID, HOST, out)
    create_package(APP_ID, HOST, out, PackageSettings(name="Acme Code"))
    (tmp_path / "app.zip.version.json").write_text("{not json")
    assert create_package(APP_ID, HOST, out, PackageSettings(name="Acme Code")).version == "1.0.1"
    (tmp_path / "app.zip.version.json").unlink()
    assert create_package(APP_ID, HOST, out).version == "1.0.2"


def test_it_rejects_bad_inputs_before_writing_anything(tmp_path: Path) -> None:
    out = tmp_path / "app.zip"
    with pytest.raises(InvalidInput, match="GUID"):
        create_package("nope", HOST, out)
    with pytest.raises(InvalidInput, match="no scheme"):
        create_package(APP_ID, "https://x.com", out)
    with pytest.raises(InvalidInput, match="accentColor"):
        create_package(APP_ID, HOST, out, PackageSettings(accent_color="red"))
    assert list(tmp_path.iterdir()) == []


def test_it_refuses_an_output_directory_that_does_not_exist(tmp_path: Path) -> None:
    out = tmp_path / "missing" / "app.zip"
    with pytest.raises(OutputNotWritable, match=r"directory .*missing does not exist"):
        create_package(APP_ID, HOST, out)
    assert not out.parent.exists()


def test_it_creates_the_default_directory_when_asked(tmp_path: Path) -> None:
    out = tmp_path / ".codestream" / "app.zip"
    assert create_package(APP_ID, HOST, out, create_parent=True).path.exists()


def test_it_explains_when_the_parent_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "home-is-a-file"
    blocker.write_text("")
    with pytest.raises(OutputNotWritable, match=r"cannot create directory .*HOME"):
        create_package(APP_ID, HOST, blocker / ".codestream" / "app.zip", create_parent=True)


def test_it_refuses_a_directory_as_output(tmp_path: Path) -> None:
    with pytest.raises(OutputNotWritable, match="is a directory"):
        create_package(APP_ID, HOST, tmp_path)


def test_it_leaves_the_old_package_and_no_temporary_files_when_writing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "app.zip"
    create_package(APP_ID, HOST, out)
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}

    def broken_replace(source: object, target: object) -> None:
        raise PermissionError(13, "Permission denied", str(target))

    monkeypatch.setattr("codestream.apppackage.package.os.replace", broken_replace)
    with pytest.raises(OutputNotWritable, match="Permission denied"):
        create_package(APP_ID, HOST, out, PackageSettings(name="Acme Code"))
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before


def test_it_catches_a_100px_colour_icon(build: Build, tmp_path: Path) -> None:
    files = read_zip(build())
    files["color.png"] = png(Image.new("RGB", (100, 100), "blue"))
    problems = validate_package(write_zip(tmp_path / "bad.zip", files))
    assert problems == ["color.png is 100x100; the colour icon must be 192x192 pixels"]


def test_it_catches_a_coloured_outline(build: Build, tmp_path: Path) -> None:
    files = read_zip(build())
    files["outline.png"] = png(Image.new("RGBA", (32, 32), (0, 128, 255, 255)))
    problems = validate_package(write_zip(tmp_path / "bad.zip", files))
    assert len(problems) == 1
    assert "outline.png has 1024 pixel(s) that are neither white nor transparent" in problems[0]


@pytest.mark.parametrize("missing", ["manifest.json", "color.png", "outline.png"])
def test_it_catches_a_missing_file(build: Build, tmp_path: Path, missing: str) -> None:
    files = read_zip(build())
    del files[missing]
    problems = validate_package(write_zip(tmp_path / "bad.zip", files))
    assert len(problems) == 1
    assert problems[0].startswith(f"{missing} is missing from the root of the zip")


def test_it_catches_a_manifest_that_breaks_the_schema(build: Build, tmp_path: Path) -> None:
    files = read_zip(build())
    manifest = json.loads(files["manifest.json"])
    manifest["bots"][0]["scopes"] = ["everywhere"]
    manifest["accentColor"] = "blue"
    files["manifest.json"] = json.dumps(manifest).encode()
    problems = validate_package(write_zip(tmp_path / "bad.zip", files))
    assert any(p.startswith("manifest.json accentColor:") for p in problems)
    assert any(p.startswith("manifest.json bots/0/scopes/0:") for p in problems)


def test_it_catches_a_manifest_that_is_not_json(build: Build, tmp_path: Path) -> None:
    files = read_zip(build())
    files["manifest.json"] = b"{oops"
    problems = validate_package(write_zip(tmp_path / "bad.zip", files))
    assert problems[0].startswith("manifest.json is not valid JSON")


def test_it_catches_files_zipped_inside_a_folder(build: Build, tmp_path: Path) -> None:
    files = {f"app/{name}": data for name, data in read_zip(build()).items()}
    problems = validate_package(write_zip(tmp_path / "bad.zip", files))
    assert "app/manifest.json is in a folder" in problems[0]
    assert "manifest.json is missing from the root of the zip" in problems


def test_it_catches_a_corrupt_or_missing_zip(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.zip"
    corrupt.write_bytes(b"PK\x03\x04 this is not really a zip")
    assert "is not a readable zip file" in validate_package(corrupt)[0]
    assert validate_package(tmp_path / "nothing.zip") == [
        f"{tmp_path / 'nothing.zip'} does not exist"
    ]
    assert "is a directory" in validate_package(tmp_path)[0]


def test_it_catches_a_truncated_zip(build: Build, tmp_path: Path) -> None:
    data = build().read_bytes()
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(data[: len(data) // 2])
    assert "is not a readable zip file" in validate_package(truncated)[0]
