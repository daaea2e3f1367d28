"""The draft watermark of the PDF editions: the DOCX's, drawn as outlines behind every page.

The DOCX draws Word's own watermark (:func:`publisher.render.ooxml.watermark`, filled in by
``templates/make_docx_templates.py``): the word "PROJET" in Lato (French) or «مشروع» in Amiri (Arabic),
regular, stretched to a 440 x 150 pt box (300 x 170 pt in Arabic, where the word is short), turned
45 degrees up to the right (VML ``rotation:315``), centred, filled with #B41E1E at 14 % opacity.
The PDF draws the same shape as an SVG of the glyph outlines, shaped by HarfBuzz so that the Arabic
letters join, set as the background of every page: WeasyPrint paints backgrounds as artifacts, so the
watermark is never text (copy, search and screen readers skip it; PDF/UA-1, 7.1).
"""

from __future__ import annotations

import math
from functools import lru_cache

import uharfbuzz as hb
from fontTools.pens.boundsPen import BoundsPen
from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.pens.transformPen import TransformPen
from fontTools.ttLib import TTFont

from .. import fonts
from ..i18n import label
from ..model import Lang

COLOR, OPACITY = "#B41E1E", 0.14  # ooxml.watermark's fill and opacity
BOX = {Lang.FR: (440, 150), Lang.AR: (300, 170)}  # the shape's width and height in points, as in the DOCX
ANGLE = -45  # degrees, counter-clockwise on the page


def text(lang: Lang) -> str:
    """The word of the watermark, as the DOCX writes it."""
    word = label("projet", lang)
    return word.upper() if lang is Lang.FR else word


def _regular(lang: Lang):
    return next(face for face in fonts.faces(fonts.family(lang)) if face.weight == 400 and face.style == "normal")


def _outline(word: str, lang: Lang) -> tuple[str, tuple[float, float, float, float]]:
    """The SVG path of ``word`` shaped in the regular face of ``lang`` (font units, y down) and its ink box."""
    face = _regular(lang)
    blob = hb.Blob.from_file_path(str(face.path))
    font = hb.Font(hb.Face(blob))
    buffer = hb.Buffer()
    buffer.add_str(word)
    buffer.guess_segment_properties()
    hb.shape(font, buffer, {})
    ttfont = TTFont(str(face.path), lazy=True)
    glyphs = ttfont.getGlyphSet()
    path, bounds = SVGPathPen(glyphs), BoundsPen(glyphs)
    x = 0
    for info, position in zip(buffer.glyph_infos, buffer.glyph_positions):
        name = ttfont.getGlyphName(info.codepoint)
        origin = (1, 0, 0, -1, x + position.x_offset, -position.y_offset)
        glyphs[name].draw(TransformPen(path, origin))
        glyphs[name].draw(TransformPen(bounds, origin))
        x += position.x_advance
    return path.getCommands(), bounds.bounds


@lru_cache(maxsize=None)
def svg(lang: Lang) -> bytes:
    """The watermark of ``lang`` as a square SVG, ``side(lang)`` points wide, the word at its centre."""
    commands, (x0, y0, x1, y1) = _outline(text(lang), lang)
    width, height = BOX[lang]
    side = round(side_of(lang), 3)
    transform = (
        f"translate({side / 2:.3f} {side / 2:.3f}) rotate({ANGLE}) translate({-width / 2} {-height / 2}) "
        f"scale({width / (x1 - x0):.6f} {height / (y1 - y0):.6f}) translate({-x0} {-y0})"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{side}pt" height="{side}pt" viewBox="0 0 {side} {side}">'
        f'<path transform="{transform}" fill="{COLOR}" fill-opacity="{OPACITY}" d="{commands}"/></svg>'
    ).encode()


def side_of(lang: Lang) -> float:
    """The side of the square that holds the turned box, in points."""
    width, height = BOX[lang]
    angle = math.radians(ANGLE)
    return abs(width * math.cos(angle)) + abs(height * math.sin(angle))
