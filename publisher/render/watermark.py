"""The draft watermark of the PDF editions: the DOCX's, drawn as outlines behind every page.

What it looks like is the house style's (``[filigrane]`` and ``couleurs.filigrane`` in
``assets/charte.toml``, :class:`publisher.charte.Watermark`), which the DOCX follows too
(:func:`publisher.render.ooxml.watermark`, Word's own watermark shape): the glossary's word "Projet"
(«مشروع»), in capitals where the charte asks, in the edition's regular face, stretched to the
charte's box (a shorter one in Arabic, where the word is short), turned by its angle rising to the
right, centred, filled with its colour at its opacity. The PDF draws the same shape as an SVG of
the glyph outlines, shaped by HarfBuzz so that the Arabic letters join, set as the background of
every page: WeasyPrint paints backgrounds as artifacts, so the watermark is never text (copy,
search and screen readers skip it; PDF/UA-1, 7.1).
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
from ..charte import Watermark
from ..i18n import label
from ..model import Lang


def text(lang: Lang, style: Watermark) -> str:
    """The word of the watermark, as both formats print it."""
    return style.word(label("projet", lang))


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


@lru_cache(maxsize=8)
def svg(lang: Lang, style: Watermark) -> bytes:
    """The watermark of ``lang`` as a square SVG, ``side_of(lang, style)`` points wide, the word at its centre."""
    commands, (x0, y0, x1, y1) = _outline(text(lang, style), lang)
    width, height = style.box(lang.value)
    side = round(side_of(lang, style), 3)
    transform = (
        f"translate({side / 2:.3f} {side / 2:.3f}) rotate({-style.angle:g}) translate({-width / 2:g} {-height / 2:g}) "
        f"scale({width / (x1 - x0):.6f} {height / (y1 - y0):.6f}) translate({-x0} {-y0})"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{side}pt" height="{side}pt" viewBox="0 0 {side} {side}">'
        f'<path transform="{transform}" fill="{style.colour}" fill-opacity="{style.opacity:g}" d="{commands}"/></svg>'
    ).encode()


def side_of(lang: Lang, style: Watermark) -> float:
    """The side of the square that holds the turned box, in points."""
    width, height = style.box(lang.value)
    angle = math.radians(style.angle)
    return abs(width * math.cos(angle)) + abs(height * math.sin(angle))
