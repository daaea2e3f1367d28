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
