"""Setters on existing paragraphs and runs: fonts, sizes, weight, colour, language, spacing, indents,
alignment, borders, shading, numbering. Each inserts its element at its place in the schema order.
"""

from __future__ import annotations

from typing import Sequence

from docx.oxml.ns import qn

from .schema import PPR_ORDER, RPR_ORDER, child, mm, new_element


def set_fonts(rpr_element, name: str, *, cs: str | None = None) -> None:
    """Set every font slot (ascii, hAnsi, eastAsia, and cs, the complex-script slot python-docx ignores)."""
    child(rpr_element, "rFonts", RPR_ORDER, {"ascii": name, "hAnsi": name, "eastAsia": name})
    set_cs_font(rpr_element, cs or name)


def set_cs_font(rpr_element, name: str) -> None:
    """Set only the complex-script font slot (``w:rFonts/@w:cs``)."""
    child(rpr_element, "rFonts", RPR_ORDER, {"cs": name})


def set_size(rpr_element, points: float) -> None:
    """Set the size of both the Latin (``w:sz``) and the complex-script (``w:szCs``) text."""
    half = str(round(points * 2))
    child(rpr_element, "sz", RPR_ORDER, {"val": half})
    child(rpr_element, "szCs", RPR_ORDER, {"val": half})


def set_bold(rpr_element, on: bool = True) -> None:
    """Bold for Latin (``w:b``) and complex-script (``w:bCs``) text."""
    for tag in ("b", "bCs"):
        element = child(rpr_element, tag, RPR_ORDER)
        if not on:
            element.set(qn("w:val"), "0")


def set_italic(rpr_element, on: bool = True) -> None:
    """Italic for Latin (``w:i``) and complex-script (``w:iCs``) text."""
    for tag in ("i", "iCs"):
        element = child(rpr_element, tag, RPR_ORDER)
        if not on:
            element.set(qn("w:val"), "0")


def set_lang(rpr_element, latin: str, bidi: str | None = None) -> None:
    """The languages of a run: ``w:val`` for Latin text, ``w:bidi`` for right-to-left text."""
    attrs = {"val": latin, "eastAsia": latin}
    if bidi:
        attrs["bidi"] = bidi
    child(rpr_element, "lang", RPR_ORDER, attrs)


def set_color(rpr_element, hex_rgb: str) -> None:
    """A text colour, ``RRGGBB``."""
    child(rpr_element, "color", RPR_ORDER, {"val": hex_rgb})


def set_caps(rpr_element) -> None:
    """Small-caps-free capitals (``w:caps``): the letters stay lower case in the text."""
    child(rpr_element, "caps", RPR_ORDER)


def set_spacing(ppr_element, before: float = 0, after: float = 0, line: float | None = None) -> None:
    """Space before and after a paragraph, in points; ``line`` a multiple of single spacing."""
    attrs = {"before": round(before * 20), "after": round(after * 20)}
    if line is not None:
        attrs.update(line=round(line * 240), lineRule="auto")
    child(ppr_element, "spacing", PPR_ORDER, attrs)


def set_indent(ppr_element, start: float = 0, hanging: float = 0, end: float = 0) -> None:
    """Indents in millimetres, from the paragraph's start and end (bidi paragraphs mirror them)."""
    attrs = {"left": mm(start), "right": mm(end)}
    if hanging:
        attrs["hanging"] = mm(hanging)
    child(ppr_element, "ind", PPR_ORDER, attrs)


def set_justification(ppr_element, value: str) -> None:
    """``w:jc``: use ``center`` or ``both`` (justified); ``start``/``end`` follow the direction.

    Inside a bidi paragraph ``left`` lands on the right: never use left/right for direction-aware text.
    """
    child(ppr_element, "jc", PPR_ORDER, {"val": value})


def keep_with_next(ppr_element) -> None:
    """Keep a paragraph on the page of the next one (headings, table captions)."""
    child(ppr_element, "keepNext", PPR_ORDER)
    child(ppr_element, "keepLines", PPR_ORDER)


def page_break_before(ppr_element, on: bool = True) -> None:
    """Start a paragraph on a new page (``w:pageBreakBefore``); ``on=False`` overrides a style."""
    element = child(ppr_element, "pageBreakBefore", PPR_ORDER)
    if not on:
        element.set(qn("w:val"), "0")


def outline_level(ppr_element, level: int) -> None:
    """The outline level (0 = level 1) that the sommaire and the navigation pane read."""
    child(ppr_element, "outlineLvl", PPR_ORDER, {"val": level})


def border(ppr_element, side: str, size_eighths: int = 6, color: str = "1F4E79", space: int = 4) -> None:
    """A paragraph border line (``top``, ``bottom``), ``size`` in eighths of a point."""
    borders = child(ppr_element, "pBdr", PPR_ORDER)
    edge = borders.find(qn(f"w:{side}"))
    if edge is None:
        edge = new_element(f"w:{side}")
        order = ("top", "left", "bottom", "right", "between", "bar")
        later = {qn(f"w:{t}") for t in order[order.index(side) + 1:]}
        for index, existing in enumerate(borders):
            if existing.tag in later:
                borders.insert(index, edge)
                break
        else:
            borders.append(edge)
    for key, value in {"val": "single", "sz": size_eighths, "space": space, "color": color}.items():
        edge.set(qn(f"w:{key}"), str(value))


def shade(pr_element, fill: str, order: Sequence[str] = PPR_ORDER) -> None:
    """A background fill ``RRGGBB`` on a paragraph, cell or table properties element."""
    child(pr_element, "shd", order, {"val": "clear", "color": "auto", "fill": fill})


def set_numbering(ppr_element, num_id: int, level: int = 0) -> None:
    """Attach a paragraph to a numbering instance (``w:numPr``): real Word bullets and numbers."""
    num_pr = child(ppr_element, "numPr", PPR_ORDER)
    for tag, value in (("ilvl", level), ("numId", num_id)):
        element = num_pr.find(qn(f"w:{tag}"))
        if element is None:
            element = new_element(f"w:{tag}")
            num_pr.append(element)
        element.set(qn("w:val"), str(value))
