"""Factories of new block and inline elements (runs, paragraphs, links, pictures, fields, bookmarks,
cells, rows, tables, sections, the sommaire's TOC field, the draft watermark) and the setters of tables
and sections. python-docx has no API for most of them.

Reference: ECMA-376 Part 1, 17.3 (paragraphs and runs), 17.4 (tables), 17.6 (sections), 17.16 (fields).
"""

from __future__ import annotations

import re
from copy import deepcopy
from typing import Callable, Iterable, Sequence

from docx.opc.constants import CONTENT_TYPE as CT, RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import nsmap, qn
from docx.opc.packuri import PackURI
from docx.oxml.parser import parse_xml
from docx.parts.hdrftr import FooterPart, HeaderPart
from lxml import etree

from .props import (
    set_bold, set_caps, set_color, set_fonts, set_italic, set_justification, set_numbering,
    set_size, shade,
)
from .schema import (
    LVL_ORDER, O, PPR_ORDER, R, RPR_ORDER, SECTPR_ORDER, TBLPR_ORDER, TCPR_ORDER, TRPR_ORDER,
    TWIPS_PER_MM, V, W, W10, element_of, properties_of, schema_ranks, child, mm, new_element, paragraph_style,
    ppr, rpr,
)


def text_element(text: str):
    """A ``w:t`` that keeps its spaces."""
    element = new_element("w:t")
    element.text = text
    if text != text.strip() or "  " in text:
        element.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return element


def run(text: str = "", *, bold: bool = False, italic: bool = False, style: str | None = None,
        size: float | None = None, color: str | None = None, caps: bool = False):
    """A run of text; a ``\\n`` becomes a line break and a ``\\t`` a tab."""
    element = new_element("w:r")
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
            element.append(new_element("w:br"))
        for tab_index, piece in enumerate(line.split("\t")):
            if tab_index:
                element.append(new_element("w:tab"))
            if piece:
                element.append(text_element(piece))
    return element


def paragraph(style: str | None = None, runs: Iterable = (), *, num: tuple[int, int] | None = None,
              justification: str | None = None, keep_next: bool = False):
    """A paragraph in a named style, holding ``runs`` (runs, hyperlinks, fields)."""
    element = new_element("w:p")
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
    element = new_element("w:hyperlink")
    element.set(qn("w:anchor"), anchor)
    element.set(qn("w:history"), "1")
    for item in runs:
        element.append(item)
    return element


def picture_run(inline):
    """A run holding a picture (a ``wp:inline`` made by python-docx)."""
    element = new_element("w:r")
    drawing = new_element("w:drawing")
    drawing.append(inline)
    element.append(drawing)
    return element


def field(instruction: str, result: str = "", *, dirty: bool = False, style: str | None = None) -> list:
    """A complex field (``PAGE``, ``NUMPAGES``, ``PAGEREF``, ``TOC``...) as its runs, with a cached result."""
    def char(kind: str):
        element = run(style=style) if style else new_element("w:r")
        fld = new_element("w:fldChar")
        fld.set(qn("w:fldCharType"), kind)
        if kind == "begin" and dirty:
            fld.set(qn("w:dirty"), "true")
        element.append(fld)
        return element

    instr_run = run(style=style) if style else new_element("w:r")
    instr = new_element("w:instrText")
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
    start = new_element("w:bookmarkStart")
    start.set(qn("w:id"), str(identifier))
    start.set(qn("w:name"), name)
    end = new_element("w:bookmarkEnd")
    end.set(qn("w:id"), str(identifier))
    pr = paragraph_element.find(qn("w:pPr"))
    paragraph_element.insert(1 if pr is not None else 0, start)
    paragraph_element.append(end)


def bookmark_range(first_paragraph, last_paragraph, name: str, identifier: int) -> None:
    """A bookmark from the start of one paragraph to the end of a later one (a part of a volume)."""
    start = new_element("w:bookmarkStart")
    start.set(qn("w:id"), str(identifier))
    start.set(qn("w:name"), name)
    end = new_element("w:bookmarkEnd")
    end.set(qn("w:id"), str(identifier))
    first, last = element_of(first_paragraph), element_of(last_paragraph)
    first.insert(1 if len(first) and first[0].tag == qn("w:pPr") else 0, start)
    last.append(end)


def max_bookmark_id(root) -> int:
    """The highest bookmark id under ``root`` (0 without any)."""
    return max((int(b.get(qn("w:id"))) for b in element_of(root).iter(qn("w:bookmarkStart"))), default=0)


def cell(width_mm: float, blocks: Iterable = (), *, span: int = 1, fill: str | None = None,
         vmerge: str | None = None, valign: str | None = None):
    """A table cell of a given width; ``vmerge`` is ``restart`` or ``continue``."""
    element = new_element("w:tc")
    pr = properties_of(element, "tcPr")
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
    element = new_element("w:tr")
    if header:
        repeat_header(element)
    if cant_split_row:
        cant_split(element)
    for item in cells:
        element.append(item)
    return element


def table(style: str | None, widths_mm: Sequence[float], rows: Iterable, *, layout_fixed: bool = True):
    """A table with a named style, fixed column widths and its rows."""
    element = new_element("w:tbl")
    pr = properties_of(element, "tblPr")
    if style:
        child(pr, "tblStyle", TBLPR_ORDER, {"val": style})
    child(pr, "tblW", TBLPR_ORDER, {"w": sum(mm(w) for w in widths_mm), "type": "dxa"})
    if layout_fixed:
        child(pr, "tblLayout", TBLPR_ORDER, {"type": "fixed"})
    child(pr, "tblLook", TBLPR_ORDER, {
        "val": "04A0", "firstRow": "1", "lastRow": "0", "firstColumn": "0", "lastColumn": "0",
        "noHBand": "1", "noVBand": "1",
    })
    grid = new_element("w:tblGrid")
    for width in widths_mm:
        col = new_element("w:gridCol")
        col.set(qn("w:w"), str(mm(width)))
        grid.append(col)
    element.append(grid)
    for row in rows:
        element.append(row)
    return element


def set_column_widths(table_, widths_mm: Sequence[float]) -> None:
    """Give a table's grid these column widths, and each cell the width of the grid columns it spans
    (``w:gridSpan``); the table's width is their sum. A table with another number of columns is left alone."""
    element = element_of(table_)
    grid = element.find(qn("w:tblGrid"))
    if grid is None or len(grid) != len(widths_mm):
        return
    twips = [mm(w) for w in widths_mm]
    for col, width in zip(grid.findall(qn("w:gridCol")), twips):
        col.set(qn("w:w"), str(width))
    child(properties_of(element, "tblPr"), "tblW", TBLPR_ORDER, {"w": sum(twips), "type": "dxa"})
    for row in element.findall(qn("w:tr")):
        column = 0
        for tc in row.findall(qn("w:tc")):
            span = tc.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}")
            count = int(span.get(qn("w:val"))) if span is not None else 1
            child(properties_of(tc, "tcPr"), "tcW", TCPR_ORDER, {"w": sum(twips[column:column + count]), "type": "dxa"})
            column += count


def cell_like(model_cell, runs: Iterable):
    """A new cell shaped like ``model_cell`` (width, shading, borders; the style of its first
    paragraph) holding one paragraph of ``runs``."""
    element = deepcopy(element_of(model_cell))
    first = element.find(qn("w:p"))
    style = paragraph_style(first) if first is not None else None
    for block in [e for e in element if e.tag != qn("w:tcPr")]:
        element.remove(block)
    element.append(paragraph(style, runs))
    return element


def append_column(table_, width_mm: float, cells: Sequence) -> None:
    """Add a column after the last one, ``cells`` one per row in order; the other columns are
    narrowed in proportion, so that the table keeps its width."""
    element = element_of(table_)
    grid = element.find(qn("w:tblGrid"))
    widths = [int(col.get(qn("w:w"))) / TWIPS_PER_MM for col in grid.findall(qn("w:gridCol"))]
    total = sum(widths)
    scale = max(total - width_mm, total / 2) / total
    grid.append(new_element("w:gridCol"))
    for row, new in zip(element.findall(qn("w:tr")), cells):
        row.append(new)
    set_column_widths(element, [w * scale for w in widths] + [total - total * scale])


def repeat_header(row) -> None:
    """Repeat a row at the top of every page the table runs over (``w:tblHeader``)."""
    child(properties_of(row, "trPr"), "tblHeader", TRPR_ORDER)


def cant_split(row) -> None:
    """Keep a row whole on one page where it can be helped (``w:cantSplit``)."""
    child(properties_of(row, "trPr"), "cantSplit", TRPR_ORDER)


def allow_split(row) -> None:
    """Let a row break across pages: LibreOffice clips a row taller than a page that may not split."""
    pr = element_of(row).find(qn("w:trPr"))
    found = pr.find(qn("w:cantSplit")) if pr is not None else None
    if found is not None:
        pr.remove(found)


def is_header_row(row) -> bool:
    """Whether a row repeats at the top of every page (``w:tblHeader``)."""
    return element_of(row).find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None


def keep_row_with_next(row) -> None:
    """Keep a row on the page of the next one: every paragraph of its cells ``w:keepNext``
    (how Word and LibreOffice keep rows together)."""
    for paragraph_ in element_of(row).iter(qn("w:p")):
        child(ppr(paragraph_), "keepNext", PPR_ORDER)


def merge_vertical(cell_, restart: bool) -> None:
    """Merge a cell with the ones below (``restart``) or into the one above (``continue``)."""
    child(properties_of(cell_, "tcPr"), "vMerge", TCPR_ORDER, {"val": "restart" if restart else "continue"})


def grid_span(cell_, columns: int) -> None:
    """Make a cell span several grid columns."""
    child(properties_of(cell_, "tcPr"), "gridSpan", TCPR_ORDER, {"val": columns})


def order_cell_properties(root) -> None:
    """Put the children of every ``w:tcPr`` in schema order.

    docxtpl's ``{% vm %}`` appends ``w:vMerge`` at the end of the cell properties, after a
    ``w:shd``: LibreOffice reads it anyway, Word reports the file as damaged.
    """
    rank = schema_ranks(TCPR_ORDER)
    for pr in element_of(root).iter(qn("w:tcPr")):
        children = list(pr)
        ordered = sorted(children, key=lambda e: rank.get(e.tag, len(rank)))
        if ordered != children:
            for element in children:
                pr.remove(element)
            pr.extend(ordered)


def ensure_cell_paragraph(cell_) -> None:
    """A cell must end with a paragraph (Word reports an empty one, or one ending in a table, as corrupt)."""
    element = element_of(cell_)
    blocks = [e for e in element if e.tag in (qn("w:p"), qn("w:tbl"))]
    if not blocks or blocks[-1].tag == qn("w:tbl"):
        element.append(new_element("w:p"))


def ensure_cell_paragraphs(root) -> None:
    """:func:`ensure_cell_paragraph` on every cell under ``root`` (a loop over an empty list leaves none)."""
    for tc in element_of(root).iter(qn("w:tc")):
        ensure_cell_paragraph(tc)


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


def set_section_start(sect_pr, kind: str) -> None:
    """How a section starts: ``nextPage``, ``oddPage`` (the next right-hand page, a blank verso
    inserted where needed), ``evenPage``, ``continuous``."""
    child(sect_pr, "type", SECTPR_ORDER, {"val": kind})


def continue_page_numbers(sect_pr) -> None:
    """Number a section's pages on from the previous section's (no ``w:pgNumType/@w:start``)."""
    numbering = sect_pr.find(qn("w:pgNumType"))
    if numbering is not None:
        numbering.attrib.pop(qn("w:start"), None)
        if not numbering.attrib:
            sect_pr.remove(numbering)


def section_break(sect_pr):
    """An empty paragraph that ends a section with ``sect_pr`` (a section's properties sit in its last paragraph)."""
    element = new_element("w:p")
    ppr(element).append(sect_pr)
    return element


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
        ref = new_element(f"w:{kind}Reference")
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
    carrier = new_element("w:p")
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
    style_id, seen = paragraph_style(paragraph), set()
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
    element = parse_xml(HeaderPart._default_header_xml())  # python-docx's new header, emptied
    for existing in list(element):
        element.remove(existing)
    for item in source.element:
        element.append(deepcopy(item))
    for item in extra:
        element.append(item)
    return document_part.relate_to(new_story(document_part.package, HeaderPart, element), RT.HEADER)


_STORIES = {HeaderPart: ("/word/header%d.xml", CT.WML_HEADER), FooterPart: ("/word/footer%d.xml", CT.WML_FOOTER)}


def new_story(package, kind, element):
    """A new header or footer part (``kind``: python-docx's HeaderPart or FooterPart) holding ``element``,
    named as python-docx names it (the first free ``/word/header<n>.xml``), the package's part names read
    once (python-docx walks every part for each new one: a plan's hundred fiche headers took a tenth of
    a second per document)."""
    template, content_type = _STORIES[kind]
    taken = package.__dict__.get("_publisher_partnames")
    if taken is None:
        taken = package._publisher_partnames = {str(part.partname) for part in package.iter_parts()}
    number = 1
    while template % number in taken:
        number += 1
    taken.add(template % number)
    return kind(PackURI(template % number), content_type, element, package)


def renumber_watermarks(stories: Iterable) -> None:
    """Number the watermark shapes of every header apart (``PowerPlusWaterMarkObject1``, 2...)."""
    number = 0
    for story in stories:
        for shape in story.iter(f"{{{V}}}shape"):
            if (shape.get("id") or "").startswith("PowerPlusWaterMarkObject"):
                number += 1
                shape.set("id", f"PowerPlusWaterMarkObject{number}")
                shape.set(f"{{{O}}}spid", f"_x0000_s{2048 + number}")


TOC_INSTRUCTION = 'TOC \\o "1-2" \\h \\z \\u'


def is_toc_paragraph(paragraph_) -> bool:
    """Whether a paragraph holds the instruction of a sommaire field."""
    return any((t.text or "").strip().startswith("TOC ") for t in element_of(paragraph_).iter(qn("w:instrText")))


def toc_instruction(paragraph_) -> str:
    """The instruction of the sommaire field a paragraph holds (the template's, switches included)."""
    return "".join(t.text or "" for t in element_of(paragraph_).iter(qn("w:instrText"))).strip()


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
    element = element_of(paragraph_)
    parent = element.getparent()
    index = parent.index(element)
    instruction = toc_instruction(element) or TOC_INSTRUCTION.strip()
    parent.remove(element)
    paragraphs = []
    for level, text, anchor in entries:
        tab = new_element("w:r")
        tab.append(new_element("w:tab"))
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


def scope_toc(root, bookmark_name: str) -> None:
    """Limit every sommaire field under ``root`` to the headings inside a bookmark (``TOC \\b``): in a
    volume of two parts, Word rebuilds each part's sommaire from that part's headings only."""
    for instr in element_of(root).iter(qn("w:instrText")):
        text = (instr.text or "").strip()
        if text.startswith("TOC ") and "\\b " not in text:
            instr.text = f" {text} \\b {bookmark_name} "


def drawable_bullets(numbering, font: str, drawable: Callable[[str], bool], fallbacks: Sequence[str]) -> None:
    """Give every bullet level whose character ``drawable`` refuses (a glyph the embedded face
    lacks, such as Amiri's missing ◦) the first of ``fallbacks`` it accepts, set in ``font``."""
    replacement = next((f for f in fallbacks if drawable(f)), None)
    for lvl in element_of(numbering).iter(qn("w:lvl")):
        fmt, text = lvl.find(qn("w:numFmt")), lvl.find(qn("w:lvlText"))
        if fmt is None or text is None or fmt.get(qn("w:val")) != "bullet" or replacement is None:
            continue
        if not drawable(text.get(qn("w:val")) or ""):
            text.set(qn("w:val"), replacement)
            set_fonts(child(lvl, "rPr", LVL_ORDER), font)


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
    element = new_element("w:r")
    pr = rpr(element)
    child(pr, "noProof", RPR_ORDER)
    pict = new_element("w:pict")
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


_REDUNDANT = re.compile(r' xmlns:(?:w|r)="[^"]*"')


def fragment(elements: Iterable) -> str:
    """Block-level elements as an XML string to insert into a document body (``{{p ...}}``).

    The ``w`` and ``r`` namespace declarations are dropped: the document root declares them.
    """
    return "".join(_REDUNDANT.sub("", etree.tostring(e, encoding="unicode")) for e in elements)
