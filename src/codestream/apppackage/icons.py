"""The app's icons, drawn with Pillow: a speech bubble holding `</>`.

* colour icon: 192x192 RGB PNG, the accent colour as a solid square background (no rounded corners,
  as Teams asks) and a white bubble within the central 120x120;
* outline icon: 32x32 RGBA PNG, a white bubble with the `</>` cut out, on transparent, filling the
  square. Every pixel is pure white at some opacity, so Teams' "white on transparent only" holds.

Shapes are drawn 8x larger and scaled down, which gives smooth edges.
"""

from __future__ import annotations

import io

from PIL import Image, ImageChops, ImageColor, ImageDraw

_SUPERSAMPLE = 8
Box = tuple[float, float, float, float]
Point = tuple[float, float]

# The logo in unit coordinates (0..1 across the box it is drawn into).
_BODY: Box = (0.0, 0.04, 1.0, 0.76)
_BODY_RADIUS = 0.17
_TAIL: tuple[Point, ...] = ((0.16, 0.70), (0.44, 0.70), (0.10, 0.98))
_GLYPH: tuple[tuple[Point, ...], ...] = (
    ((0.34, 0.24), (0.18, 0.40), (0.34, 0.56)),  # <
    ((0.585, 0.20), (0.415, 0.60)),  # /
    ((0.66, 0.24), (0.82, 0.40), (0.66, 0.56)),  # >
)
_STROKE = 0.085


def color_icon(accent_color: str, size: int = 192) -> bytes:
    """The full-colour icon as PNG bytes: a white bubble on `accent_color` (e.g. ``#009AEF``)."""
    accent = ImageColor.getrgb(accent_color)[:3]
    big = size * _SUPERSAMPLE
    margin = big * 36 / 192
    box = (margin, margin, big - margin, big - margin)
    bubble, glyph = _masks(big, box)
    image = Image.new("RGB", (big, big), accent)
    image.paste((255, 255, 255), mask=bubble)
    image.paste(accent, mask=glyph)
    return _png(image.resize((size, size), Image.Resampling.LANCZOS))


def outline_icon(size: int = 32) -> bytes:
    """The outline icon as PNG bytes: white bubble, `</>` cut out, transparent elsewhere."""
    big = size * _SUPERSAMPLE
    inset = big / 32
    bubble, glyph = _masks(big, (inset, inset, big - inset, big - inset))
    alpha = ImageChops.subtract(bubble, glyph).resize((size, size), Image.Resampling.BOX)
    white = Image.new("L", (size, size), 255)
    return _png(Image.merge("RGBA", (white, white, white, alpha)))


def _masks(canvas: int, box: Box) -> tuple[Image.Image, Image.Image]:
    """Masks (mode L) of the bubble and of the `</>` glyph, drawn into `box` on a square canvas."""
    left, top, right, bottom = box
    width, height = right - left, bottom - top

    def at(point: Point) -> Point:
        return (left + point[0] * width, top + point[1] * height)

    bubble = Image.new("L", (canvas, canvas), 0)
    draw = ImageDraw.Draw(bubble)
    x0, y0 = at(_BODY[:2])
    x1, y1 = at(_BODY[2:])
    draw.rounded_rectangle((x0, y0, x1, y1), radius=_BODY_RADIUS * width, fill=255)
    draw.polygon([at(point) for point in _TAIL], fill=255)

    glyph = Image.new("L", (canvas, canvas), 0)
    draw = ImageDraw.Draw(glyph)
    stroke = round(_STROKE * width)
    for stroke_points in _GLYPH:
        points = [at(point) for point in stroke_points]
        draw.line(points, fill=255, width=stroke, joint="curve")
        for x, y in (points[0], points[-1]):  # round caps
            half = stroke / 2
            draw.ellipse((x - half, y - half, x + half, y + half), fill=255)
    return bubble, glyph


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
