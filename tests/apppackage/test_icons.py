"""The generated icons: sizes, modes, and an outline that is white on transparent only."""

from __future__ import annotations

import io
from typing import cast

from PIL import Image

from codestream.apppackage.icons import color_icon, outline_icon
from codestream.apppackage.validation import color_icon_problems, outline_icon_problems


def open_png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image


def test_it_draws_a_192px_colour_icon() -> None:
    image = open_png(color_icon("#009AEF"))
    assert image.size == (192, 192)
    assert image.mode == "RGB"


def test_it_fills_the_colour_icon_with_the_accent_colour_and_a_white_bubble() -> None:
    image = open_png(color_icon("#123ABC")).convert("RGB")
    assert image.getpixel((2, 2)) == (0x12, 0x3A, 0xBC)
    colours = {colour for _, colour in image.getcolors(maxcolors=192 * 192) or []}
    assert (255, 255, 255) in colours


def test_it_draws_a_32px_rgba_outline_icon() -> None:
    image = open_png(outline_icon())
    assert image.size == (32, 32)
    assert image.mode == "RGBA"


def test_it_uses_only_white_or_transparent_pixels_in_the_outline() -> None:
    image = open_png(outline_icon())
    pixels = [
        cast(tuple[int, int, int, int], image.getpixel((x, y)))
        for y in range(32)
        for x in range(32)
    ]
    assert all(pixel[3] == 0 or pixel[:3] == (255, 255, 255) for pixel in pixels)
    assert any(pixel[3] == 255 for pixel in pixels), "the outline draws something"
    assert any(pixel[3] == 0 for pixel in pixels), "the outline has a transparent background"


def test_it_passes_its_own_icon_checks() -> None:
    assert color_icon_problems(color_icon("#009AEF")) == []
    assert outline_icon_problems(outline_icon()) == []


def test_it_draws_the_same_pixels_every_time() -> None:
    assert open_png(color_icon("#009AEF")).tobytes() == open_png(color_icon("#009AEF")).tobytes()
    assert open_png(outline_icon()).tobytes() == open_png(outline_icon()).tobytes()
