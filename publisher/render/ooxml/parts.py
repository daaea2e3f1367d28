"""The parts a template defines, built from nothing: styles, numbering, settings, font table. The
renderer uses the numbering builders for the lists it adds; ``tools/make_docx_templates.py`` the rest.
"""

from __future__ import annotations

from typing import Iterable

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from .bidi import set_bidi
from .package import update_fields_on_open
from .props import set_fonts, set_indent, set_lang, set_size, set_spacing
from .schema import FONT_ORDER, LVL_ORDER, R, SETTINGS_ORDER, STYLE_ORDER, W, element_of, child


def styles_root():
    """An empty ``w:styles`` part root."""
    return OxmlElement("w:styles", nsdecls={"w": W, "r": R})


def doc_defaults(font: str, size: float, latin_lang: str, bidi_lang: str | None, *, bidi: bool,
                 after: float = 0, line: float = 1.0):
    """``w:docDefaults``: the font in every slot, the size of Latin and complex-script text, the
    languages, and for a right-to-left edition ``w:bidi`` on every paragraph by default."""
    defaults = OxmlElement("w:docDefaults")
    rpr_default = OxmlElement("w:rPrDefault")
    run_pr = OxmlElement("w:rPr")
    set_fonts(run_pr, font)
    set_size(run_pr, size)
    set_lang(run_pr, latin_lang, bidi_lang)
    rpr_default.append(run_pr)
    ppr_default = OxmlElement("w:pPrDefault")
    par_pr = OxmlElement("w:pPr")
    if bidi:
        set_bidi(par_pr)
    set_spacing(par_pr, 0, after, line)
    ppr_default.append(par_pr)
    defaults.append(rpr_default)
    defaults.append(ppr_default)
    return defaults


def style(kind: str, style_id: str, name: str, *, based_on: str | None = None, next_style: str | None = None,
          default: bool = False, ui_priority: int | None = None, hidden: bool = False):
    """A ``w:style`` (``paragraph``, ``character`` or ``table``) with empty properties to fill.

    Returns ``(style, pPr, rPr)``; ``pPr`` is None for character styles; for a table style, also
    reach its ``w:tblPr`` with :func:`style_table_pr`.
    """
    element = OxmlElement("w:style")
    element.set(qn("w:type"), kind)
    element.set(qn("w:styleId"), style_id)
    if default:
        element.set(qn("w:default"), "1")
    child(element, "name", STYLE_ORDER, {"val": name})
    if based_on:
        child(element, "basedOn", STYLE_ORDER, {"val": based_on})
    if next_style:
        child(element, "next", STYLE_ORDER, {"val": next_style})
    if ui_priority is not None:
        child(element, "uiPriority", STYLE_ORDER, {"val": ui_priority})
    if hidden:
        child(element, "semiHidden", STYLE_ORDER)
    else:
        child(element, "qFormat", STYLE_ORDER)
    par_pr = child(element, "pPr", STYLE_ORDER) if kind in ("paragraph", "table") else None
    run_pr = child(element, "rPr", STYLE_ORDER)
    return element, par_pr, run_pr


def style_table_pr(style_element):
    """The ``w:tblPr`` of a table style."""
    return child(style_element, "tblPr", STYLE_ORDER)


def numbering_root():
    """An empty ``w:numbering`` part root."""
    return OxmlElement("w:numbering", nsdecls={"w": W, "r": R})


def numbering_level(level: int, fmt: str, text: str, start_mm: float, hanging_mm: float, *,
                    font: str | None = None, style: str | None = None, bidi: bool = False):
    """One ``w:lvl`` of a list: format (``bullet``, ``decimal``, ``lowerLetter``...), text, indents.

    ``w:lvlJc start`` puts the number at the paragraph's start edge; a right-to-left level is
    centred instead (:func:`centre_rtl_markers`).
    """
    lvl = OxmlElement("w:lvl")
    lvl.set(qn("w:ilvl"), str(level))
    for tag, value in (("start", "1"), ("numFmt", fmt)):
        element = OxmlElement(f"w:{tag}")
        element.set(qn("w:val"), value)
        lvl.append(element)
    if style:
        element = OxmlElement("w:pStyle")
        element.set(qn("w:val"), style)
        lvl.append(element)
    for tag, value in (("lvlText", text), ("lvlJc", "start")):
        element = OxmlElement(f"w:{tag}")
        element.set(qn("w:val"), value)
        lvl.append(element)
    par_pr = OxmlElement("w:pPr")
    if bidi:
        set_bidi(par_pr)
    set_indent(par_pr, start_mm, hanging_mm)
    lvl.append(par_pr)
    if font:
        run_pr = OxmlElement("w:rPr")
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
    element = OxmlElement("w:abstractNum")
    element.set(qn("w:abstractNumId"), str(abstract_id))
    multi = OxmlElement("w:multiLevelType")
    multi.set(qn("w:val"), "hybridMultilevel")
    element.append(multi)
    label = OxmlElement("w:name")
    label.set(qn("w:val"), name)
    element.append(label)
    for lvl in levels:
        element.append(lvl)
    return element


def numbering_instance(num_id: int, abstract_id: int, start: int | None = None, level: int = 0):
    """A ``w:num``: one list, its ``level`` numbered from ``start`` when given (each Markdown list restarts)."""
    element = OxmlElement("w:num")
    element.set(qn("w:numId"), str(num_id))
    ref = OxmlElement("w:abstractNumId")
    ref.set(qn("w:val"), str(abstract_id))
    element.append(ref)
    if start is not None:
        override = OxmlElement("w:lvlOverride")
        override.set(qn("w:ilvl"), str(level))
        start_el = OxmlElement("w:startOverride")
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


def settings_root(*, lang: str, bidi_lang: str | None):
    """``word/settings.xml``: sommaire updated on opening, fonts kept on save, Word 2013+ layout."""
    settings = OxmlElement("w:settings", nsdecls={"w": W, "r": R})
    child(settings, "zoom", SETTINGS_ORDER, {"percent": 100})
    child(settings, "embedTrueTypeFonts", SETTINGS_ORDER)
    child(settings, "defaultTabStop", SETTINGS_ORDER, {"val": 709})
    child(settings, "characterSpacingControl", SETTINGS_ORDER, {"val": "doNotCompress"})
    update_fields_on_open(settings)
    compat = child(settings, "compat", SETTINGS_ORDER)
    setting = OxmlElement("w:compatSetting")
    for key, value in (("name", "compatibilityMode"), ("uri", "http://schemas.microsoft.com/office/word"), ("val", "15")):
        setting.set(qn(f"w:{key}"), value)
    compat.append(setting)
    attrs = {"val": lang}
    if bidi_lang:
        attrs["bidi"] = bidi_lang
    child(settings, "themeFontLang", SETTINGS_ORDER, attrs)
    child(settings, "decimalSymbol", SETTINGS_ORDER, {"val": ","})
    child(settings, "listSeparator", SETTINGS_ORDER, {"val": ";"})
    return settings


def font_table(families: Iterable[str]):
    """``word/fontTable.xml`` naming the families the styles use (embedding fills it in later)."""
    fonts = OxmlElement("w:fonts", nsdecls={"w": W, "r": R})
    for name in families:
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        for tag, value in (("charset", "00"), ("family", "auto"), ("pitch", "variable")):
            child(font, tag, FONT_ORDER, {"val": value})
        fonts.append(font)
    return fonts


