"""Input checks: app id, host and settings, with messages that say how to fix them."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from codestream.apppackage import PackageSettings, check_app_id, check_host, check_settings
from codestream.apppackage.validation import color_icon_problems, outline_icon_problems
from codestream.errors import InvalidInput


def png(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def test_it_accepts_a_guid_app_id_and_lowercases_it() -> None:
    assert check_app_id("ABCDEF01-2345-6789-ABCD-EF0123456789") == (
        "abcdef01-2345-6789-abcd-ef0123456789"
    )


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "1234",
        "not-a-guid",
        "11111111222233334444555555555555",
        "1111111-2222-3333-4444-55555555555g",
    ],
)
def test_it_rejects_a_non_guid_app_id_naming_it(bad: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_app_id(bad)
    assert f'app id "{bad}"' in caught.value.message
    assert "GUID" in caught.value.message
    assert caught.value.field == "app_id"


def test_it_says_to_drop_braces_around_a_guid() -> None:
    with pytest.raises(InvalidInput, match="leave out the braces"):
        check_app_id("{11111111-2222-3333-4444-555555555555}")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("codestream.example.com", "codestream.example.com"),
        ("CodeStream.Example.COM", "codestream.example.com"),
        ("  bot.example.com ", "bot.example.com"),
        ("a-b.c-d.example", "a-b.c-d.example"),
        ("bücher.example", "xn--bcher-kva.example"),
    ],
)
def test_it_accepts_a_bare_fqdn(value: str, expected: str) -> None:
    assert check_host(value) == expected


@pytest.mark.parametrize(
    ("bad", "hint"),
    [
        ("https://x.com", "bare host name, e.g. x.com — no scheme"),
        ("http://x.com/path", "no scheme"),
        ("x.com/api", "e.g. x.com — no path"),
        ("x.com?q=1", "no path"),
        ("x.com:443", "e.g. x.com — no port"),
        ("user@x.com", "no user name"),
        ("x.com.", "trailing dot"),
        ("localhost", "fully qualified"),
        ("10.0.0.1", "not an IP address"),
        ("[::1]", "not an IP address"),
        ("bad_host.example.com", "not a valid DNS name"),
        ("-bad.example.com", "not a valid DNS name"),
        ("", "host is empty"),
    ],
)
def test_it_rejects_a_host_that_is_not_a_bare_fqdn(bad: str, hint: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_host(bad)
    assert hint in caught.value.message
    if bad:
        assert f'host "{bad}"' in caught.value.message
    assert caught.value.field == "host"


def test_it_accepts_the_default_settings() -> None:
    assert check_settings(PackageSettings()) == PackageSettings()


@pytest.mark.parametrize(
    ("settings", "hint"),
    [
        (
            PackageSettings(name="x" * 31),
            "appPackage.name is 31 characters long; Teams allows at most 30",
        ),
        (PackageSettings(short_description="x" * 81), "at most 80"),
        (PackageSettings(developer_name="x" * 33), "at most 32"),
        (PackageSettings(name=" "), "appPackage.name is empty"),
        (
            PackageSettings(accent_color="blue"),
            'accentColor "blue": give an HTML colour like #009AEF',
        ),
        (PackageSettings(privacy_url="example.com/privacy"), "give a full https:// URL"),
        (PackageSettings(website_url="ftp://example.com"), "appPackage.websiteUrl"),
    ],
)
def test_it_rejects_settings_that_cannot_go_into_a_manifest(
    settings: PackageSettings, hint: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_settings(settings)
    assert hint in caught.value.message


def test_it_flags_a_wrongly_sized_colour_icon() -> None:
    problems = color_icon_problems(png(Image.new("RGB", (100, 100), "blue")))
    assert problems == ["color.png is 100x100; the colour icon must be 192x192 pixels"]


def test_it_flags_a_colour_icon_that_is_not_a_png() -> None:
    assert "must be a PNG" in color_icon_problems(png(Image.new("RGB", (192, 192)), "JPEG"))[0]
    assert "not a readable image" in color_icon_problems(b"garbage")[0]


def test_it_flags_coloured_outline_pixels() -> None:
    image = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    image.putpixel((3, 4), (255, 0, 0, 255))
    problems = outline_icon_problems(png(image))
    assert len(problems) == 1
    assert "1 pixel(s) that are neither white nor transparent (first at 3,4" in problems[0]


def test_it_flags_an_opaque_outline_background() -> None:
    problems = outline_icon_problems(png(Image.new("RGB", (32, 32), "black")))
    assert "1024 pixel(s)" in problems[0]


def test_it_accepts_semi_transparent_white_and_any_fully_transparent_pixel() -> None:
    image = Image.new("RGBA", (32, 32), (12, 34, 56, 0))
    image.putpixel((0, 0), (255, 255, 255, 128))
    assert outline_icon_problems(png(image)) == []


def test_it_flags_a_wrongly_sized_outline_icon() -> None:
    problems = outline_icon_problems(png(Image.new("RGBA", (48, 48), (0, 0, 0, 0))))
    assert problems == ["outline.png is 48x48; the outline icon must be 32x32 pixels"]
