"""List definitions: the numbering part's abstract lists and instances the renderer adds for the
bullets and numbers of Markdown lists, and the right-to-left markers centred in their indent.
"""

from __future__ import annotations

from typing import Iterable

from docx.oxml.ns import qn

from .bidi import set_bidi
from .props import set_fonts, set_indent
from .schema import LVL_ORDER, element_of, child, new_element


def numbering_level(level: int, fmt: str, text: str, start_mm: float, hanging_mm: float, *,
                    font: str | None = None, style: str | None = None, bidi: bool = False):
    """One ``w:lvl`` of a list: format (``bullet``, ``decimal``, ``lowerLetter``...), text, indents.

    ``w:lvlJc start`` puts the number at the paragraph's start edge; a right-to-left level is
    centred instead (:func:`centre_rtl_markers`).
    """
    lvl = new_element("w:lvl")
    lvl.set(qn("w:ilvl"), str(level))
    for tag, value in (("start", "1"), ("numFmt", fmt)):
        element = new_element(f"w:{tag}")
        element.set(qn("w:val"), value)
        lvl.append(element)
    if style:
        element = new_element("w:pStyle")
        element.set(qn("w:val"), style)
        lvl.append(element)
    for tag, value in (("lvlText", text), ("lvlJc", "start")):
        element = new_element(f"w:{tag}")
        element.set(qn("w:val"), value)
        lvl.append(element)
    par_pr = new_element("w:pPr")
    if bidi:
        set_bidi(par_pr)
    set_indent(par_pr, start_mm, hanging_mm)
    lvl.append(par_pr)
    if font:
        run_pr = new_element("w:rPr")
        set_fonts(run_pr, font)
        lvl.append(run_pr)
    if bidi:
        centre_rtl_markers(lvl)
    return lvl


def centre_rtl_markers(numbering) -> None:
    """Centre the number or bullet of every right-to-left list level in the middle of its indent.

    Word reads ``w:lvlJc start`` in a bidi paragraph as the right edge (the number runs leftwards,
    towards the text); LibreOffice reads it as ``left``, so the number runs rightwards, out of the
    text area (1.5 to 1.9 mm into the margin, or over a cell's rule). A centred number is laid out
    alike by both: centred at half the text's indent, it stays between the margin and the text
    whatever its width up to the indent (``10.`` in a 7 mm indent).
    """
    for lvl in element_of(numbering).iter(qn("w:lvl")):
        par_pr = lvl.find(qn("w:pPr"))
        ind = par_pr.find(qn("w:ind")) if par_pr is not None else None
        if ind is None or par_pr.find(qn("w:bidi")) is None:
            continue
        start = int(ind.get(qn("w:left")) or ind.get(qn("w:start")) or 0)
        ind.attrib.pop(qn("w:firstLine"), None)
        ind.set(qn("w:hanging"), str(start // 2))
        child(lvl, "lvlJc", LVL_ORDER, {"val": "center"})


def abstract_numbering(abstract_id: int, name: str, levels: Iterable):
    """A ``w:abstractNum``: the definition of a list, level by level."""
    element = new_element("w:abstractNum")
    element.set(qn("w:abstractNumId"), str(abstract_id))
    multi = new_element("w:multiLevelType")
    multi.set(qn("w:val"), "hybridMultilevel")
    element.append(multi)
    label = new_element("w:name")
    label.set(qn("w:val"), name)
    element.append(label)
    for lvl in levels:
        element.append(lvl)
    return element


def numbering_instance(num_id: int, abstract_id: int, start: int | None = None, level: int = 0):
    """A ``w:num``: one list, its ``level`` numbered from ``start`` when given (each Markdown list restarts)."""
    element = new_element("w:num")
    element.set(qn("w:numId"), str(num_id))
    ref = new_element("w:abstractNumId")
    ref.set(qn("w:val"), str(abstract_id))
    element.append(ref)
    if start is not None:
        override = new_element("w:lvlOverride")
        override.set(qn("w:ilvl"), str(level))
        start_el = new_element("w:startOverride")
        start_el.set(qn("w:val"), str(start))
        override.append(start_el)
        element.append(override)
    return element


def abstract_of(numbering, num_id: int) -> int:
    """The id of the list definition (``w:abstractNum``) that the list instance ``num_id`` follows."""
    for num in numbering.iter(qn("w:num")):
        if num.get(qn("w:numId")) == str(num_id) and num.find(qn("w:abstractNumId")) is not None:
            return int(num.find(qn("w:abstractNumId")).get(qn("w:val")))
    return num_id


def add_numbering_instance(numbering, abstract_id: int, start: int, level: int = 0) -> int:
    """Append a new list instance to a numbering part and return its id (deterministic: max + 1)."""
    ids = [int(n.get(qn("w:numId"))) for n in numbering.iter(qn("w:num"))]
    num_id = max(ids, default=0) + 1
    numbering.append(numbering_instance(num_id, abstract_id, start, level))
    return num_id


