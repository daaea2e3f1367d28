"""Reading PDFs back as a user would: text (pdftotext), fonts (pdffonts), pages and bookmarks (pypdf)."""

from __future__ import annotations

import re
import subprocess
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader

BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]")


def _file(data: bytes | Path, tmp: Path) -> Path:
    if isinstance(data, Path):
        return data
    path = tmp / f"doc-{abs(hash(data))}.pdf"
    path.write_bytes(data)
    return path


def pdftotext(path: Path, first: int | None = None, last: int | None = None) -> str:
    """The text of a PDF in logical order, bidi marks removed."""
    args = ["pdftotext", "-enc", "UTF-8"]
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    out = subprocess.run([*args, str(path), "-"], check=True, capture_output=True).stdout.decode("utf-8")
    return BIDI_MARKS.sub("", out)


def squeeze(text: str) -> str:
    """Text without white space or bidi marks, to compare across line breaks and word splits."""
    return re.sub(r"\s+", "", BIDI_MARKS.sub("", text))


def pdffonts(path: Path) -> list[tuple[str, bool, bool, bool]]:
    """(family name without subset prefix, embedded, subset, unicode) for each font."""
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    fonts = []
    for line in out.splitlines()[2:]:
        cols = line.split()
        name = cols[0].split("+", 1)[-1]
        emb, sub, uni = cols[-5:-2]
        fonts.append((name, emb == "yes", sub == "yes", uni == "yes"))
    return fonts


def in_order(haystack: str, needles: list[str]) -> list[str]:
    """The needles not found in ``haystack`` in the given order (empty when all are, in order)."""
    missing, position = [], 0
    for needle in needles:
        found = haystack.find(needle, position)
        if found < 0:
            missing.append(needle)
        else:
            position = found + len(needle)
    return missing


def pdf_text(data: bytes) -> str:
    """The text of a PDF as pypdf reads it, bidi marks removed: unlike pdftotext, it keeps the kind of
    each space (U+00A0, U+202F), so that typography can be checked; lines may come out in visual order in
    right-to-left text, where pdftotext is the better reader."""
    return BIDI_MARKS.sub("", "\n".join(page.extract_text() for page in reader(data).pages))


def reader(data: bytes) -> PdfReader:
    """A pypdf reader over PDF bytes."""
    return PdfReader(BytesIO(data))


def outline_titles(data: bytes) -> list[str]:
    """Every bookmark title, depth first."""
    titles = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader(data).outline)
    return titles


def outline_tree(data: bytes) -> list[tuple[str, bool, list]]:
    """The bookmarks as a tree: (title, folded, children) per bookmark, read from the /First, /Next and
    /Count entries; the /Count of every bookmark and of the outline root is checked against the tree it
    heads (ISO 32000-1, 12.3.3: the visible descendants of an open item, their opposite for a folded one)."""
    import pikepdf

    def read(item) -> tuple[list, int]:
        nodes, shown = [], 0
        child = item.get("/First")
        while child is not None:
            children, under = read(child)
            folded = int(child.get("/Count", 0)) < 0
            if children:
                assert int(child.Count) == (-under if folded else under), str(child.Title)
            nodes.append((str(child.Title), folded, children))
            shown += 1 + (0 if folded else under)
            child = child.get("/Next")
        return nodes, shown

    with pikepdf.open(BytesIO(data)) as pdf:
        tree, shown = read(pdf.Root.Outlines)
        assert int(pdf.Root.Outlines.get("/Count", 0)) == shown
    return tree


# --- the text layer and the structure tree, read with pypdf -----------------------------------------

_TEXT_OPS = re.compile(rb"/([A-Za-z0-9]+)\s+[-0-9.]+\s+Tf|\[((?:[^\]\\]|\\.)*)\]\s*TJ|<([0-9A-Fa-f]*)>\s*Tj")
_HEX = re.compile(rb"<([0-9A-Fa-f]*)>")


def _to_unicode(font) -> dict[int, str]:
    data = font["/ToUnicode"].get_data().decode("latin-1") if "/ToUnicode" in font else ""
    mapping = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", data, re.S):
        for code, text in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
            mapping[int(code, 16)] = bytes.fromhex(text).decode("utf-16-be")
    return mapping


def unmapped_glyphs(data: bytes) -> int:
    """The glyphs drawn whose code has no ToUnicode entry, or an empty one, in their font."""
    count = 0
    for page in reader(data).pages:
        fonts = page["/Resources"].get("/Font", {})
        maps, current = {}, {}
        for match in _TEXT_OPS.finditer(page.get_contents().get_data()):
            if match.group(1):
                name = "/" + match.group(1).decode()
                if name not in maps:
                    maps[name] = _to_unicode(fonts[name].get_object())
                current = maps[name]
                continue
            strings = _HEX.findall(match.group(2)) if match.group(2) is not None else [match.group(3)]
            for string in strings:
                for i in range(0, len(string), 4):
                    if not current.get(int(string[i:i + 4], 16)):
                        count += 1
    return count


def structure(data: bytes):
    """The structure elements of a tagged PDF, depth first: (element, its parent element or None)."""
    root = reader(data).trailer["/Root"]["/StructTreeRoot"]
    out = []

    def walk(node, parent):
        kids = node.get("/K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, dict) and kid.get("/Type", "/StructElem") == "/StructElem" and "/S" in kid:
                out.append((kid, parent))
                walk(kid, kid)

    walk(root, None)
    return out
