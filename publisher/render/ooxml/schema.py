"""The ground of every OOXML helper: namespaces, units, the schema order of each properties element,
and :func:`child`, which inserts a property at its place in that order (Word rejects misordered
properties, LibreOffice tolerates them, so a LibreOffice test alone would not catch the mistake).

Reference: ECMA-376 Part 1, the sequences of 17.3.1.26 (pPr), 17.3.2.28 (rPr), 17.4 (tables), 17.6 (sections).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

from docx.oxml.parser import oxml_parser
from docx.oxml.ns import nsmap, qn
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


def element_of(target):
    """The lxml element behind a python-docx proxy (Paragraph, Run, Table, _Row, _Cell) or itself."""
    if isinstance(target, etree._Element):
        return target
    for attr in ("_element", "_p", "_r", "_tbl", "_tr", "_tc"):
        inner = getattr(target, attr, None)
        if inner is not None:
            return inner
    return target


@lru_cache(maxsize=None)
def _tag(nsptag: str) -> tuple[str, dict[str, str]]:
    """The Clark name of a prefixed tag (``w:rtl``) and the declaration of its namespace."""
    prefix = nsptag.split(":")[0]
    return qn(nsptag), {prefix: nsmap[prefix]}


def new_element(nsptag: str):
    """A new element, of python-docx's class for its tag, as ``OxmlElement`` makes it, its tag resolved
    once per process: the builders make every element with it (a plan's DOCX has some hundred thousand)."""
    clark, declaration = _tag(nsptag)
    return oxml_parser.makeelement(clark, nsmap=declaration)


@lru_cache(maxsize=None)
def schema_ranks(order: tuple[str, ...]) -> dict[str, int]:
    """The rank of each tag (Clark notation) in a schema sequence."""
    return {qn(f"w:{tag}"): index for index, tag in enumerate(order)}


def child(parent, tag: str, order: Sequence[str], attrs: dict[str, str] | None = None, *, replace: bool = False):
    """The ``w:tag`` child of ``parent``, created at its place in the schema ``order`` if absent."""
    name = _tag(f"w:{tag}")[0]
    found = parent.find(name)
    if found is not None and replace:
        parent.remove(found)
        found = None
    if found is None:
        found = new_element(f"w:{tag}")
        ranks = schema_ranks(tuple(order))
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


def properties_of(target, pr_tag: str):
    """The properties element (``w:pPr``, ``w:rPr``, ``w:tblPr``, ``w:trPr``, ``w:tcPr``) of an element, first child."""
    element = element_of(target)
    name = _tag(f"w:{pr_tag}")[0]
    if element.tag == name:  # already the properties element (a style's or a numbering level's)
        return element
    pr = element.find(name)
    if pr is None:
        pr = new_element(f"w:{pr_tag}")
        # always the first child, except a row's trPr, which follows an optional tblPrEx
        after_ex = pr_tag == "trPr" and len(element) and element[0].tag == qn("w:tblPrEx")
        element.insert(1 if after_ex else 0, pr)
    return pr


def ppr(paragraph):
    """The ``w:pPr`` of a paragraph, created if absent."""
    return properties_of(paragraph, "pPr")


def rpr(run):
    """The ``w:rPr`` of a run, created if absent."""
    return properties_of(run, "rPr")


_PARAGRAPH_STYLE, _VAL = f"{qn('w:pPr')}/{qn('w:pStyle')}", qn("w:val")  # resolved once: asked of every paragraph


def paragraph_style(paragraph) -> str | None:
    """The style id of a paragraph (its ``w:pStyle``), or None."""
    style = element_of(paragraph).find(_PARAGRAPH_STYLE)
    return style.get(_VAL) if style is not None else None
