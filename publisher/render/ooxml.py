"""Every raw OOXML construct of the DOCX editions, as small named helpers.

python-docx has no API for right-to-left text, repeated header rows, vertical merges, fields,
watermarks or embedded fonts; this module holds all of that, so that the renderer
(:mod:`publisher.render.docx`) and the templates' bootstrap (``tools/make_docx_templates.py``)
never write a ``w:`` tag inline. Three kinds of helpers live here:

- setters on existing elements (``set_bidi(paragraph)``, ``repeat_header(row)``, ...), which insert
  each child at its place in the schema sequence (Word rejects misordered properties, LibreOffice
  tolerates them, so a LibreOffice test alone would not catch the mistake);
- factories of new elements (``paragraph(...)``, ``run(...)``, ``table(...)``, ``watermark(...)``);
- package-level passes on the saved bytes (:func:`embed_fonts`, :func:`deterministic_zip`), and
  :func:`append_document`, which makes one volume of two documents (the bilingual edition).

References: ECMA-376 Part 1 (17.3 paragraphs and runs, 17.4 tables, 17.6 sections, 17.8.1 embedded
fonts, 17.16 fields) and ``shared/rtl-notes.md`` for the traps of Word and LibreOffice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import unicodedata
import zipfile
from copy import deepcopy
from functools import lru_cache
from typing import Callable, Iterable, Sequence

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import nsmap, qn
from docx.parts.hdrftr import FooterPart, HeaderPart
from lxml import etree

W = nsmap["w"]
R = nsmap["r"]
V = "urn:schemas-microsoft-com:vml"
O = "urn:schemas-microsoft-com:office:office"
W10 = "urn:schemas-microsoft-com:office:word"
PR = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_FONT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"
OBFUSCATED_FONT = "application/vnd.openxmlformats-officedocument.obfuscatedFont"

TWIPS_PER_MM = 1440 / 25.4


def mm(value: float) -> int:
    """Millimetres in twentieths of a point (twips), the unit of page and table geometry."""
    return round(value * TWIPS_PER_MM)


# --- schema order -------------------------------------------------------------------------------

PPR_ORDER = (
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
    "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
    "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid",
    "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection",
    "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange",
)
RPR_ORDER = (
    "rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline", "shadow",
    "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing", "w", "kern",
    "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText", "vertAlign", "rtl", "cs",
    "em", "lang", "eastAsianLayout", "specVanish", "oMath",
)
TBLPR_ORDER = (
    "tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize", "tblW",
    "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook",
    "tblCaption", "tblDescription",
)
TRPR_ORDER = (
    "cnfStyle", "divId", "gridBefore", "gridAfter", "wBefore", "wAfter", "cantSplit", "trHeight", "tblHeader",
    "tblCellSpacing", "jc", "hidden",
)
TCPR_ORDER = (
    "cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap", "tcMar", "textDirection",
    "tcFitText", "vAlign", "hideMark",
)
SECTPR_ORDER = (
    "headerReference", "footerReference", "footnotePr", "endnotePr", "type", "pgSz", "pgMar", "paperSrc",
    "pgBorders", "lnNumType", "pgNumType", "cols", "formProt", "vAlign", "noEndnote", "titlePg",
    "textDirection", "bidi", "rtlGutter", "docGrid", "printerSettings", "sectPrChange",
)
LVL_ORDER = (
    "start", "numFmt", "lvlRestart", "pStyle", "isLgl", "suff", "lvlText", "lvlPicBulletId", "legacy", "lvlJc",
    "pPr", "rPr",
)
STYLE_ORDER = (
    "name", "aliases", "basedOn", "next", "link", "autoRedefine", "hidden", "uiPriority", "semiHidden",
    "unhideWhenUsed", "qFormat", "locked", "personal", "personalCompose", "personalReply", "rsid", "pPr", "rPr",
    "tblPr", "trPr", "tcPr", "tblStylePr",
)
FONT_ORDER = (
    "altName", "panose1", "charset", "family", "notTrueType", "pitch", "sig", "embedRegular", "embedBold",
    "embedItalic", "embedBoldItalic",
)
SETTINGS_ORDER = (
    "writeProtection", "view", "zoom", "removePersonalInformation", "removeDateAndTime", "doNotDisplayPageBoundaries",
    "displayBackgroundShape", "printPostScriptOverText", "printFractionalCharacterWidth", "printFormsData",
    "embedTrueTypeFonts", "embedSystemFonts", "saveSubsetFonts", "saveFormsData", "mirrorMargins",
    "alignBordersAndEdges", "bordersDoNotSurroundHeader", "bordersDoNotSurroundFooter", "gutterAtTop",
    "hideSpellingErrors", "hideGrammaticalErrors", "activeWritingStyle", "proofState", "formsDesign",
    "attachedTemplate", "linkStyles", "stylePaneFormatFilter", "stylePaneSortMethod", "documentType",
    "mailMerge", "revisionView", "trackRevisions", "doNotTrackMoves", "doNotTrackFormatting",
    "documentProtection", "autoFormatOverride", "styleLockTheme", "styleLockQFSet", "defaultTabStop",
    "autoHyphenation", "consecutiveHyphenLimit", "hyphenationZone", "doNotHyphenateCaps",
    "showEnvelope", "summaryLength", "clickAndTypeStyle", "defaultTableStyle", "evenAndOddHeaders",
    "bookFoldRevPrinting", "bookFoldPrinting", "bookFoldPrintingSheets", "drawingGridHorizontalSpacing",
    "drawingGridVerticalSpacing", "displayHorizontalDrawingGridEvery", "displayVerticalDrawingGridEvery",
    "doNotUseMarginsForDrawingGridOrigin", "drawingGridHorizontalOrigin", "drawingGridVerticalOrigin",
    "doNotShadeFormData", "noPunctuationKerning", "characterSpacingControl", "printTwoOnOne",
    "strictFirstAndLastChars", "noLineBreaksAfter", "noLineBreaksBefore", "savePreviewPicture",
    "doNotValidateAgainstSchema", "saveInvalidXml", "ignoreMixedContent", "alwaysShowPlaceholderText",
    "doNotDemarcateInvalidXml", "saveXmlDataOnly", "useXSLTWhenSaving", "saveThroughXslt",
    "showXMLTags", "alwaysMergeEmptyNamespace", "updateFields", "hdrShapeDefaults", "footnotePr",
    "endnotePr", "compat", "docVars", "rsids", "mathPr", "attachedSchema", "themeFontLang",
    "clrSchemeMapping", "doNotIncludeSubdocsInStats", "doNotAutoCompressPictures", "forceUpgrade",
    "captions", "readModeInkLockDown", "smartTagType", "schemaLibrary", "shapeDefaults",
    "doNotEmbedSmartTags", "decimalSymbol", "listSeparator",
)


def _element(target):
    """The lxml element behind a python-docx proxy (Paragraph, Run, Table, _Row, _Cell) or itself."""
    if isinstance(target, etree._Element):
        return target
    for attr in ("_element", "_p", "_r", "_tbl", "_tr", "_tc"):
        inner = getattr(target, attr, None)
        if inner is not None:
            return inner
    return target


@lru_cache(maxsize=None)
def _ranks(order: tuple[str, ...]) -> dict[str, int]:
    """The rank of each tag (Clark notation) in a schema sequence."""
    return {qn(f"w:{tag}"): index for index, tag in enumerate(order)}


def child(parent, tag: str, order: Sequence[str], attrs: dict[str, str] | None = None, *, replace: bool = False):
    """The ``w:tag`` child of ``parent``, created at its place in the schema ``order`` if absent."""
    name = qn(f"w:{tag}")
    found = parent.find(name)
    if found is not None and replace:
        parent.remove(found)
        found = None
    if found is None:
        found = OxmlElement(f"w:{tag}")
        ranks = _ranks(tuple(order))
        rank = ranks[name]
        for index, existing in enumerate(parent):
            if ranks.get(existing.tag, -1) > rank:
                parent.insert(index, found)
                break
        else:
            parent.append(found)
    for key, value in (attrs or {}).items():
        found.set(qn(key) if ":" in key else qn(f"w:{key}"), str(value))
    return found


def _pr(target, pr_tag: str):
    """The properties element (``w:pPr``, ``w:rPr``, ``w:tblPr``, ``w:trPr``, ``w:tcPr``) of an element, first child."""
    element = _element(target)
    name = qn(f"w:{pr_tag}")
    if element.tag == name:  # already the properties element (a style's or a numbering level's)
        return element
    pr = element.find(name)
    if pr is None:
        pr = OxmlElement(f"w:{pr_tag}")
        # always the first child, except a row's trPr, which follows an optional tblPrEx
        after_ex = pr_tag == "trPr" and len(element) and element[0].tag == qn("w:tblPrEx")
        element.insert(1 if after_ex else 0, pr)
    return pr


def ppr(paragraph):
    """The ``w:pPr`` of a paragraph, created if absent."""
    return _pr(paragraph, "pPr")


def rpr(run):
    """The ``w:rPr`` of a run, created if absent."""
    return _pr(run, "rPr")


# --- paragraphs and runs: direction, fonts, language ---------------------------------------------


def set_bidi(paragraph) -> None:
    """Make a paragraph right-to-left (``w:bidi``): its start is the right margin."""
    child(ppr(paragraph), "bidi", PPR_ORDER)


def has_bidi(paragraph) -> bool:
    """Whether a paragraph carries ``w:bidi`` in its own properties."""
    pr = _element(paragraph).find(qn("w:pPr"))
    return pr is not None and pr.find(qn("w:bidi")) is not None


def set_rtl(run) -> None:
    """Mark a run as right-to-left text (``w:rtl``); never on strongly left-to-right text."""
    child(rpr(run), "rtl", RPR_ORDER)


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


def set_letter_spacing(rpr_element, twips: int) -> None:
    """Expanded letter spacing, in twips."""
    child(rpr_element, "spacing", RPR_ORDER, {"val": twips})


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
        edge = OxmlElement(f"w:{side}")
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


def tab_stop(ppr_element, position_mm: float, align: str = "end", leader: str | None = None) -> None:
    """A tab stop; ``end`` aligns at the paragraph's end edge in both directions."""
    tabs = child(ppr_element, "tabs", PPR_ORDER)
    stop = OxmlElement("w:tab")
    stop.set(qn("w:val"), align)
    if leader:
        stop.set(qn("w:leader"), leader)
    stop.set(qn("w:pos"), str(mm(position_mm)))
    tabs.append(stop)


def set_numbering(ppr_element, num_id: int, level: int = 0) -> None:
    """Attach a paragraph to a numbering instance (``w:numPr``): real Word bullets and numbers."""
    num_pr = child(ppr_element, "numPr", PPR_ORDER)
    for tag, value in (("ilvl", level), ("numId", num_id)):
        element = num_pr.find(qn(f"w:{tag}"))
        if element is None:
            element = OxmlElement(f"w:{tag}")
            num_pr.append(element)
        element.set(qn("w:val"), str(value))


# --- right-to-left runs ---------------------------------------------------------------------------

_STRONG_RTL = {"R", "AL"}
# Arabic punctuation is neutral for Unicode (the Arabic comma is a common separator), but belongs to
# the Arabic text around it: "DAS، INDH" is two Latin acronyms in an Arabic list, not one Latin phrase.
_ARABIC_PUNCTUATION = set("\u060c\u061b\u061f\u06d4")


def _ltr_mask(text: str) -> list[bool]:
    """Which characters belong to a left-to-right stretch: from a strong Latin letter to the last
    Latin letter or digit before the next Arabic letter (so ``A1.1.1.1`` and ``CPPE`` stay whole,
    while the spaces and brackets around them stay with the Arabic text)."""
    classes = ["AL" if ch in _ARABIC_PUNCTUATION else unicodedata.bidirectional(ch) for ch in text]
    mask = [False] * len(text)
    i = 0
    while i < len(text):
        if classes[i] != "L":
            i += 1
            continue
        last = k = i
        while k < len(text) and classes[k] not in _STRONG_RTL:
            if classes[k] in ("L", "EN"):
                last = k
            k += 1
        for m in range(i, last + 1):
            mask[m] = True
        i = k
    return mask


def directional_segments(text: str) -> list[tuple[str, bool]]:
    """Split text into ``(segment, rtl)`` pieces: Latin stretches are not rtl, everything else is."""
    if not text:
        return []
    mask = _ltr_mask(text)
    pieces: list[tuple[str, bool]] = []
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or mask[index] != mask[start]:
            pieces.append((text[start:index], not mask[start]))
            start = index
    return pieces


def _text_of(run) -> str | None:
    """The text of a run made only of ``w:rPr`` and ``w:t`` elements, else None."""
    text = []
    for item in run:
        if item.tag == qn("w:rPr"):
            continue
        if item.tag != qn("w:t"):
            return None
        text.append(item.text or "")
    return "".join(text)


def mark_rtl_runs(root) -> None:
    """Give every right-to-left run ``w:rtl``, splitting out Latin stretches into runs without it.

    Runs holding something else than text (fields, tabs, breaks, drawings) get ``w:rtl`` as they are:
    page numbers and tabs then follow the right-to-left flow.
    """
    for run in list(_element(root).iter(qn("w:r"))):
        text = _text_of(run)
        if text is None or not text:
            if run.find(qn("w:t")) is None and run.find(qn("w:instrText")) is None:
                set_rtl(run)
            continue
        pieces = directional_segments(text)
        if len(pieces) == 1:
            if pieces[0][1]:
                set_rtl(run)
            continue
        parent = run.getparent()
        index = parent.index(run)
        props = run.find(qn("w:rPr"))
        for offset, (piece, rtl) in enumerate(pieces):
            new = OxmlElement("w:r")
            if props is not None:
                new.append(etree.fromstring(etree.tostring(props)))
            new.append(text_element(piece))
            if rtl:
                set_rtl(new)
            parent.insert(index + offset, new)
        parent.remove(run)


def bidi_everywhere(root) -> None:
    """``w:bidi`` on every paragraph and ``w:bidiVisual`` on every table under ``root``."""
    element = _element(root)
    for paragraph in element.iter(qn("w:p")):
        set_bidi(paragraph)
    for table in element.iter(qn("w:tbl")):
        set_table_bidi_visual(table)


# --- element factories -------------------------------------------------------------------------


def text_element(text: str):
    """A ``w:t`` that keeps its spaces."""
    element = OxmlElement("w:t")
    element.text = text
    if text != text.strip() or "  " in text:
        element.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return element


def run(text: str = "", *, bold: bool = False, italic: bool = False, style: str | None = None,
        size: float | None = None, color: str | None = None, caps: bool = False):
    """A run of text; a ``\\n`` becomes a line break and a ``\\t`` a tab."""
    element = OxmlElement("w:r")
    if style or bold or italic or size or color or caps:
        pr = rpr(element)
        if style:
            child(pr, "rStyle", RPR_ORDER, {"val": style})
        if bold:
            set_bold(pr)
        if italic:
            set_italic(pr)
        if caps:
            set_caps(pr)
        if color:
            set_color(pr, color)
        if size:
            set_size(pr, size)
    for index, line in enumerate(text.split("\n")):
        if index:
            element.append(OxmlElement("w:br"))
        for tab_index, piece in enumerate(line.split("\t")):
            if tab_index:
                element.append(OxmlElement("w:tab"))
            if piece:
                element.append(text_element(piece))
    return element


def paragraph(style: str | None = None, runs: Iterable = (), *, num: tuple[int, int] | None = None,
              justification: str | None = None, keep_next: bool = False):
    """A paragraph in a named style, holding ``runs`` (runs, hyperlinks, fields)."""
    element = OxmlElement("w:p")
    if style or num or justification or keep_next:
        pr = ppr(element)
        if style:
            child(pr, "pStyle", PPR_ORDER, {"val": style})
        if keep_next:
            child(pr, "keepNext", PPR_ORDER)
        if num:
            set_numbering(pr, num[0], num[1])
        if justification:
            set_justification(pr, justification)
    for item in runs:
        element.append(item)
    return element


def hyperlink(relationship_id: str, runs: Iterable):
    """An external hyperlink (``w:hyperlink r:id``) around runs."""
    element = OxmlElement("w:hyperlink", nsdecls={"w": W, "r": R})
    element.set(qn("r:id"), relationship_id)
    element.set(qn("w:history"), "1")
    for item in runs:
        element.append(item)
    return element


def internal_link(anchor: str, runs: Iterable):
    """A hyperlink to a bookmark of the document."""
    element = OxmlElement("w:hyperlink")
    element.set(qn("w:anchor"), anchor)
    element.set(qn("w:history"), "1")
    for item in runs:
        element.append(item)
    return element


def picture_run(inline):
    """A run holding a picture (a ``wp:inline`` made by python-docx)."""
    element = OxmlElement("w:r")
    drawing = OxmlElement("w:drawing")
    drawing.append(inline)
    element.append(drawing)
    return element


def page_break():
    """A run holding a page break."""
    element = OxmlElement("w:r")
    br = OxmlElement("w:br")
    br.set(qn("w:type"), "page")
    element.append(br)
    return element


def field(instruction: str, result: str = "", *, dirty: bool = False, style: str | None = None) -> list:
    """A complex field (``PAGE``, ``NUMPAGES``, ``PAGEREF``, ``TOC``...) as its runs, with a cached result."""
    def char(kind: str):
        element = run(style=style) if style else OxmlElement("w:r")
        fld = OxmlElement("w:fldChar")
        fld.set(qn("w:fldCharType"), kind)
        if kind == "begin" and dirty:
            fld.set(qn("w:dirty"), "true")
        element.append(fld)
        return element

    instr_run = run(style=style) if style else OxmlElement("w:r")
    instr = OxmlElement("w:instrText")
    instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    instr.text = f" {instruction} "
    instr_run.append(instr)
    runs = [char("begin"), instr_run, char("separate")]
    if result:
        runs.append(run(result, style=style))
    runs.append(char("end"))
    return runs


def bookmark(paragraph_element, name: str, identifier: int) -> None:
    """Wrap a paragraph's content in a bookmark (the target of a sommaire entry)."""
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(identifier))
    start.set(qn("w:name"), name)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(identifier))
    pr = paragraph_element.find(qn("w:pPr"))
    paragraph_element.insert(1 if pr is not None else 0, start)
    paragraph_element.append(end)


def cell(width_mm: float, blocks: Iterable = (), *, span: int = 1, fill: str | None = None,
         vmerge: str | None = None, valign: str | None = None):
    """A table cell of a given width; ``vmerge`` is ``restart`` or ``continue``."""
    element = OxmlElement("w:tc")
    pr = _pr(element, "tcPr")
    child(pr, "tcW", TCPR_ORDER, {"w": mm(width_mm), "type": "dxa"})
    if span > 1:
        grid_span(element, span)
    if vmerge:
        merge_vertical(element, vmerge == "restart")
    if fill:
        shade(pr, fill, TCPR_ORDER)
    if valign:
        child(pr, "vAlign", TCPR_ORDER, {"val": valign})
    blocks = list(blocks)
    for block in blocks:
        element.append(block)
    ensure_cell_paragraph(element)
    return element


def table_row(cells: Iterable, *, header: bool = False, cant_split_row: bool = True):
    """A table row; a header row repeats on every page."""
    element = OxmlElement("w:tr")
    if header:
        repeat_header(element)
    if cant_split_row:
        cant_split(element)
    for item in cells:
        element.append(item)
    return element


def table(style: str | None, widths_mm: Sequence[float], rows: Iterable, *, layout_fixed: bool = True):
    """A table with a named style, fixed column widths and its rows."""
    element = OxmlElement("w:tbl")
    pr = _pr(element, "tblPr")
    if style:
        child(pr, "tblStyle", TBLPR_ORDER, {"val": style})
    child(pr, "tblW", TBLPR_ORDER, {"w": sum(mm(w) for w in widths_mm), "type": "dxa"})
    if layout_fixed:
        child(pr, "tblLayout", TBLPR_ORDER, {"type": "fixed"})
    child(pr, "tblLook", TBLPR_ORDER, {
        "val": "04A0", "firstRow": "1", "lastRow": "0", "firstColumn": "0", "lastColumn": "0",
        "noHBand": "1", "noVBand": "1",
    })
    grid = OxmlElement("w:tblGrid")
    for width in widths_mm:
        col = OxmlElement("w:gridCol")
        col.set(qn("w:w"), str(mm(width)))
        grid.append(col)
    element.append(grid)
    for row in rows:
        element.append(row)
    return element


# --- tables ---------------------------------------------------------------------------------------


def set_column_widths(table_, widths_mm: Sequence[float]) -> None:
    """Give a table's grid these column widths, and each cell the width of the grid columns it spans
    (``w:gridSpan``); the table's width is their sum. A table with another number of columns is left alone."""
    element = _element(table_)
    grid = element.find(qn("w:tblGrid"))
    if grid is None or len(grid) != len(widths_mm):
        return
    twips = [mm(w) for w in widths_mm]
    for col, width in zip(grid.findall(qn("w:gridCol")), twips):
        col.set(qn("w:w"), str(width))
    child(_pr(element, "tblPr"), "tblW", TBLPR_ORDER, {"w": sum(twips), "type": "dxa"})
    for row in element.findall(qn("w:tr")):
        column = 0
        for tc in row.findall(qn("w:tc")):
            span = tc.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}")
            count = int(span.get(qn("w:val"))) if span is not None else 1
            child(_pr(tc, "tcPr"), "tcW", TCPR_ORDER, {"w": sum(twips[column:column + count]), "type": "dxa"})
            column += count


def set_table_bidi_visual(table_) -> None:
    """Lay a table out right to left (``w:bidiVisual``): the first logical cell on the right."""
    child(_pr(table_, "tblPr"), "bidiVisual", TBLPR_ORDER)


def repeat_header(row) -> None:
    """Repeat a row at the top of every page the table runs over (``w:tblHeader``)."""
    child(_pr(row, "trPr"), "tblHeader", TRPR_ORDER)


def cant_split(row) -> None:
    """Keep a row whole on one page where it can be helped (``w:cantSplit``)."""
    child(_pr(row, "trPr"), "cantSplit", TRPR_ORDER)


def row_height(row, minimum_mm: float) -> None:
    """A minimum row height (a signature block needs room to sign)."""
    child(_pr(row, "trPr"), "trHeight", TRPR_ORDER, {"val": mm(minimum_mm), "hRule": "atLeast"})


def merge_vertical(cell_, restart: bool) -> None:
    """Merge a cell with the ones below (``restart``) or into the one above (``continue``)."""
    child(_pr(cell_, "tcPr"), "vMerge", TCPR_ORDER, {"val": "restart" if restart else "continue"})


def grid_span(cell_, columns: int) -> None:
    """Make a cell span several grid columns."""
    child(_pr(cell_, "tcPr"), "gridSpan", TCPR_ORDER, {"val": columns})


def order_cell_properties(root) -> None:
    """Put the children of every ``w:tcPr`` in schema order.

    docxtpl's ``{% vm %}`` appends ``w:vMerge`` at the end of the cell properties, after a
    ``w:shd``: LibreOffice reads it anyway, Word reports the file as damaged.
    """
    rank = _ranks(TCPR_ORDER)
    for pr in _element(root).iter(qn("w:tcPr")):
        children = list(pr)
        ordered = sorted(children, key=lambda e: rank.get(e.tag, len(rank)))
        if ordered != children:
            for element in children:
                pr.remove(element)
            pr.extend(ordered)


def ensure_cell_paragraph(cell_) -> None:
    """A cell must end with a paragraph (Word reports an empty one, or one ending in a table, as corrupt)."""
    element = _element(cell_)
    blocks = [e for e in element if e.tag in (qn("w:p"), qn("w:tbl"))]
    if not blocks or blocks[-1].tag == qn("w:tbl"):
        element.append(OxmlElement("w:p"))


def ensure_cell_paragraphs(root) -> None:
    """:func:`ensure_cell_paragraph` on every cell under ``root`` (a loop over an empty list leaves none)."""
    for tc in _element(root).iter(qn("w:tc")):
        ensure_cell_paragraph(tc)


def table_cell_margins(tbl_pr, top: float, start: float, bottom: float, end: float) -> None:
    """Default cell margins of a table (style), in millimetres."""
    margins = child(tbl_pr, "tblCellMar", TBLPR_ORDER)
    for side, value in (("top", top), ("left", start), ("bottom", bottom), ("right", end)):
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:w"), str(mm(value)))
        element.set(qn("w:type"), "dxa")
        margins.append(element)


def table_borders(tbl_pr, color: str, size_eighths: int = 4, inside: bool = True) -> None:
    """Single-line borders around (and, with ``inside``, between) the cells of a table."""
    borders = child(tbl_pr, "tblBorders", TBLPR_ORDER)
    sides = ("top", "left", "bottom", "right") + (("insideH", "insideV") if inside else ())
    for side in sides:
        element = OxmlElement(f"w:{side}")
        for key, value in (("val", "single"), ("sz", size_eighths), ("space", 0), ("color", color)):
            element.set(qn(f"w:{key}"), str(value))
        borders.append(element)


# --- sections -----------------------------------------------------------------------------------

A4 = (210.0, 297.0)


def page_setup(sect_pr, *, landscape: bool = False, margins: tuple[float, float, float, float] = (20, 20, 20, 20),
               header: float = 10, footer: float = 10, bidi: bool = False, title_page: bool = False,
               new_page: bool = True) -> None:
    """Size, orientation and margins (top, end, bottom, start, in mm) of a section.

    python-docx's orientation does not swap the page size: a landscape section is A4 with width and
    height swapped, which is what Word and LibreOffice read.
    """
    width, height = (A4[1], A4[0]) if landscape else A4
    if new_page:
        child(sect_pr, "type", SECTPR_ORDER, {"val": "nextPage"})
    size = {"w": mm(width), "h": mm(height)}
    if landscape:
        size["orient"] = "landscape"
    child(sect_pr, "pgSz", SECTPR_ORDER, size, replace=True)
    top, right, bottom, left = margins
    child(sect_pr, "pgMar", SECTPR_ORDER, {
        "top": mm(top), "right": mm(right), "bottom": mm(bottom), "left": mm(left),
        "header": mm(header), "footer": mm(footer), "gutter": 0,
    }, replace=True)
    if title_page:
        child(sect_pr, "titlePg", SECTPR_ORDER)
    if bidi:
        child(sect_pr, "bidi", SECTPR_ORDER)  # schema: bidi and rtlGutter just before docGrid
    child(sect_pr, "docGrid", SECTPR_ORDER, {"linePitch": 360})


def set_page(sect_pr, width_mm: float, height_mm: float, margins: tuple[float, float, float, float]) -> None:
    """Size and margins (top, right, bottom, left, in mm) of an existing section; its orientation,
    header and footer distances are kept. A landscape section gets the page's long side as width."""
    size = sect_pr.find(qn("w:pgSz"))
    if size is None:
        size = child(sect_pr, "pgSz", SECTPR_ORDER)
    if size.get(qn("w:orient")) == "landscape":
        width_mm, height_mm = max(width_mm, height_mm), min(width_mm, height_mm)
    size.set(qn("w:w"), str(mm(width_mm)))
    size.set(qn("w:h"), str(mm(height_mm)))
    margin = sect_pr.find(qn("w:pgMar"))
    if margin is None:
        margin = child(sect_pr, "pgMar", SECTPR_ORDER, {"header": mm(10), "footer": mm(10), "gutter": 0})
    for side, value in zip(("top", "right", "bottom", "left"), margins):
        margin.set(qn(f"w:{side}"), str(mm(value)))


def is_landscape(sect_pr) -> bool:
    """Whether a section's pages are landscape."""
    size = sect_pr.find(qn("w:pgSz"))
    return size is not None and size.get(qn("w:orient")) == "landscape"


def landscape_section(sect_pr, **options) -> None:
    """A landscape A4 section (the canevas tables)."""
    page_setup(sect_pr, landscape=True, **options)


def section_break(sect_pr):
    """An empty paragraph that ends a section with ``sect_pr`` (a section's properties sit in its last paragraph)."""
    element = OxmlElement("w:p")
    ppr(element).append(sect_pr)
    return element


def new_sect_pr():
    """An empty ``w:sectPr``."""
    return OxmlElement("w:sectPr", nsdecls={"w": W, "r": R})


# --- sections of their own: a fiche action's continued pages ---------------------------------------

_STORY_REFERENCES = (qn("w:headerReference"), qn("w:footerReference"))


def story_references(sect_prs: Sequence) -> list[dict[tuple[str, str], str]]:
    """For each section in order, the ``r:id`` of its headers and footers by (``header``/``footer``,
    ``default``/``first``/``even``): what it names, or else what the section before it uses (a
    section that names none inherits the previous section's, ECMA-376 17.10.5)."""
    current: dict[tuple[str, str], str] = {}
    found = []
    for sect_pr in sect_prs:
        for ref in sect_pr:
            if ref.tag in _STORY_REFERENCES:
                kind = "header" if ref.tag == qn("w:headerReference") else "footer"
                current[(kind, ref.get(qn("w:type")))] = ref.get(qn("r:id"))
        found.append(dict(current))
    return found


def set_story_references(sect_pr, references: dict[tuple[str, str], str]) -> None:
    """Name a section's headers and footers explicitly (replacing those it named)."""
    for ref in [r for r in sect_pr if r.tag in _STORY_REFERENCES]:
        sect_pr.remove(ref)
    order = {"default": 0, "first": 1, "even": 2}
    for index, ((kind, kind_of), rid) in enumerate(sorted(references.items(), key=lambda item: (
            item[0][0] != "header", order.get(item[0][1], 3)))):
        ref = OxmlElement(f"w:{kind}Reference")
        ref.set(qn("w:type"), kind_of)
        ref.set(qn("r:id"), rid)
        sect_pr.insert(index, ref)


def title_page(sect_pr) -> None:
    """Give a section's first page its own header and footer (``w:titlePg``)."""
    child(sect_pr, "titlePg", SECTPR_ORDER)


def continue_page_numbers(sect_pr) -> None:
    """A section that continues the page numbers of the one before it (no ``w:pgNumType/@w:start``)."""
    numbering = sect_pr.find(qn("w:pgNumType"))
    if numbering is not None and numbering.get(qn("w:start")) is not None:
        del numbering.attrib[qn("w:start")]


def end_section_with(element, sect_pr) -> None:
    """Make ``element`` (a paragraph or a table of the body) the last of a section with ``sect_pr``.

    A section's properties sit in its last paragraph: a table gets one after it, as small as Word
    and LibreOffice allow (1 pt, no spacing), so that it never pushes a page of its own.
    """
    if element.tag == qn("w:p"):
        pr = ppr(element)
        pr.replace(child(pr, "sectPr", PPR_ORDER, replace=True), sect_pr)
        return
    carrier = OxmlElement("w:p")
    pr = ppr(carrier)
    child(pr, "spacing", PPR_ORDER, {"before": "0", "after": "0", "line": "20", "lineRule": "exact"})
    mark = child(pr, "rPr", PPR_ORDER)
    child(mark, "sz", RPR_ORDER, {"val": "2"})
    child(mark, "szCs", RPR_ORDER, {"val": "2"})
    pr.append(sect_pr)
    element.addnext(carrier)


def starts_page(paragraph, styles) -> bool:
    """Whether a paragraph starts a page (``w:pageBreakBefore``, its own or its style's)."""
    if paragraph.tag != qn("w:p"):
        return False
    found = paragraph.find(f"{qn('w:pPr')}/{qn('w:pageBreakBefore')}")
    style = paragraph.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    style_id, seen = (style.get(qn("w:val")) if style is not None else None), set()
    while found is None and style_id and style_id not in seen:
        seen.add(style_id)
        definition = styles.get(style_id)
        if definition is None:
            break
        found = definition.find(f"{qn('w:pPr')}/{qn('w:pageBreakBefore')}")
        based = definition.find(qn("w:basedOn"))
        style_id = based.get(qn("w:val")) if based is not None else None
    return found is not None and found.get(qn("w:val")) not in ("0", "false", "off")


def header_copy(document_part, rid: str, extra: Iterable = ()) -> str:
    """A new header part holding a copy of header ``rid`` and then ``extra`` paragraphs; its ``r:id``."""
    source = document_part.rels[rid].target_part  # docxtpl puts its rendered copy there
    part = HeaderPart.new(document_part.package)
    element = part.element
    for existing in list(element):
        element.remove(existing)
    for item in source.element:
        element.append(deepcopy(item))
    for item in extra:
        element.append(item)
    return document_part.relate_to(part, RT.HEADER)


def renumber_watermarks(stories: Iterable) -> None:
    """Number the watermark shapes of every header apart (``PowerPlusWaterMarkObject1``, 2...)."""
    number = 0
    for story in stories:
        for shape in story.iter(f"{{{V}}}shape"):
            if (shape.get("id") or "").startswith("PowerPlusWaterMarkObject"):
                number += 1
                shape.set("id", f"PowerPlusWaterMarkObject{number}")
                shape.set(f"{{{O}}}spid", f"_x0000_s{2048 + number}")


# --- sommaire -----------------------------------------------------------------------------------

TOC_INSTRUCTION = 'TOC \\o "1-2" \\h \\z \\u'


def add_toc_field(paragraph_, placeholder: str, instruction: str = TOC_INSTRUCTION) -> None:
    """A sommaire (``TOC``) field with a placeholder result, marked dirty.

    The templates hold it where the sommaire goes; the renderer gives it its result, the entries
    (:func:`fill_toc`), and asks Word to update it on opening (``w:updateFields``).
    """
    element = _element(paragraph_)
    for item in field(instruction, placeholder, dirty=True):
        element.append(item)


def is_toc_paragraph(paragraph_) -> bool:
    """Whether a paragraph holds the instruction of a sommaire field."""
    return any((t.text or "").strip().startswith("TOC ") for t in _element(paragraph_).iter(qn("w:instrText")))


def toc_instruction(paragraph_) -> str:
    """The instruction of the sommaire field a paragraph holds (the template's, switches included)."""
    return "".join(t.text or "" for t in _element(paragraph_).iter(qn("w:instrText"))).strip()


def fill_toc(paragraph_, entries: Sequence[tuple[int, str, str]], styles: Sequence[str]) -> None:
    """Replace a sommaire field's placeholder by its result, computed in advance: a ``TOC`` field
    whose cached result holds one paragraph per entry, as Word writes it.

    Each entry is ``(level, text, bookmark)``: the title is an internal link, the page number a
    ``PAGEREF`` field. The field begins in the first entry and ends in the last, so that the entries
    show as they are where fields are not updated (Word's Protected View, a viewer), LibreOffice
    computes the ``PAGEREF`` numbers at layout, and Word rebuilds the whole field when it updates
    the fields on opening (``w:updateFields``, see :func:`update_fields_on_open`). The cached page
    numbers are left empty: the DOCX is not laid out when it is written, and a guessed number
    would be wrong in front of the reader.
    """
    element = _element(paragraph_)
    parent = element.getparent()
    index = parent.index(element)
    instruction = toc_instruction(element) or TOC_INSTRUCTION.strip()
    parent.remove(element)
    paragraphs = []
    for level, text, anchor in entries:
        tab = OxmlElement("w:r")
        tab.append(OxmlElement("w:tab"))
        runs = [run(text), tab, *field(f"PAGEREF {anchor} \\h")]
        paragraphs.append(paragraph(styles[min(level, len(styles)) - 1], [internal_link(anchor, runs)]))
    if not paragraphs:
        paragraphs.append(paragraph(styles[0]))
    *opening, end = field(instruction)
    first, last = paragraphs[0], paragraphs[-1]
    at = 1 if len(first) and first[0].tag == qn("w:pPr") else 0
    for offset, item in enumerate(opening):
        first.insert(at + offset, item)
    last.append(end)
    for number, item in enumerate(paragraphs):
        parent.insert(index + number, item)


def drawable_bullets(numbering, font: str, drawable: Callable[[str], bool], fallbacks: Sequence[str]) -> None:
    """Give every bullet level whose character ``drawable`` refuses (a glyph the embedded face
    lacks, such as Amiri's missing ◦) the first of ``fallbacks`` it accepts, set in ``font``."""
    replacement = next((f for f in fallbacks if drawable(f)), None)
    for lvl in _element(numbering).iter(qn("w:lvl")):
        fmt, text = lvl.find(qn("w:numFmt")), lvl.find(qn("w:lvlText"))
        if fmt is None or text is None or fmt.get(qn("w:val")) != "bullet" or replacement is None:
            continue
        if not drawable(text.get(qn("w:val")) or ""):
            text.set(qn("w:val"), replacement)
            set_fonts(child(lvl, "rPr", LVL_ORDER), font)


# --- watermark ----------------------------------------------------------------------------------

_TEXT_SHAPE_TYPE = """<v:shapetype xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" \
id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800" path="m@7,l@8,m@5,21600l@6,21600e">\
<v:formulas><v:f eqn="sum #0 0 10800"/><v:f eqn="prod #0 2 1"/><v:f eqn="sum 21600 0 @1"/>\
<v:f eqn="sum 0 0 @2"/><v:f eqn="sum 21600 0 @3"/><v:f eqn="if @0 @3 0"/><v:f eqn="if @0 21600 @1"/>\
<v:f eqn="if @0 0 @2"/><v:f eqn="if @0 @4 21600"/><v:f eqn="mid @5 @6"/><v:f eqn="mid @8 @5"/>\
<v:f eqn="mid @7 @8"/><v:f eqn="mid @6 @7"/><v:f eqn="sum @6 0 @5"/></v:formulas>\
<v:path textpathok="t" o:connecttype="custom" o:connectlocs="@9,0;@10,10800;@11,21600;@12,10800" \
o:connectangles="270,180,90,0"/><v:textpath on="t" fitshape="t"/>\
<v:handles><v:h position="#0,bottomRight" xrange="6629,14971"/></v:handles>\
<o:lock v:ext="edit" text="t" shapetype="t"/></v:shapetype>"""


def watermark(text: str, font: str, colour: str, opacity: float, size: tuple[float, float], angle: float,
              number: int = 1):
    """A run holding Word's text watermark: ``text`` stretched to ``size`` (points), turned ``angle``
    degrees rising to the right, filled with ``colour`` (``#rrggbb``) at ``opacity``, behind the page,
    from the header (the house style's, :class:`publisher.charte.Watermark`).

    Word and LibreOffice both recognise the ``PowerPlusWaterMarkObject`` shape as a watermark.
    """
    element = OxmlElement("w:r")
    pr = rpr(element)
    child(pr, "noProof", RPR_ORDER)
    pict = OxmlElement("w:pict")
    pict.append(etree.fromstring(_TEXT_SHAPE_TYPE))
    shape = etree.SubElement(pict, f"{{{V}}}shape", nsmap={"v": V, "o": O, "w10": W10})
    shape.set("id", f"PowerPlusWaterMarkObject{number}")
    shape.set(f"{{{O}}}spid", f"_x0000_s{2048 + number}")
    shape.set("type", "#_x0000_t136")
    shape.set("style", f"position:absolute;margin-left:0;margin-top:0;width:{size[0]:g}pt;height:{size[1]:g}pt;"
                       f"rotation:{-angle % 360:g};"
                       "z-index:-251654144;mso-position-horizontal:center;mso-position-horizontal-relative:margin;"
                       "mso-position-vertical:center;mso-position-vertical-relative:margin")
    shape.set(f"{{{O}}}allowincell", "f")
    shape.set("fillcolor", colour.upper())
    shape.set("stroked", "f")
    fill = etree.SubElement(shape, f"{{{V}}}fill")
    fill.set("opacity", f"{opacity:g}")
    path = etree.SubElement(shape, f"{{{V}}}textpath")
    path.set("style", f'font-family:"{font}";font-size:1pt')
    path.set("string", text)
    wrap = etree.SubElement(shape, f"{{{W10}}}wrap")
    wrap.set("anchorx", "margin")
    wrap.set("anchory", "margin")
    element.append(pict)
    return element


# --- serialisation of fragments -----------------------------------------------------------------

_REDUNDANT = re.compile(r' xmlns:(?:w|r)="[^"]*"')


def fragment(elements: Iterable) -> str:
    """Block-level elements as an XML string to insert into a document body (``{{p ...}}``).

    The ``w`` and ``r`` namespace declarations are dropped: the document root declares them.
    """
    return "".join(_REDUNDANT.sub("", etree.tostring(e, encoding="unicode")) for e in elements)


# --- embedded fonts (ECMA-376 Part 1, 17.8.1) ----------------------------------------------------


def font_key(family: str, style: str) -> str:
    """A GUID for a font part, derived from its family and style (never random: same bytes each build)."""
    digest = hashlib.sha256(f"publisher-font/{family}/{style}".encode()).hexdigest().upper()
    return "{%s-%s-%s-%s-%s}" % (digest[:8], digest[8:12], digest[12:16], digest[16:20], digest[20:32])


def obfuscate_font(data: bytes, key: str) -> bytes:
    """XOR the first 32 bytes of a font with the key's 16 bytes taken in reverse order (17.8.1)."""
    raw = bytes.fromhex(key.strip("{}").replace("-", ""))[::-1]
    head = bytes(b ^ raw[i % 16] for i, b in enumerate(data[:32]))
    return head + data[32:]


_EMBED_TAGS = {"regular": "embedRegular", "bold": "embedBold", "italic": "embedItalic", "bolditalic": "embedBoldItalic"}


def embed_fonts(docx: bytes, faces: Sequence, *, when: dt.date = dt.date(1980, 1, 1)) -> bytes:
    """Embed font files in a DOCX as obfuscated font parts, so that it looks the same without them.

    ``faces`` are :class:`publisher.fonts.Face` objects (family, style name, path). Writes the
    ``w:embed*`` elements of ``word/fontTable.xml``, their relationships, the ``odttf`` content
    type, the parts, and ``w:embedTrueTypeFonts`` in the settings; the package comes out
    deterministic (:func:`deterministic_zip`), dated ``when``.
    """
    source = zipfile.ZipFile(io.BytesIO(docx))
    parts = {name: source.read(name) for name in source.namelist()}
    fonts = etree.fromstring(parts["word/fontTable.xml"])
    rels_name = "word/_rels/fontTable.xml.rels"
    rels = etree.fromstring(parts[rels_name]) if rels_name in parts else etree.Element(f"{{{PR}}}Relationships", nsmap={None: PR})
    number = len(rels)
    for face in faces:
        font = next((f for f in fonts.iter(qn("w:font")) if f.get(qn("w:name")) == face.family), None)
        if font is None:
            font = etree.SubElement(fonts, qn("w:font"))
            font.set(qn("w:name"), face.family)
            for tag, value in (("charset", "00"), ("family", "auto"), ("pitch", "variable")):
                child(font, tag, FONT_ORDER, {"val": value})
        number += 1
        rid = f"rIdFont{number}"
        key = font_key(face.family, face.name)
        embed = child(font, _EMBED_TAGS[face.name], FONT_ORDER, replace=True)
        embed.set(qn("r:id"), rid)
        embed.set(qn("w:fontKey"), key)
        target = f"fonts/font{number}.odttf"
        rel = etree.SubElement(rels, f"{{{PR}}}Relationship")
        rel.set("Id", rid)
        rel.set("Type", REL_FONT)
        rel.set("Target", target)
        parts[f"word/{target}"] = obfuscate_font(face.path.read_bytes(), key)
    parts["word/fontTable.xml"] = _xml_bytes(fonts)
    parts[rels_name] = _xml_bytes(rels)

    types = etree.fromstring(parts["[Content_Types].xml"])
    if not any(d.get("Extension") == "odttf" for d in types):
        default = etree.Element(f"{{{CT}}}Default")
        default.set("Extension", "odttf")
        default.set("ContentType", OBFUSCATED_FONT)
        types.insert(0, default)
    parts["[Content_Types].xml"] = _xml_bytes(types)

    settings = etree.fromstring(parts["word/settings.xml"])
    child(settings, "embedTrueTypeFonts", SETTINGS_ORDER)
    parts["word/settings.xml"] = _xml_bytes(settings)
    return _zip(parts, when)


def _xml_bytes(element) -> bytes:
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", standalone=True)


# --- settings -----------------------------------------------------------------------------------


def update_fields_on_open(settings_element, on: bool = True) -> None:
    """Ask Word to update the fields (the sommaire) when the document opens; ``on=False`` takes the
    request away (a document without a sommaire has nothing Word must update: ``PAGE`` and
    ``NUMPAGES`` are computed at layout)."""
    found = settings_element.find(qn("w:updateFields"))
    if not on:
        if found is not None:
            settings_element.remove(found)
        return
    child(settings_element, "updateFields", SETTINGS_ORDER, {"val": "true"})


# --- deterministic package ----------------------------------------------------------------------

_FIRST = ("[Content_Types].xml", "_rels/.rels", "docProps/core.xml", "docProps/app.xml", "word/document.xml")
_STORED = (".png", ".jpeg", ".jpg")  # already compressed: deflating them again costs time for nothing
_FAST = (".odttf",)  # fonts halve at the fastest level; the best level costs three times the time for 5 %


def _zip(parts: dict[str, bytes], when: dt.date = dt.date(1980, 1, 1)) -> bytes:
    """Parts in a fixed order, with a fixed timestamp, so that the same parts give the same bytes."""
    order = [n for n in _FIRST if n in parts] + sorted(n for n in parts if n not in _FIRST)
    stamp = (max(when.year, 1980), when.month, when.day, 0, 0, 0) if when.year >= 1980 else (1980, 1, 1, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED if name.endswith(_STORED) else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0
            archive.writestr(info, parts[name], compresslevel=1 if name.endswith(_FAST) else 6)
    return out.getvalue()


def deterministic_zip(docx: bytes, when: dt.date) -> bytes:
    """Rewrite a DOCX with fixed entry order and timestamps (the date ``when``) so that two renders match."""
    source = zipfile.ZipFile(io.BytesIO(docx))
    return _zip({name: source.read(name) for name in source.namelist()}, when)


# --- styles, numbering, settings, font table (the parts a template defines) ----------------------


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

    ``w:lvlJc start`` puts the number at the paragraph's start edge, the right one in Arabic.
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
    return lvl


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


def xml_bytes(element) -> bytes:
    """A part's root element as the bytes of an XML part."""
    return _xml_bytes(element)


# --- one volume of two documents (the bilingual edition) -----------------------------------------

_RELATIONSHIP_ATTRIBUTES = (qn("r:id"), qn("r:embed"), qn("r:link"))


def append_document(master, other, tag: str = "ar") -> None:
    """Append the python-docx document ``other`` to ``master``, on a new page, keeping its own look.

    Word has one set of styles per document, so ``other``'s styles are copied under new ids
    (``Corps`` becomes ``Corpsar``, "Corps" becomes "Corps ar") and its paragraphs, runs and tables
    point at the copies; its lists, bookmarks, drawings, links, pictures, headers and footers are
    renumbered or related anew. ``other``'s last section ends the volume.
    """
    body, extra = master.element.body, other.element.body
    styles = _append_styles(master.styles.element, other.styles.element, tag)
    numbers = _append_numbering(master.part.numbering_part.element, other.part.numbering_part.element)
    relationships, stories = _relate_anew(master, other)
    offsets = {
        "bookmark": max((int(b.get(qn("w:id"))) for b in body.iter(qn("w:bookmarkStart"))), default=0),
        "drawing": max((int(d.get("id")) for d in body.xpath("//wp:docPr")), default=0),
    }
    for root in (extra, *stories):
        _repoint(root, styles, numbers, relationships, offsets, tag)
    # the master's last section ends where the other document begins
    body.append(section_break(body.find(qn("w:sectPr"))))
    for element in list(extra):
        body.append(element)  # the other's final sectPr closes the volume


def _repoint(root, styles, numbers, relationships, offsets, tag: str) -> None:
    """Point the elements of an appended story at the copied styles, lists, bookmarks and relationships."""
    normal = f"Normal{tag}"
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == qn("w:p") and element.find(f"{qn('w:pPr')}/{qn('w:pStyle')}") is None:
            child(ppr(element), "pStyle", PPR_ORDER, {"val": normal})  # not the master's Normal
        elif element.tag in (qn("w:pStyle"), qn("w:rStyle"), qn("w:tblStyle")):
            element.set(qn("w:val"), styles.get(element.get(qn("w:val")), element.get(qn("w:val"))))
        elif element.tag == qn("w:numId") and element.get(qn("w:val")) != "0":
            element.set(qn("w:val"), str(numbers[int(element.get(qn("w:val")))]))
        elif element.tag in (qn("w:bookmarkStart"), qn("w:bookmarkEnd")):
            element.set(qn("w:id"), str(int(element.get(qn("w:id"))) + offsets["bookmark"]))
            if element.get(qn("w:name")):
                element.set(qn("w:name"), f"{element.get(qn('w:name'))}_{tag}")
        elif element.tag == qn("w:hyperlink") and element.get(qn("w:anchor")):
            element.set(qn("w:anchor"), f"{element.get(qn('w:anchor'))}_{tag}")
        elif element.tag == qn("w:instrText") and (element.text or "").strip().startswith("PAGEREF"):
            words = element.text.split()
            words[1] = f"{words[1]}_{tag}"
            element.text = f" {' '.join(words)} "
        elif element.tag == qn("wp:docPr"):
            element.set("id", str(int(element.get("id")) + offsets["drawing"]))
        for attribute in _RELATIONSHIP_ATTRIBUTES:
            if element.get(attribute) in relationships:
                element.set(attribute, relationships[element.get(attribute)])


def _append_styles(master, other, tag: str) -> dict[str, str]:
    """Copy every style of ``other`` into ``master`` under a new id and name; the old id -> new id."""
    renamed = {s.get(qn("w:styleId")): f"{s.get(qn('w:styleId'))}{tag}" for s in other.findall(qn("w:style"))}
    for style_ in other.findall(qn("w:style")):
        copy = deepcopy(style_)
        copy.set(qn("w:styleId"), renamed[style_.get(qn("w:styleId"))])
        copy.attrib.pop(qn("w:default"), None)
        name = copy.find(qn("w:name"))
        name.set(qn("w:val"), f"{name.get(qn('w:val'))} {tag}")
        for ref in ("basedOn", "next", "link"):
            element = copy.find(qn(f"w:{ref}"))
            if element is not None and element.get(qn("w:val")) in renamed:
                element.set(qn("w:val"), renamed[element.get(qn("w:val"))])
        master.append(copy)
    # the copies carry the other document's defaults (font, size, direction) through its Normal style
    normal = master.find(f"{qn('w:style')}[@{qn('w:styleId')}='Normal{tag}']")
    defaults = other.find(qn("w:docDefaults"))
    if normal is not None and defaults is not None:
        for pr_tag, order, default_tag in (("rPr", RPR_ORDER, "rPrDefault"), ("pPr", PPR_ORDER, "pPrDefault")):
            source = defaults.find(f"{qn(f'w:{default_tag}')}/{qn(f'w:{pr_tag}')}")
            target = child(normal, pr_tag, STYLE_ORDER)
            for item in source if source is not None else ():
                if target.find(item.tag) is None:
                    local = etree.QName(item).localname
                    placed = child(target, local, order)
                    for key, value in item.attrib.items():
                        placed.set(key, value)
    return renamed


def _append_numbering(master, other) -> dict[int, int]:
    """Copy the lists of ``other`` into ``master`` under new ids; the old numId -> new numId."""
    abstract_offset = max((int(a.get(qn("w:abstractNumId"))) for a in master.iter(qn("w:abstractNum"))), default=0)
    num_offset = max((int(n.get(qn("w:numId"))) for n in master.iter(qn("w:num"))), default=0)
    first_num = master.find(qn("w:num"))
    for abstract in other.iter(qn("w:abstractNum")):
        copy = deepcopy(abstract)
        copy.set(qn("w:abstractNumId"), str(int(abstract.get(qn("w:abstractNumId"))) + abstract_offset))
        if first_num is not None:
            first_num.addprevious(copy)  # every abstractNum before the first num (schema order)
        else:
            master.append(copy)
    mapping = {}
    for num in other.iter(qn("w:num")):
        copy = deepcopy(num)
        old = int(num.get(qn("w:numId")))
        mapping[old] = old + num_offset
        copy.set(qn("w:numId"), str(mapping[old]))
        ref = copy.find(qn("w:abstractNumId"))
        ref.set(qn("w:val"), str(int(ref.get(qn("w:val"))) + abstract_offset))
        master.append(copy)
    return mapping


def _relate_anew(master, other) -> tuple[dict[str, str], list]:
    """Relate to ``master`` what ``other``'s body points at: links, pictures, headers and footers.

    Returns the other's relationship id -> the master's, and the copied header and footer roots.
    The headers and footers become new parts of the master, their watermark shapes renumbered.
    """
    shapes = len(master.element.xpath("//*[local-name()='shape']"))
    for rel in master.part.rels.values():
        if rel.reltype in (RT.HEADER, RT.FOOTER):
            shapes += len(rel.target_part.element.xpath(".//*[local-name()='shape']"))
    mapping, stories = {}, []
    for rid, rel in sorted(other.part.rels.items()):
        if rel.is_external and rel.reltype == RT.HYPERLINK:
            mapping[rid] = master.part.relate_to(rel.target_ref, RT.HYPERLINK, is_external=True)
        elif rel.reltype == RT.IMAGE:
            mapping[rid], _ = master.part.get_or_add_image(io.BytesIO(rel.target_part.blob))
        elif rel.reltype in (RT.HEADER, RT.FOOTER):
            kind = HeaderPart if rel.reltype == RT.HEADER else FooterPart
            part = kind.new(master.part.package)
            part._element = deepcopy(rel.target_part.element)
            for shape in part._element.xpath(".//*[local-name()='shape']"):
                shapes += 1
                shape.set("id", f"PowerPlusWaterMarkObject{shapes}")
                shape.set(f"{{{O}}}spid", f"_x0000_s{2048 + shapes}")
            mapping[rid] = master.part.relate_to(part, rel.reltype)
            stories.append(part._element)
    return mapping, stories


# --- templates as an office saves them ----------------------------------------------------------

# Some writers (LibreOffice among them) relate the core properties with this type, which python-docx
# does not know: it would add a second docProps/core.xml beside the first.
_CORE_PROPERTIES_OFFICE = "http://schemas.openxmlformats.org/officedocument/2006/relationships/metadata/core-properties"
_STYLE_REFERENCES = ("pStyle", "rStyle", "tblStyle", "basedOn", "next", "link", "numStyleLink", "styleLink")
_BLOCK_TAG = re.compile(r"^\s*(\{%-?\s*p\s.*%\}|\{\{\s*p\s.*\}\})\s*$", re.DOTALL)
_OPENING_TAG = re.compile(r"^\s*\{%-?\s*p\s+(for|if)\b")


def normalize_template(data: bytes, style_names: dict[str, str], lists: dict | None = None) -> bytes:
    """A DOCX template as Word or LibreOffice saved it, in the shape the renderer fills.

    An office restyles a template in its word processor, which rewrites the package on saving:

    - the style ids follow the editor and its language (LibreOffice writes ``Heading1`` where Word
      in French writes ``Titre1``), while the renderer names its styles by id: each style named in
      ``style_names`` (id -> name, compared without case, as Word does for built-in names) gets back
      its id, and every reference to it follows;
    - a word processor cuts a run wherever an edit or a spelling mark fell, so a tag may spread over
      several runs: the runs a tag spans are joined into its first one (docxtpl mends some such
      cuts, not all: a ``{% vm %}`` cut in two leaves its cells unmerged);
    - section and page breaks move into the paragraph before them, which may be a docxtpl paragraph
      tag (``{%p endfor %}``) that the render replaces whole: they are moved out of it;
    - the fonts the editor embedded (its fallbacks, megabytes of them) are dropped: the renderer
      embeds the edition's own typefaces;
    - the lists that no paragraph of the template uses are rewritten by LibreOffice (numbers become
      bullets, bullets nothing): each list of ``lists`` (num id -> ``w:abstractNum``) whose level
      formats differ from it is defined again (a list restyled with the same formats is kept);
    - the core properties keep their standard relationship, so that there is one docProps/core.xml;
    - Word is asked again to update the fields on opening (the page numbers of the sommaire).
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    parts = {name: source.read(name) for name in source.namelist()}
    parts["_rels/.rels"] = parts["_rels/.rels"].replace(_CORE_PROPERTIES_OFFICE.encode(), RT.CORE_PROPERTIES.encode())

    renamed = _canonical_style_ids(etree.fromstring(parts["word/styles.xml"]), style_names)
    for name in [n for n in parts if n.startswith("word/") and n.endswith(".xml") and n.count("/") == 1]:
        root = etree.fromstring(parts[name])
        changed = name == "word/styles.xml" and bool(renamed)
        for element in root.iter(*(qn(f"w:{tag}") for tag in _STYLE_REFERENCES)):
            value = element.get(qn("w:val"))
            if value in renamed:
                element.set(qn("w:val"), renamed[value])
                changed = True
        if name == "word/styles.xml":
            for style in root.iter(qn("w:style")):
                if style.get(qn("w:styleId")) in renamed:
                    style.set(qn("w:styleId"), renamed[style.get(qn("w:styleId"))])
        if name == "word/document.xml" or name.startswith(("word/header", "word/footer")):
            changed = _join_split_tags(root) or changed
        if name == "word/document.xml":
            changed = _breaks_out_of_tags(root) or changed
        if name == "word/fontTable.xml":
            changed = _drop_embedded_fonts(root, parts) or changed
        if name == "word/settings.xml":
            update_fields_on_open(root, on=False)  # the renderer asks for it where it fills a sommaire
            changed = True
        if name == "word/numbering.xml" and lists:
            changed = _repair_lists(root, lists) or changed
        if changed:
            parts[name] = _xml_bytes(root)
    return _zip(parts)


def _list_formats(abstract) -> list[tuple[str, str]]:
    return [(lvl.get(qn("w:ilvl")), lvl.find(qn("w:numFmt")).get(qn("w:val")) if lvl.find(qn("w:numFmt")) is not None
             else "") for lvl in abstract.findall(qn("w:lvl"))]


def _repair_lists(numbering, lists: dict) -> bool:
    """Define again each list of ``lists`` whose levels no longer have the expected formats."""
    repaired = False
    abstracts = {a.get(qn("w:abstractNumId")): a for a in numbering.findall(qn("w:abstractNum"))}
    nums = {n.get(qn("w:numId")): n for n in numbering.findall(qn("w:num"))}
    for num_id, wanted in lists.items():
        num = nums.get(str(num_id))
        abstract = abstracts.get(num.find(qn("w:abstractNumId")).get(qn("w:val"))) if num is not None else None
        formats = _list_formats(wanted)
        if abstract is not None and _list_formats(abstract)[:len(formats)] == formats:
            continue
        fresh = deepcopy(wanted)
        abstract_id = str(max([int(i) for i in abstracts] + [0]) + 1)
        fresh.set(qn("w:abstractNumId"), abstract_id)
        abstracts[abstract_id] = fresh
        last = numbering.findall(qn("w:abstractNum"))
        if last:
            last[-1].addnext(fresh)  # every w:abstractNum comes before the first w:num
        else:
            numbering.insert(0, fresh)
        if num is None:
            num = numbering_instance(num_id, int(abstract_id))
            numbering.append(num)
        num.find(qn("w:abstractNumId")).set(qn("w:val"), abstract_id)
        repaired = True
    return repaired


def _canonical_style_ids(styles, style_names: dict[str, str]) -> dict[str, str]:
    """Old id -> new id: the styles of ``style_names`` saved under another id get theirs back, and a
    style of another name that holds one of those ids gives it up."""
    wanted = {name.casefold(): style_id for style_id, name in style_names.items()}
    present = {}
    for style in styles.iter(qn("w:style")):
        name = style.find(qn("w:name"))
        present[style.get(qn("w:styleId"))] = name.get(qn("w:val")).casefold() if name is not None else ""
    holders = {}  # canonical id -> the id of the style that takes it (the one already holding it first)
    for old, name in present.items():
        new = wanted.get(name)
        if new is not None and (new not in holders or old == new):
            holders[new] = old
    renamed = {old: new for new, old in holders.items() if old != new}
    for new in list(renamed.values()):
        if new in present and new not in renamed:
            fresh = new + "x"
            while fresh in present or fresh in renamed.values():
                fresh += "x"
            renamed[new] = fresh
    return renamed


_TAGS = re.compile(r"(?:\{[{%#].*?[}%#]\})+", re.DOTALL)  # a tag, or tags side by side ({% vm %}{{ x }})
_ZERO_WIDTH = {qn(f"w:{tag}") for tag in ("proofErr", "bookmarkStart", "bookmarkEnd", "permStart", "permEnd")}
_TEXT_RUN_CHILDREN = {qn("w:rPr"), qn("w:t"), qn("w:lastRenderedPageBreak")}


def _join_split_tags(root) -> bool:
    """Join the runs that one docxtpl tag spreads over, so that each tag lies whole in one run
    (and tags side by side in one run together: docxtpl merges a ``{% vm %}`` cell's run only)."""
    changed = False
    for paragraph_ in root.iter(qn("w:p")):
        while _join_first_split_tag(paragraph_):
            changed = True
    return changed


def _join_first_split_tag(paragraph_) -> bool:
    """Join the runs of the first tag of ``paragraph_`` that spans several runs; False if there is none."""
    sequence: list = []  # consecutive text runs (and the zero-width marks between them)
    for element in [*paragraph_, None]:
        if element is not None and element.tag in _ZERO_WIDTH:
            sequence.append(element)
            continue
        if element is not None and element.tag == qn("w:r") and all(c.tag in _TEXT_RUN_CHILDREN for c in element):
            sequence.append(element)
            continue
        runs = [e for e in sequence if e.tag == qn("w:r")]
        texts = ["".join(t.text or "" for t in r.findall(qn("w:t"))) for r in runs]
        starts = [sum(len(t) for t in texts[:i]) for i in range(len(texts))]
        for match in _TAGS.finditer("".join(texts)):
            first = max(i for i, start in enumerate(starts) if start <= match.start())
            last = max(i for i, start in enumerate(starts) if start < match.end())
            if first == last:
                continue
            keep = runs[first]
            for t in keep.findall(qn("w:t"))[1:]:
                keep.remove(t)
            t = keep.find(qn("w:t"))
            t.text = "".join(texts[first:last + 1])
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            for between in sequence[sequence.index(keep) + 1:sequence.index(runs[last]) + 1]:
                paragraph_.remove(between)
            return True
        sequence = []
    return False


def _breaks_out_of_tags(body_root) -> bool:
    """Move the section and page breaks that a docxtpl paragraph tag holds out of it.

    A word processor puts a section break in the last paragraph of its section, and writes the
    "page break before" of a paragraph as a page break at the end of the previous one: either may
    land in a tag's paragraph, which the render replaces whole. A section break goes into an empty
    paragraph of its own beside the tag; a page break becomes "page break before" on the next
    paragraph that is not a tag (none when a section break already starts a new page).
    """
    moved = False
    paragraphs = list(body_root.iter(qn("w:p")))
    tags = {id(p) for p in paragraphs if _BLOCK_TAG.match("".join(t.text or "" for t in p.iter(qn("w:t"))))}
    for paragraph_ in paragraphs:
        if id(paragraph_) not in tags:
            continue
        text = "".join(t.text or "" for t in paragraph_.iter(qn("w:t")))
        sect_pr = paragraph_.find(f"{qn('w:pPr')}/{qn('w:sectPr')}")
        page_breaks = paragraph_.xpath("./w:r/w:br[@w:type='page']", namespaces={"w": W})
        if sect_pr is not None:
            holder = OxmlElement("w:p")
            ppr(holder).append(sect_pr)  # moves it out of the tag's paragraph
            if _OPENING_TAG.match(text):
                paragraph_.addprevious(holder)  # the section ends before the loop or the condition
            else:
                paragraph_.addnext(holder)
            moved = True
        elif page_breaks:
            following = paragraph_.getnext()
            while following is not None and following.tag == qn("w:p") and id(following) in tags:
                following = following.getnext()
            if following is not None and following.tag == qn("w:p"):
                child(ppr(following), "pageBreakBefore", PPR_ORDER, replace=True)
                moved = True
        for br in page_breaks:
            br.getparent().remove(br)
    return moved


def _drop_embedded_fonts(font_table, parts: dict[str, bytes]) -> bool:
    """Remove the fonts a word processor embedded in the template, with their parts."""
    embeds = [e for e in font_table.iter() if isinstance(e.tag, str) and e.tag.startswith(f"{{{W}}}embed")]
    if not embeds:
        return False
    rels_name = "word/_rels/fontTable.xml.rels"
    rels = etree.fromstring(parts[rels_name]) if rels_name in parts else None
    for embed in embeds:
        embed.getparent().remove(embed)
    if rels is not None:
        for rel in list(rels):
            if rel.get("Type") == REL_FONT:
                parts.pop("word/" + rel.get("Target").lstrip("/").removeprefix("word/"), None)
                rels.remove(rel)
        parts[rels_name] = _xml_bytes(rels)
    types = etree.fromstring(parts["[Content_Types].xml"])
    for override in list(types):
        if override.get("PartName", "").lstrip("/") not in parts and override.get("PartName"):
            types.remove(override)
    parts["[Content_Types].xml"] = _xml_bytes(types)
    return True
