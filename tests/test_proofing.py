"""Machine proofing: what a CPPE member checks by eye on the published pages, read back from PDF and DOCX.

The example plan (``content/``) and the stress plan (``tests/plans/stress``: long tokens in every field,
a 500-character title, many pilots and partners, a Markdown table, a fiche over three pages) are
rendered once per session, then every page is measured: nothing outside the text area or its table
cell, the same words in the DOCX and the PDF, every code and amount of the sources printed, "page X / Y"
right on every page, no empty page, no heading left alone at the foot of a page.
"""

from __future__ import annotations

import ctypes
import difflib
import re
import shutil
import subprocess
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from pathlib import Path

import docx
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from pdfplumber.table import cells_to_tables, edges_to_intersections, intersections_to_cells, merge_edges

from publisher.build import jobs
from publisher.check import load_checked
from publisher.i18n import format_amount, label
from publisher.model import Lang
from publisher.render import renderer

from .conftest import EXAMPLE, PLANS
from .pdftools import BIDI_MARKS, pdftotext, squeeze

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is installed by setup.sh --test")]

TEMPLATES = Path(__file__).parent.parent / "templates"
STRESS = PLANS / "stress"
PLANS_PROOFED = {"example": EXAMPLE, "stress": STRESS}
LONG_FICHE = "A1.1.2.1"  # the stress plan's fiche over three pages (four in the PDF)
MM = 72 / 25.4
TOLERANCE = 1.0  # points: a glyph's ink may pass its line's end by a fraction of a point
OVERHANG = 1.2 * MM  # a glyph's swash or mark may overhang the text area: Amiri's final yeh, a hamza on top
CLEARANCE = 1.0  # points: the least space between a character and its cell's rule (the padding is 4pt)
RUNNING_SIZE = 8.5  # points: the running header and footer are set in 8pt (page.css)
ARABIC = re.compile("[\u0600-\u06ff]")
HEADING_BLUE = (0.071, 0.227, 0.388)  # #123a63, the colour of every heading (typography.css)


# --- The page margins, read from the house style -------------------------------------------------

def _margins() -> dict[str, tuple[float, float, float, float]]:
    """(top, right, bottom, left) in points of the portrait and the landscape pages, from the house style.

    The house style's one place for them: templates/shared/page.css, or assets/charte.toml once the
    house style moves there (publisher.charte, on main since this module was written).
    """
    try:
        from publisher.charte import house
    except ImportError:
        pass
    else:
        charte = house()
        return {key: tuple(v * MM for v in charte.margins(name))
                for key, name in (("portrait", "portrait"), ("landscape", "paysage"))}
    css = (TEMPLATES / "shared" / "page.css").read_text(encoding="utf-8")
    found = {}
    for name, key in (("", "portrait"), (" landscape", "landscape")):
        block = re.search(r"@page%s\s*\{(.*?)\n\}" % name, css, re.S).group(1)
        block = re.sub(r"@[a-z-]+\s*\{[^}]*\}", "", block)  # the margin boxes
        values = [float(v) * MM for v in re.search(r"\bmargin:\s*([^;]+);", block).group(1).replace("mm", "").split()]
        found[key] = tuple(values * (4 // len(values))) if len(values) in (1, 2) else tuple(values)
    return found


MARGINS = _margins()


# --- A PDF, measured -----------------------------------------------------------------------------

@dataclass
class Page:
    """One page: its number, text area (x0, top, x1, bottom), characters, images and ruled table cells."""

    number: int
    area: tuple[float, float, float, float]
    chars: list[dict]
    images: int
    tables: list[tuple[tuple, list[tuple]]]  # (table bbox, cell bboxes)

    @cached_property
    def body(self) -> list[dict]:
        """The characters of the page's content, without the running header and footer."""
        return [c for c in self.chars if not _running(c, self)]


def _running(char: dict, page: Page) -> bool:
    """A character of the running header or footer: small, and wholly in the top or bottom margin."""
    _, top, _, bottom = page.area
    return char["size"] <= RUNNING_SIZE and (char["bottom"] <= top or char["top"] >= bottom)


def measure(path: Path, margins: dict) -> list[Page]:
    """Every page of a PDF: its characters with their boxes, images, and the ruled cells of its tables.

    Read with PDFium (ten times faster than pdfminer here); the cells are found from the ruling lines as
    pdfplumber's table finder does. A character's box is its ink (``x0``, ``x1``, ``ink_top``, ``ink_bottom``:
    what the eye sees) and its advance across its font's ascent and descent (``ax0``, ``ax1``, ``top``,
    ``bottom``: where it sits in its line and word).
    """
    pages = []
    pdf = pdfium.PdfDocument(path)
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            width, height = page.get_size()
            top, right, bottom, left = margins["landscape" if width > height else "portrait"]
            area = (left, top, width - right, height - bottom)
            chars = _chars(page.get_textpage(), height)
            images = len(list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=4)))
            pages.append(Page(index + 1, area, chars, images, _tables(page, height)))
    finally:
        pdf.close()
    return pages


def _chars(text, height: float) -> list[dict]:
    box, matrix, flags = pdfium_c.FS_RECTF(), pdfium_c.FS_MATRIX(), ctypes.c_int()
    left, right, low, high = (ctypes.c_double() for _ in range(4))
    name = ctypes.create_string_buffer(128)
    red, green, blue, alpha = (ctypes.c_uint() for _ in range(4))
    chars = []
    for i in range(pdfium_c.FPDFText_CountChars(text.raw)):
        char = chr(pdfium_c.FPDFText_GetUnicode(text.raw, i)).replace("\x02", "-")  # a hyphen ending a line
        if pdfium_c.FPDFText_IsGenerated(text.raw, i):
            if char == " " and chars:  # a space between words that the PDF does not draw
                chars.append(chars[-1] | {"text": " ", "x0": chars[-1]["x1"], "ax0": chars[-1]["ax1"]})
            continue
        pdfium_c.FPDFText_GetLooseCharBox(text.raw, i, box)
        pdfium_c.FPDFText_GetCharBox(text.raw, i, left, right, low, high)
        pdfium_c.FPDFText_GetMatrix(text.raw, i, matrix)
        pdfium_c.FPDFText_GetFontInfo(text.raw, i, name, len(name), flags)
        pdfium_c.FPDFText_GetFillColor(text.raw, i, red, green, blue, alpha)
        scale = abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
        chars.append({"text": char, "x0": left.value, "x1": right.value, "ax0": box.left, "ax1": box.right,
                      "top": height - box.top,
                      "bottom": height - box.bottom, "ink_top": height - high.value,
                      "ink_bottom": height - low.value, "size": pdfium_c.FPDFText_GetFontSize(text.raw, i) * scale,
                      "fontname": name.value.decode("latin-1"),
                      "color": (red.value / 255, green.value / 255, blue.value / 255)})
    return chars


def _tables(page, height: float) -> list[tuple[tuple, list[tuple]]]:
    """The tables of a page, from its ruling lines (thin paths): each table's box and its cells."""
    edges = []
    for path in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=4):
        x0, y0, x1, y1 = path.get_bounds()
        top, bottom = height - y1, height - y0
        if x1 - x0 < 2.5 and bottom - top > 3:  # a vertical rule
            x = (x0 + x1) / 2
            edges.append({"orientation": "v", "x0": x, "x1": x, "top": top, "bottom": bottom})
        elif bottom - top < 2.5 and x1 - x0 > 3:  # a horizontal rule
            y = (top + bottom) / 2
            edges.append({"orientation": "h", "x0": x0, "x1": x1, "top": y, "bottom": y})
        elif x1 - x0 > 3 and bottom - top > 3:  # a cell's background: its sides close a cell cut by a page break
            edges += [{"orientation": "h", "x0": x0, "x1": x1, "top": y, "bottom": y} for y in (top, bottom)]
            edges += [{"orientation": "v", "x0": x, "x1": x, "top": top, "bottom": bottom} for x in (x0, x1)]
    for edge in edges:
        edge |= {"width": edge["x1"] - edge["x0"], "height": edge["bottom"] - edge["top"], "object_type": "line"}
    edges = merge_edges(edges, 3, 3, 3, 3)
    cells = intersections_to_cells(edges_to_intersections(edges, 3, 3))
    tables = []
    for table in cells_to_tables(cells):
        box = (min(c[0] for c in table), min(c[1] for c in table), max(c[2] for c in table), max(c[3] for c in table))
        tables.append((box, table))
    return tables


def docx_margins(path: Path) -> dict:
    """(top, right, bottom, left) in points of a DOCX's portrait and landscape sections."""
    found = {}
    for section in docx.Document(path).sections:
        key = "landscape" if section.page_width > section.page_height else "portrait"
        found[key] = tuple(m.pt for m in (section.top_margin, section.right_margin, section.bottom_margin,
                                          section.left_margin))
    found.setdefault("landscape", found["portrait"])
    return found


# --- Rendering and measuring, once per session, in two processes ---------------------------------

PDFS = [  # (plan, kind, edition): the plan documents and the long fiche, the slowest first
    ("example", "plan", "fr"), ("example", "plan", "ar"), ("stress", "plan", "fr"), ("stress", "plan", "ar"),
    ("stress", "fiche", "fr"), ("stress", "fiche", "ar"),
]
DOCXS = PDFS  # each PDF's DOCX, for the same words; the stress plan's, laid out by LibreOffice


def _render(name: str, kind: str, edition: str, fmt: str, folder: Path, made: bytes | None = None) -> Path:
    """One output of a plan, written where a build would write it under ``folder`` (``made``: its bytes,
    already rendered for the session)."""
    plan = load_checked(PLANS_PROOFED[name], strict=True).plan
    key = LONG_FICHE if kind == "fiche" else None
    job = next(j for j in jobs(plan, (edition,), (fmt,)) if j.kind == kind and j.key == key)
    path = folder / name / job.target
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(made if made is not None else renderer(fmt).render(job.spec(plan)))
    return path


def _render_and_measure(name: str, kind: str, edition: str, folder: Path, made: bytes | None = None
                        ) -> tuple[Path, list[Page]]:
    path = _render(name, kind, edition, "pdf", folder, made)
    return path, measure(path, MARGINS)


@dataclass
class Document:
    """A published PDF (by WeasyPrint, or LibreOffice from the DOCX) and its pages, measured."""

    path: Path
    pages: list[Page]
    lang: Lang
    docx: Path | None = None  # the DOCX it comes from, or the DOCX of the same document

    @cached_property
    def text(self) -> list[str]:
        """The text of each page, in logical order (pdftotext), bidi marks removed."""
        return pdftotext(self.path).split("\f")[: len(self.pages)]


@pytest.fixture(scope="session")
def proofs(tmp_path_factory, example_documents) -> dict[tuple, Document]:
    """Every document the checks read, by (plan, kind, edition, "pdf" or "docx-lo").

    Rendered as a build would (the plan checked with --strict), but only the outputs the checks read: the
    plan documents and one long fiche, not every fiche and bundle of a build. The example plan's come from
    the session's (conftest ``example_documents``), rendered once for every test module.
    """
    def made(name: str, kind: str, edition: str, fmt: str) -> bytes | None:
        return example_documents(fmt, kind, Lang(edition)) if name == "example" and kind == "plan" else None

    folder = tmp_path_factory.mktemp("proofing")
    docxs = {wanted: _render(*wanted, "docx", folder, made(*wanted, "docx")) for wanted in DOCXS}
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    lo_sources = [docxs[wanted] for wanted in DOCXS if wanted[0] == "stress"]
    libreoffice = soffice and subprocess.Popen(
        [soffice, f"-env:UserInstallation={(folder / 'lo-profile').as_uri()}", "--headless", "--convert-to",
         "pdf", "--outdir", str(folder / "lo"), *map(str, lo_sources)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    found = {}
    with ProcessPoolExecutor(max_workers=2) as pool:
        futures = {wanted: pool.submit(_render_and_measure, *wanted, folder, made(*wanted, "pdf")) for wanted in PDFS}
        for (name, kind, edition), future in futures.items():
            path, pages = future.result()
            found[name, kind, edition, "pdf"] = Document(path, pages, Lang(edition), docxs[name, kind, edition])
        if libreoffice:
            libreoffice.wait(timeout=300)
            for (name, kind, edition) in DOCXS:
                if name == "stress":
                    source = docxs[name, kind, edition]
                    path = folder / "lo" / source.with_suffix(".pdf").name
                    found[name, kind, edition, "docx-lo"] = Document(path, measure(path, docx_margins(source)),
                                                                     Lang(edition), source)
    return found


def _document(proofs: dict, key: tuple) -> Document:
    """One measured document; LibreOffice's are skipped where it is not installed."""
    if key not in proofs:
        pytest.skip("LibreOffice is installed by setup.sh --test")
    return proofs[key]


# --- What the eye checks -------------------------------------------------------------------------

def _line_of(page: Page, char: dict) -> list[dict]:
    """The characters on the same line as ``char``, left to right (indexed once per page)."""
    if "lines" not in page.__dict__:
        page.__dict__["lines"] = {}
        for c in page.chars:
            page.__dict__["lines"].setdefault(round(c["top"]), []).append(c)
    near = [c for top in range(round(char["top"]) - 2, round(char["top"]) + 3)
            for c in page.__dict__["lines"].get(top, ()) if abs(c["top"] - char["top"]) < 1.5]
    return sorted(near, key=lambda c: c["ax0"])


def _token(page: Page, char: dict) -> str:
    """The run of characters without a space around ``char`` on its line, to name it in a message."""
    line = _line_of(page, char)
    start = end = line.index(char)
    while start > 0 and line[start - 1]["text"].strip() and line[start]["ax0"] - line[start - 1]["ax1"] < 1.5:
        start -= 1
    while end + 1 < len(line) and line[end + 1]["text"].strip() and line[end + 1]["ax0"] - line[end]["ax1"] < 1.5:
        end += 1
    token = "".join(c["text"] for c in line[start:end + 1])
    return token[::-1] if ARABIC.search(token) else token  # glyphs left to right: Arabic reads back


def outside_area(pages: list[Page]) -> list[str]:
    """The characters outside their page's text area: page, token, and how far out."""
    found: dict[tuple, float] = {}
    for page in pages:
        x0, top, x1, bottom = page.area
        for c in page.chars:
            out = max(x0 - c["x0"], c["x1"] - x1)
            if not _running(c, page):
                out = max(out, top - c["ink_top"], c["ink_bottom"] - bottom)
            if out > OVERHANG and c["text"].strip():
                key = (page.number, _token(page, c))
                found[key] = max(out, found.get(key, 0))
    return [f"page {n}: « {token} » dépasse de {out / MM:.1f} mm" for (n, token), out in found.items()]


def _innermost(cells: list[tuple], x: float, y: float) -> tuple | None:
    """The smallest cell around a point: a Markdown table's cell rather than the fiche cell holding it."""
    around = [b for b in cells if b[0] <= x <= b[2] and b[1] <= y <= b[3]]
    return min(around, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), default=None)


def outside_cells(pages: list[Page]) -> list[str]:
    """The characters that touch or cross the rules of their table cell, or sit beside their table.

    A character belongs to the cell under its centre; it must keep clear of the cell's rules.
    """
    found: dict[tuple, float] = {}
    for page in pages:
        for (tx0, ttop, tx1, tbottom), cells in page.tables:
            for c in page.chars:
                x, y = (c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2
                if not (ttop < y < tbottom and c["text"].strip()):
                    continue
                cell = _innermost(cells, x, y)
                x0, x1 = (cell[0], cell[2]) if cell else (tx0, tx1)
                out = max(x0 + CLEARANCE - c["x0"], c["x1"] - x1 + CLEARANCE)
                if out > 0:
                    key = (page.number, _token(page, c), "sort de sa cellule" if cell else "hors du tableau")
                    found[key] = max(out, found.get(key, 0))
    return [f"page {n}: « {token} » {what} ({out / MM:.1f} mm)" for (n, token, what), out in found.items()]


def _lines(chars: list[dict]) -> list[list[dict]]:
    """Characters grouped into lines, top to bottom."""
    lines: list[list[dict]] = []
    for c in sorted(chars, key=lambda c: (c["bottom"], c["x0"])):
        if lines and abs(lines[-1][-1]["bottom"] - c["bottom"]) < 2:
            lines[-1].append(c)
        else:
            lines.append([c])
    return lines


def _is_heading(line: list[dict], page: Page, lang: Lang) -> bool:
    """A line set in the headings' style (bold, in the headings' blue) that starts at the text's start edge.

    The plan's total is set in the same style but at the end edge.
    """
    ink = [c for c in line if c["text"].strip()]
    if not ink:
        return False
    start = (ink[0]["x0"] - page.area[0]) if lang is Lang.FR else (page.area[2] - max(c["x1"] for c in ink))
    return (start < 2 * MM and all("Bold" in c["fontname"] and len(c["color"]) == 3
                                   and all(abs(a - b) < 0.02 for a, b in zip(c["color"], HEADING_BLUE))
                                   for c in ink))


def headings_at_foot(pages: list[Page], lang: Lang) -> list[str]:
    """Headings whose following content starts on the next page."""
    found = []
    for page in pages[:-1]:
        lines = [line for line in _lines(page.body) if any(c["text"].strip() for c in line)]
        lines = [sorted(line, key=lambda c: c["x0"]) for line in lines]
        if lines and _is_heading(lines[-1], page, lang):
            text = "".join(c["text"] for c in sorted(lines[-1], key=lambda c: c["x0"]))
            found.append(f"page {page.number}: « {text.strip()} » seul en bas de page")
    return found


def empty_pages(pages: list[Page]) -> list[int]:
    """The pages with nothing but the running header and footer."""
    return [p.number for p in pages if not p.images and not any(c["text"].strip() for c in p.body)]


# The footer as the eye reads it, glyphs left to right: "page X / Y"; in Arabic "Y من X صفحة" (RTL).
FOOTER = {Lang.FR: (re.compile(r"page (\d+) / (\d+)"), (1, 2)),
          Lang.AR: (re.compile(r"(\d+) نم (\d+) ةحفص"), (2, 1))}


def footer(page: Page) -> str:
    """The running footer's words, left to right as printed."""
    return " ".join(_words_of_line([c for c in page.chars if _running(c, page) and c["top"] >= page.area[3]]))


def page_number_errors(document: Document) -> list[str]:
    """The pages (after the cover) whose footer does not print "page X / Y" with the right X and Y."""
    pattern, (x, y) = FOOTER[document.lang]
    total, found = len(document.pages), []
    for page in document.pages[1:]:  # the cover has no running footer (page.css @page cover)
        read = [(m.group(x), m.group(y)) for m in pattern.finditer(footer(page))]
        if read != [(str(page.number), str(total))]:
            found.append(f"page {page.number}: « {footer(page)} » au lieu de {page.number} / {total}")
    return found


W = docx.oxml.ns.qn


def _docx_text(element) -> str:
    """The text of a DOCX element, paragraph after paragraph."""
    return " ".join("".join(node.text or " " for node in p.iter(W("w:t"), W("w:tab"))) for p in element.iter(W("w:p")))


def docx_words(path: Path) -> list[str]:
    """The words of a DOCX's body, in document order (tables cell by cell), bidi marks removed."""
    return BIDI_MARKS.sub("", _docx_text(docx.Document(path).element.body)).split()


def docx_repeated_rows(path: Path) -> list[str]:
    """The text of the table rows a DOCX repeats at the top of every page (squeezed)."""
    body = docx.Document(path).element.body
    return [squeeze(_docx_text(row)) for row in body.iter(W("w:tr"))
            if row.find(f"{W('w:trPr')}/{W('w:tblHeader')}") is not None]


def _words_of_line(line: list[dict]) -> list[str]:
    """A line's characters cut into words at spaces and at gaps wider than a fifth of the type size."""
    words, current, previous = [], "", None
    for c in sorted(line, key=lambda c: c["ax0"]):
        if not c["text"].strip() or (previous and c["ax0"] - previous["ax1"] > 0.2 * c["size"]):
            if current:
                words.append(current)
            current = ""
        if c["text"].strip():
            current += c["text"]
        previous = c
    return words + ([current] if current else [])


def reading_words(document: Document) -> list[str]:
    """The words of a left-to-right PDF in reading order: lines top to bottom, tables cell by cell.

    Cell by cell, row after row, as the DOCX holds them; pdftotext reads a table line by line across its
    columns instead.
    """
    words = []
    for page in document.pages:
        cells = [cell for _, table_cells in page.tables for cell in table_cells]
        blocks: dict[tuple | None, list[dict]] = {}
        for c in page.body:
            x, y = (c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2
            cell = _innermost(cells, x, y)
            blocks.setdefault(cell and (cell[1], cell[0]), []).append(c)
        items = [((line[0]["top"], min(c["x0"] for c in line)), line) for line in _lines(blocks.pop(None, []))]
        for _, chars in sorted(items + list(blocks.items()), key=lambda item: item[0]):
            for line in _lines(chars):
                line_words = _words_of_line(line)
                if any(LEADER.fullmatch(w) for w in line_words):  # a sommaire entry: no leader, no page number
                    line_words = [w for w in line_words if not (LEADER.fullmatch(w) or w.isdigit())]
                if line_words and MARKER.fullmatch(line_words[0]):  # a list's bullet or number, not "2025." ending a sentence
                    line_words = line_words[1:]
                words += line_words
    return [w for w in (LEADER.sub("", w) for w in words) if w]


LEADER = re.compile(r"\.{3,}\d*$")  # the sommaire's leaders and page numbers, which the DOCX leaves to Word
MARKER = re.compile(r"•|\d+\.")  # list bullets and numbers: text in the PDF, numbering in the DOCX


def word_differences(docx_list: list[str], pdf_list: list[str], repeated: list[str]) -> list[str]:
    """The places where the DOCX and the PDF do not hold the same words in the same order.

    A token the PDF wraps over two lines is the same text; the PDF prints the table header rows it
    repeats on each page (its list markers are left out by :func:`reading_words`).
    """
    matcher = difflib.SequenceMatcher(None, docx_list, pdf_list, autojunk=False)
    found = []
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        in_docx, in_pdf = squeeze(" ".join(docx_list[a0:a1])), squeeze(" ".join(pdf_list[b0:b1]))
        if op == "equal" or in_docx == in_pdf:
            continue
        for row in sorted(repeated, key=len, reverse=True):  # a header row repeated where a page breaks
            in_pdf = in_pdf.replace(row, "") if row else in_pdf
        if in_docx == in_pdf:
            continue
        found.append(f"DOCX « {' '.join(docx_list[a0:a1])[:90]} » / PDF « {' '.join(pdf_list[b0:b1])[:90]} »"
                     f" (après « {' '.join(docx_list[max(0, a0 - 5):a0])} »)")
    return found


def word_bag_differences(docx_list: list[str], pdf_list: list[str]) -> list[str]:
    """The words only the DOCX or only the PDF holds, whatever their order (for the Arabic text layer)."""
    pdf_list = [w for w in (LEADER.sub("", w) for w in pdf_list) if w and not MARKER.fullmatch(w)]
    only_docx, only_pdf = Counter(docx_list) - Counter(pdf_list), Counter(pdf_list) - Counter(docx_list)
    return ([f"DOCX seul : {w} (x{n})" for w, n in only_docx.items()]
            + [f"PDF seul : {w} (x{n})" for w, n in only_pdf.items()])


def sources_missing(document: Document, name: str) -> list[str]:
    """The codes and amounts of the sources (budgets, totals) absent from a plan's text."""
    plan = load_checked(PLANS_PROOFED[name], strict=True).plan
    text = squeeze("".join(document.text))
    wanted = []
    for priorite in plan.priorites:
        wanted.append(priorite.code)
        ptotal = Decimal(0)
        for og in priorite.objectifs_generaux:
            wanted.append(og.code)
            ogtotal = Decimal(0)
            for os_ in og.objectifs_specifiques:
                wanted.append(os_.code)
                for action in os_.actions:
                    wanted += [action.code, format_amount(action.budget.montant, document.lang)]
                    ogtotal += action.budget.montant
            wanted.append(format_amount(ogtotal, document.lang))
            ptotal += ogtotal
        wanted.append(format_amount(ptotal, document.lang))
    return [value for value in dict.fromkeys(wanted) if squeeze(value) not in text]


# --- The checks ----------------------------------------------------------------------------------

def xfail(reason: str):
    """A check that fails today because of a known defect (issue 13): the fix flips it."""
    return pytest.mark.xfail(strict=True, reason=reason)


def doc(*key, marks=()):
    return pytest.param(key, id="-".join(key), marks=marks)


# Long tokens wrap inside their cell or column (issue 13 item 1, overflow-wrap in typography.css): every
# WeasyPrint page passes; the DOCX tables are laid out fixed (w:tblLayout), so LibreOffice and Word wrap too.
AREA = [
    doc("example", "plan", "fr", "pdf"),
    doc("stress", "plan", "fr", "pdf"),
    doc("stress", "plan", "ar", "pdf"),
    doc("stress", "fiche", "fr", "pdf"),
    doc("stress", "fiche", "ar", "pdf"),
    doc("stress", "plan", "fr", "docx-lo"),
    doc("stress", "plan", "ar", "docx-lo"),
    doc("stress", "fiche", "fr", "docx-lo"),
    doc("stress", "fiche", "ar", "docx-lo"),
]
EVERY_PDF = [doc(*wanted, "pdf") for wanted in PDFS] + [doc(*wanted, "docx-lo") for wanted in PDFS if wanted[0] == "stress"]

ARABIC_TEXT_LAYER = ("the Arabic text layer as pdftotext reads it: lam lost or split in its ligatures "
                     "(« الإق يمية » for « الإقليمية »); with the exact text layer (main, PDF/UA) the letters are "
                     "right but words still split at some joins (« فر يقين », « القرو ية ») and punctuation and "
                     "digits detach from their words (« مرئيين ،نظرا », « ()2027 - 2025 »)")


@pytest.mark.parametrize("key", AREA)
def test_every_character_inside_the_text_area(proofs, key):
    assert outside_area(_document(proofs, key).pages) == []


@pytest.mark.parametrize("key", AREA)  # an Arabic run broken inside keeps its box too (render/pdfbreak.py)
def test_every_character_inside_its_table_cell(proofs, key):
    pages = _document(proofs, key).pages
    assert any(p.tables for p in pages), "aucun tableau reconnu"
    assert outside_cells(pages) == []


@pytest.mark.parametrize("key", [
    doc("example", "plan", "fr", "pdf"),
    doc("stress", "plan", "fr", "pdf"),
    doc("stress", "fiche", "fr", "pdf"),
])
def test_same_words_in_the_same_order_in_docx_and_pdf(proofs, key):
    document = _document(proofs, key)
    differences = word_differences(docx_words(document.docx), reading_words(document),
                                   docx_repeated_rows(document.docx))
    assert differences == []


@pytest.mark.parametrize("key", [doc("stress", "plan", "ar", "pdf", marks=xfail(ARABIC_TEXT_LAYER)),
                                 doc("stress", "fiche", "ar", "pdf", marks=xfail(ARABIC_TEXT_LAYER))])
def test_same_words_in_docx_and_pdf_arabic(proofs, key):
    """Arabic: the same words, in any order (the PDF's Arabic text layer does not keep the order)."""
    document = _document(proofs, key)
    pdf_list = BIDI_MARKS.sub("", " ".join(document.text)).split()
    assert word_bag_differences(docx_words(document.docx), pdf_list) == []


@pytest.mark.parametrize("key", [doc("example", "plan", "fr", "pdf"), doc("stress", "plan", "fr", "pdf"),
                                 doc("stress", "plan", "ar", "pdf")])
def test_every_code_and_amount_of_the_sources_printed(proofs, key):
    assert sources_missing(_document(proofs, key), key[0]) == []


@pytest.mark.parametrize("key", EVERY_PDF)
def test_page_x_of_y_on_every_page(proofs, key):
    assert page_number_errors(_document(proofs, key)) == []


@pytest.mark.parametrize("key", EVERY_PDF)
def test_no_empty_page(proofs, key):
    assert empty_pages(_document(proofs, key).pages) == []


@pytest.mark.parametrize("key", EVERY_PDF)
def test_no_heading_alone_at_the_foot_of_a_page(proofs, key):
    document = _document(proofs, key)
    headings = [line for page in document.pages for line in _lines(page.body)
                if _is_heading(sorted(line, key=lambda c: c["x0"]), page, document.lang)]
    assert headings, "les titres ne sont pas reconnus"
    assert headings_at_foot(document.pages, document.lang) == []


def actions_without_their_objective(document: Document, name: str) -> list[str]:
    """The canevas pages (landscape) where an action's code is printed without its objectif spécifique's."""
    plan = load_checked(PLANS_PROOFED[name], strict=True).plan
    parents = {action.code: os_.code for og in plan.objectifs_generaux for os_ in og.objectifs_specifiques
               for action in os_.actions}
    found = []
    for number, (page, text) in enumerate(zip(document.pages, document.text), start=1):
        x0, top, x1, bottom = page.area
        if x1 - x0 <= bottom - top:
            continue  # a portrait page: the summaries list actions by échéance, not by objective
        words = set(re.findall(r"[A-Z]+[0-9][0-9.]*[0-9]", BIDI_MARKS.sub("", text)))
        found += [f"page {number}: {code} sans {parents[code]}" for code in sorted(words & set(parents))
                  if parents[code] not in words]
    return found


PLANS_ONLY = [key for key in EVERY_PDF if key.values[0][1] == "plan"]


@pytest.mark.parametrize("key", PLANS_ONLY)
def test_every_page_says_which_objective_each_action_serves(proofs, key):
    """A canevas continued on a new page names each action's objectif spécifique there too (issue 13, 2)."""
    assert actions_without_their_objective(_document(proofs, key), key[0]) == []


def canevas_pages_of_totals_alone(document: Document, name: str) -> list[str]:
    """The canevas pages (landscape) whose only rows are totals: a totals row that opened a page alone,
    under the repeated header, away from the actions it adds up."""
    plan = load_checked(PLANS_PROOFED[name], strict=True).plan
    codes = {a.code for a in plan.actions}
    total = squeeze(label("total_og", document.lang, code=""))  # the code may stand apart in an Arabic line
    found = []
    for number, (page, text) in enumerate(zip(document.pages, document.text), start=1):
        x0, top, x1, bottom = page.area
        words = set(re.findall(r"[A-Z]+[0-9][0-9.]*[0-9]", BIDI_MARKS.sub("", text)))
        if x1 - x0 > bottom - top and not words & codes and total in squeeze(text):
            found.append(f"page {number}: {squeeze(text)[-80:]}")
    return found


@pytest.mark.parametrize("key", PLANS_ONLY)
def test_no_canevas_page_holds_only_totals(proofs, key):
    """A totals row never opens a page alone: the action row before it goes with it (both formats)."""
    assert canevas_pages_of_totals_alone(_document(proofs, key), key[0]) == []

def _header_lines(page: Page) -> list[str]:
    """The running header's lines, glyphs left to right, squeezed (Arabic reads backwards)."""
    chars = [c for c in page.chars if _running(c, page) and c["bottom"] <= page.area[1]]
    return [squeeze("".join(c["text"] for c in sorted(line, key=lambda c: c["ax0"]))) for line in _lines(chars)]


def fiche_pages_without_their_fiche(document: Document, name: str) -> list[str]:
    """The pages a fiche action continues on whose header does not repeat its code with "(suite)", and
    the first pages of a fiche whose header says "(suite)" (issue 13, 2).

    A page whose first heading holds an action's code is that fiche's first page; a page without a
    heading continues the fiche before it; any other heading ends the annexes.
    """
    codes = {a.code for a in load_checked(PLANS_PROOFED[name], strict=True).plan.actions}
    word = label("suite", document.lang).strip("()")
    current, found = None, []
    for page in document.pages:
        headings = [squeeze("".join(c["text"] for c in line)) for line in _lines(page.body)
                    if _is_heading(sorted(line, key=lambda c: c["x0"]), page, document.lang)]
        header = "".join(_header_lines(page))
        says_suite = word in header or word[::-1] in header
        if headings:
            titled = [code for heading in headings for code in re.findall(r"[A-Z]+[0-9][0-9.]*[0-9]", heading)
                      if code in codes]
            current = titled[0] if titled else None
            if current and says_suite:
                found.append(f"page {page.number}: première page de {current}, « {word} » dans l'en-tête")
        elif current and not (current in header and says_suite):
            found.append(f"page {page.number}: suite de {current} sans « {current} ({word}) » en tête de page")
    return found


@pytest.mark.parametrize("key", [doc("stress", "fiche", "fr", "pdf"), doc("stress", "fiche", "ar", "pdf"),
                                 doc("stress", "plan", "fr", "pdf"), doc("stress", "plan", "ar", "pdf"),
                                 doc("stress", "fiche", "fr", "docx-lo"), doc("stress", "fiche", "ar", "docx-lo"),
                                 doc("stress", "plan", "fr", "docx-lo"), doc("stress", "plan", "ar", "docx-lo")])
def test_every_continued_fiche_page_names_its_fiche(proofs, key):
    """A fiche that runs onto another page repeats its code and title there, with "(suite)" / «(تابع)»."""
    document = _document(proofs, key)
    # the long fiche runs over several pages in every format: the header has a second line there
    assert [p for p in document.pages if len(_header_lines(p)) > 1], "aucune page de suite"
    assert fiche_pages_without_their_fiche(document, key[0]) == []
