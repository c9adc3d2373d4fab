"""The generated icons: sizes, modes, and an outline that is white on transparent only."""

from __future__ import annotations

import io
from typing import cast

from PIL import Image, ImageChops

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


def test_it_keeps_the_colour_symbol_in_the_central_120px_on_a_full_bleed_background() -> None:
    # Teams crops the colour icon (rounded corners, a circle in some places): the symbol goes in
    # the central 120x120 of the 192x192, and the background runs to the edges. "The symbol":
    # pixels visibly off the accent colour (by more than 32 of 255; anti-aliasing fades below).
    accent = (0x12, 0x3A, 0xBC)
    image = open_png(color_icon("#123ABC")).convert("RGB")
    difference = ImageChops.difference(image, Image.new("RGB", image.size, accent)).convert("L")
    symbol = difference.point(lambda level: 255 if level > 32 else 0).getbbox()
    assert symbol is not None
    left, top, right, bottom = symbol
    assert left >= 36 and top >= 36 and right <= 156 and bottom <= 156
    assert right - left >= 100 and bottom - top >= 100, "the symbol fills the safe area"


def test_it_fills_the_outline_square_and_lets_the_code_sign_show_through() -> None:
    # Teams draws the outline icon at 32 px on its own background: a margin would shrink it, and
    # the `</>` is seen only where the bubble is cut out (transparent).
    alpha = open_png(outline_icon()).getchannel("A")
    drawn = alpha.getbbox()
    assert drawn is not None
    left, top, right, bottom = drawn
    assert left <= 2 and top <= 2 and right >= 30 and bottom >= 30, drawn  # no wider margin
    row = [cast(int, alpha.getpixel((x, 13))) for x in range(32)]  # through the `<` and `>`
    opaque = [x for x, value in enumerate(row) if value == 255]
    holes = [x for x in range(opaque[0], opaque[-1]) if row[x] < 64]
    assert len(holes) >= 2, row
