"""Arabic words broken inside (overflow-wrap): every letter stays in its cell, the word keeps its joined
letters at the break, and the text layer reads the word whole (issue 13, item 1; render/pdfbreak.py).

A few narrow cells hold long Arabic runs without spaces, laid out and written by the PDF renderer with the
house stylesheets, then read back with pdfplumber: the glyph boxes against the cell's rules.
"""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import pdfplumber
import pytest
from fontTools.ttLib import TTFont
from pdfplumber.table import edges_to_intersections, intersections_to_cells, merge_edges

from publisher import fonts
from publisher.model import Lang
from publisher.render import pdfbreak
from publisher.render.pdf import JOINED_BREAKS, PdfRenderer

from .pdftools import pdftotext, squeeze

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is installed by setup.sh --test")

MM = 72 / 25.4
CLEARANCE = 1.0  # points between a glyph and its cell's rules, as the proofing asks (test_proofing.py)
# Letters whose isolated form is far wider than their joined forms (Amiri: beh 10.5 pt alone, 2.2 pt joined
# at 8.5 pt), the worst to end a line broken inside a word; and the stress plan's partner, broken inside.
TOKENS = ["بنيتفقلبنيسفلبنيتفقلبنيسفلبنيتفقلبنيسفلبنيتفقلبنيسفل",
          "لحقوقالطفلبأسافةبينفليسنبتيفقلبنشيبينفليسنبتيفقلبنشي",
          "(المرصدالإقليميلحقوقالطفلبأسافة)"]
WIDTHS = (14, 17, 20, 22, 25)  # mm: the cell's width, its rules included; as narrow as the canevas's
CELLS = [(width, token) for token in TOKENS for width in WIDTHS]


def _html(cells: list[tuple[float, str]]) -> str:
    tables = "".join(f'<table class="canevas-table" style="width: {width}mm"><tr><td>{token}</td></tr></table>'
                     for width, token in cells)
    return (f'<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>coupures</title></head>'
            f'<body class="rtl">{tables}</body></html>')


def _render(plan, path: Path) -> Path:
    """The PDF of the narrow cells (each token in each width), laid out and written by the renderer's own
    steps (its stylesheets, fonts and exact text layer), as it writes a part of a plan."""
    renderer = PdfRenderer()
    document = renderer._layout(plan, Lang.AR, _html(CELLS), "coupures.html")
    path.write_bytes(renderer._write(plan, document, "coupures", Lang.AR))
    return path


@pytest.fixture(scope="module")
def broken(example_plan, tmp_path_factory) -> Path:
    return _render(example_plan, tmp_path_factory.mktemp("breaks") / "coupures.pdf")


def _cells(page) -> list[tuple[float, float, float, float]]:
    """The cells of a page, from their rules: (x0, top, x1, bottom) (pdfplumber's table finder, which
    drops the tables of one cell)."""
    edges = merge_edges(page.edges, 3, 3, 3, 3)
    return intersections_to_cells(edges_to_intersections(edges, 3, 3))


def _cell(boxes: list[tuple], char: dict) -> tuple | None:
    x, y = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
    return next((b for b in boxes if b[0] <= x <= b[2] and b[1] <= y <= b[3]), None)


def _arabic(char: dict) -> bool:
    return bool(char["text"].strip()) and unicodedata.bidirectional(char["text"][0]) == "AL"


def outside_cells(path: Path) -> tuple[list[str], int]:
    """The Arabic letters closer than CLEARANCE to their cell's rules (or in no cell), and the number of lines."""
    found, lines = [], 0
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            boxes = _cells(page)
            for char in filter(_arabic, page.chars):
                cell = _cell(boxes, char)
                out = max(cell[0] + CLEARANCE - char["x0"], char["x1"] - cell[2] + CLEARANCE) if cell else None
                if out is None or out > 0:
                    where = f"à {out:.2f} pt du filet" if cell else "hors de tout tableau"
                    found.append(f"page {page.page_number}: « {char['text']} » {where}")
            lines += len({round(c["top"]) for c in page.chars if _arabic(c)})
    return found, lines


def test_patch_is_installed() -> None:
    assert JOINED_BREAKS, "render/pdfbreak.py n'est pas installé pour cette version de WeasyPrint"


def test_every_letter_of_a_word_broken_inside_stays_in_its_cell(broken) -> None:
    found, lines = outside_cells(broken)
    assert lines > 3 * len(CELLS), "les mots ne sont pas coupés"  # every token broken over several lines
    assert found == []


def test_a_line_wider_as_drawn_than_fitted_is_broken_a_letter_earlier(example_plan, tmp_path, monkeypatch) -> None:
    """Whatever the shaping at the break: here without the joiners, each side of the break shaped alone (as
    WeasyPrint 70 draws it), wider than Pango fitted it; the line is broken again, and fits."""
    monkeypatch.setattr(pdfbreak, "joins", lambda before, after: False)
    found, lines = outside_cells(_render(example_plan, tmp_path / "coupures.pdf"))
    assert lines > 3 * len(CELLS)
    assert found == []


def _isolated_advances() -> dict[str, float]:
    """The advance of each Arabic letter alone (its nominal glyph) in Amiri, in points at 1 pt."""
    path = next(face.path for face in fonts.faces(fonts.family(Lang.AR)) if face.name == "regular")
    font = TTFont(path)
    cmap, metrics, units = font.getBestCmap(), font["hmtx"].metrics, font["head"].unitsPerEm
    return {chr(code): metrics[name][0] / units for code, name in cmap.items() if 0x0620 <= code <= 0x064a}


def test_a_word_broken_inside_keeps_its_joined_letters_and_reads_whole(broken) -> None:
    """The letter that ends a line inside a word keeps the joined form it has in the word (CSS Text 3, §5.5),
    narrower than the isolated one; the text layer reads every token whole, with no joiner in it."""
    alone = _isolated_advances()
    ends, isolated = 0, []
    with pdfplumber.open(broken) as pdf:
        for page in pdf.pages:
            boxes = _cells(page)
            rows: dict[tuple, list[dict]] = {}  # the lines of each cell
            for char in filter(_arabic, page.chars):
                rows.setdefault((_cell(boxes, char), round(char["top"])), []).append(char)
            last_lines = {max((k for k in rows if k[0] == cell), key=lambda k: k[1]) for cell, _ in rows}
            for key, row in rows.items():
                if key in last_lines:
                    continue  # the word's own end
                last = min(row, key=lambda c: c["x0"])  # right to left: the line ends on the left
                if last["text"] in "بتثنيفقلسشكم":  # letters that join both sides, far narrower joined
                    ends += 1
                    if last["x1"] - last["x0"] > 0.9 * alone[last["text"]] * last["size"]:
                        isolated.append(f"page {page.page_number}: « {''.join(c['text'] for c in row)[::-1]} »")
    assert ends > 10 and isolated == []
    text = pdftotext(broken)
    assert "\u200d" not in text
    assert [token for token in TOKENS if squeeze(text).count(token) != len(WIDTHS)] == []
