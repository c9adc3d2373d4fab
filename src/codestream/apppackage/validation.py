"""Checks for everything that goes into a Teams app package, with messages that say how to fix it.

Input checks (`check_app_id`, `check_host`, `check_settings`) raise `InvalidInput` and return the
normalised value. Content checks (`manifest_problems`, `color_icon_problems`,
`outline_icon_problems`) return a list of problems, empty when all is well, so a package can be
reported on in full.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft4Validator, FormatChecker  # type: ignore[import-untyped]
from PIL import Image, ImageChops, UnidentifiedImageError

from codestream.apppackage.settings import PackageSettings
from codestream.errors import InvalidInput

COLOR_ICON_SIZE = (192, 192)
OUTLINE_ICON_SIZE = (32, 32)
SCHEMA_RESOURCE = "schema/MicrosoftTeams.schema.json"

_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_EXAMPLE_GUID = "d6d4a5e8-1c3f-4b7a-9e2d-0f8c6b5a4e31"

# Limits from the v1.30 schema, checked up front for friendlier messages.
_MAX_LENGTHS: Mapping[str, tuple[str, int]] = {
    "name": ("name", 30),
    "short_description": ("shortDescription", 80),
    "full_description": ("fullDescription", 4000),
    "developer_name": ("developerName", 32),
}


def check_app_id(app_id: str) -> str:
    """Return the app id in lower case, or raise if it isn't a GUID.

    The app id is the Azure Bot's "Microsoft App ID" (the Entra app's client id).
    """
    candidate = app_id.strip()
    if candidate.startswith("{") and candidate.endswith("}"):
        raise InvalidInput(
            f'app id "{app_id}": leave out the braces, e.g. {candidate[1:-1]}', field="app_id"
        )
    if not _GUID.match(candidate):
        raise InvalidInput(
            f'app id "{app_id}": expected a GUID like {_EXAMPLE_GUID} — the "Microsoft App ID" '
            "shown on the Azure Bot's Configuration page",
            field="app_id",
        )
    return candidate.lower()


def check_host(host: str) -> str:
    """Return the public API host name in lower case (punycode for IDNs), or raise.

    The host must be a bare fully qualified domain name: no scheme, user, port, path, query or
    trailing dot, and not an IP address.
    """
    value = host.strip()
    example = _host_example(value)
    if not value:
        raise InvalidInput(
            "host is empty: give the public API host name, e.g. codestream.example.com",
            field="host",
        )
    if value.startswith("["):
        raise InvalidInput(
            f'host "{host}": give the DNS name of the public API server, not an IP address '
            "(Teams needs a host name with a trusted TLS certificate)",
            field="host",
        )
    if "://" in value or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:/", value):
        raise InvalidInput(
            f'host "{host}": give the bare host name, e.g. {example} — no scheme', field="host"
        )
    if "@" in value:
        raise InvalidInput(
            f'host "{host}": give the bare host name, e.g. {example} — no user name', field="host"
        )
    if any(ch in value for ch in "/?#"):
        raise InvalidInput(
            f'host "{host}": give the bare host name, e.g. {example} — no path', field="host"
        )
    if ":" in value:
        raise InvalidInput(
            f'host "{host}": give the bare host name, e.g. {example} — no port; Teams reaches '
            "the bot on port 443",
            field="host",
        )
    if value.endswith("."):
        raise InvalidInput(
            f'host "{host}": leave out the trailing dot, e.g. {value.rstrip(".")}', field="host"
        )
    try:
        ascii_host = value.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidInput(
            f'host "{host}": not a valid DNS name; use letters, digits, hyphens and dots, '
            "e.g. codestream.example.com",
            field="host",
        ) from None
    labels = ascii_host.split(".")
    if len(ascii_host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise InvalidInput(
            f'host "{host}": not a valid DNS name; use letters, digits, hyphens and dots, '
            "e.g. codestream.example.com",
            field="host",
        )
    if all(label.isdigit() for label in labels):
        raise InvalidInput(
            f'host "{host}": give the DNS name of the public API server, not an IP address '
            "(Teams needs a host name with a trusted TLS certificate)",
            field="host",
        )
    if len(labels) < 2:
        raise InvalidInput(
            f'host "{host}": give the fully qualified host name that Teams can reach, '
            f"e.g. {value}.example.com",
            field="host",
        )
    return ascii_host


def _host_example(value: str) -> str:
    """Best guess at the bare host inside a URL-ish value, for the error message."""
    parsed = urlsplit(value if "://" in value else f"//{value}")
    try:
        hostname = parsed.hostname
    except ValueError:
        hostname = None
    return hostname or "codestream.example.com"


def check_settings(settings: PackageSettings) -> PackageSettings:
    """Raise `InvalidInput` if a setting can't go into a manifest; return the settings unchanged."""
    for field, (key, limit) in _MAX_LENGTHS.items():
        value: str = getattr(settings, field)
        if not value.strip():
            raise InvalidInput(f"appPackage.{key} is empty: give some text", field=key)
        if len(value) > limit:
            raise InvalidInput(
                f"appPackage.{key} is {len(value)} characters long; Teams allows at most {limit}",
                field=key,
            )
    if not _HEX_COLOR.match(settings.accent_color):
        raise InvalidInput(
            f'appPackage.accentColor "{settings.accent_color}": give an HTML colour like #009AEF',
            field="accentColor",
        )
    for key, url in (
        ("websiteUrl", settings.website_url),
        ("privacyUrl", settings.privacy_url),
        ("termsOfUseUrl", settings.terms_of_use_url),
    ):
        if url is None:
            continue
        parsed = urlsplit(url)
        if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc:
            raise InvalidInput(
                f'appPackage.{key} "{url}": give a full https:// URL, e.g. '
                "https://codestream.example.com/web/privacy",
                field=key,
            )
    return settings


@cache
def manifest_schema() -> Mapping[str, Any]:
    """The Teams v1.30 manifest JSON Schema shipped inside this package."""
    text = resources.files("codestream.apppackage").joinpath(SCHEMA_RESOURCE).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator() -> Any:
    return Draft4Validator(manifest_schema(), format_checker=FormatChecker())


def manifest_problems(manifest: Any) -> list[str]:
    """Validate a manifest against the shipped v1.30 schema; one line per problem."""
    validator = _validator()
    problems: list[str] = []
    for error in sorted(validator.iter_errors(manifest), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
        problems.append(f"manifest.json {where}: {error.message}")
    return problems


def color_icon_problems(data: bytes, name: str = "color.png") -> list[str]:
    """Problems with the colour icon: it must be a 192x192 PNG."""
    image, problems = _open_png(data, name)
    if image is not None and image.size != COLOR_ICON_SIZE:
        problems.append(
            f"{name} is {image.width}x{image.height}; the colour icon must be 192x192 pixels"
        )
    return problems


def outline_icon_problems(data: bytes, name: str = "outline.png") -> list[str]:
    """Problems with the outline icon: a 32x32 PNG, white on transparent and nothing else.

    A pixel passes if it is fully transparent, or pure white (255, 255, 255) at any opacity, so
    anti-aliased edges are fine.
    """
    image, problems = _open_png(data, name)
    if image is None:
        return problems
    if image.size != OUTLINE_ICON_SIZE:
        problems.append(
            f"{name} is {image.width}x{image.height}; the outline icon must be 32x32 pixels"
        )
    rgba = image.convert("RGBA")
    bad = _off_colour_mask(rgba)
    count = bad.histogram()[255]
    if count:
        x, y = _first_set_pixel(bad)
        problems.append(
            f"{name} has {count} pixel(s) that are neither white nor transparent "
            f"(first at {x},{y}: {rgba.getpixel((x, y))}); the outline icon must be white "
            "(255,255,255) on a transparent background"
        )
    return problems


def _off_colour_mask(rgba: Image.Image) -> Image.Image:
    """A mode-L mask, 255 where a pixel is visible (alpha > 0) and not pure white."""
    red, green, blue, alpha = rgba.split()
    not_255 = [255] * 255 + [0]
    not_white = ImageChops.lighter(
        ImageChops.lighter(red.point(not_255), green.point(not_255)), blue.point(not_255)
    )
    visible = alpha.point([0] + [255] * 255)
    return ImageChops.multiply(not_white, visible)


def _first_set_pixel(mask: Image.Image) -> tuple[int, int]:
    """Row-major first non-zero pixel of a mask known to have one."""
    left, top, right, _ = mask.getbbox() or (0, 0, mask.width, mask.height)
    for x in range(left, right):
        if mask.getpixel((x, top)):
            return x, top
    return left, top


def _open_png(data: bytes, name: str) -> tuple[Image.Image | None, list[str]]:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        return None, [f"{name} is not a readable image ({exc}); it must be a PNG"]
    if image.format != "PNG":
        return image, [f"{name} is a {image.format} image; it must be a PNG"]
    return image, []
