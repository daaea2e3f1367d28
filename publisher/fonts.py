"""The typefaces of the editions, found in their PyPI font packages, never on the system.

Lato for French (a sober humanist sans, legible in dense tables) and Amiri for Arabic (a classic
Naskh, the face of printed official Arabic, which also carries every character Babel emits, such as
U+202F and U+061C). Both renderers take the files from here: WeasyPrint through ``@font-face``, the
DOCX through embedded font parts. A family that is not installed is an error, never a fallback.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import fontpkg

from .errors import RenderError
from .lang import Lang

FAMILIES = {Lang.FR: "Lato", Lang.AR: "Amiri"}
STYLES = (("regular", 400, "normal"), ("bold", 700, "normal"), ("italic", 400, "italic"), ("bolditalic", 700, "italic"))


@dataclass(frozen=True)
class Face:
    """One font file of a family: its style name, CSS weight and style, and its path."""

    family: str
    name: str
    weight: int
    style: str
    path: Path


@lru_cache(maxsize=None)
def faces(family: str) -> tuple[Face, ...]:
    """The regular, bold, italic and bold italic files of ``family``."""
    found = []
    for name, weight, style in STYLES:
        try:
            path = fontpkg.path(family, weight, style)
        except fontpkg.FontpkgError as exc:
            raise RenderError(f"police « {family} » ({name}) introuvable : installez le paquet fontpkg ({exc})") from exc
        if not Path(path).is_file():
            raise RenderError(f"police « {family} » ({name}) : fichier absent {path}")
        found.append(Face(family, name, weight, style, Path(path)))
    return tuple(found)


def family(lang: Lang) -> str:
    """The family that sets the text of ``lang``."""
    return FAMILIES[lang]


def font_dirs() -> tuple[Path, ...]:
    """The folders that hold the chosen font files (the only files a renderer may read besides the plan)."""
    return tuple(sorted({face.path.parent for fam in FAMILIES.values() for face in faces(fam)}))


@lru_cache(maxsize=None)
def coverage(family: str) -> frozenset[int]:
    """The characters every face of ``family`` draws (read from their cmaps): what may be set in it."""
    import uharfbuzz as hb  # imported only when a plan is checked

    common: set[int] | None = None
    for face in faces(family):
        chars = set(hb.Face(hb.Blob.from_file_path(str(face.path))).unicodes)
        common = chars if common is None else common & chars
    return frozenset(common or ())


# Never drawn, so never missing: spaces and line breaks, controls, and the invisible format characters
# a text may carry (soft hyphen, Arabic letter mark, zero-width spaces and joiners, bidi marks, BOM).
_UNDRAWN = "\\s\\x00-\\x1f\\x7f-\\x9f\\xad\\u061c\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u206f\\ufeff"
REPLACEMENT = "?"  # what the PDF prints for a character its face lacks (check warns of each)


def _escape(code: int) -> str:
    return f"\\U{code:08x}"


@lru_cache(maxsize=None)
def _lacking(lang: Lang) -> re.Pattern:
    """A pattern matching one character the face of ``lang`` does not draw."""
    codes = sorted(coverage(FAMILIES[lang]))
    ranges, start = [], None
    for i, code in enumerate(codes):
        if start is None:
            start = code
        if i + 1 == len(codes) or codes[i + 1] != code + 1:
            ranges.append(_escape(start) if start == code else f"{_escape(start)}-{_escape(code)}")
            start = None
    return re.compile(f"[^{''.join(ranges)}{_UNDRAWN}]")


def missing(text: str, lang: Lang) -> list[str]:
    """The characters of ``text`` that the face of ``lang`` does not draw, in order, once each."""
    return list(dict.fromkeys(_lacking(lang).findall(text)))


def drawable(html: str, lang: Lang) -> str:
    """``html`` with every character of its text that the face of ``lang`` lacks replaced.

    WeasyPrint (through fontconfig) would otherwise take the glyph from any font installed on the
    machine and embed it: the PDF would depend on the machine. The compatibility form of a character
    is used when the face has it (a full-width digit becomes a digit), :data:`REPLACEMENT` otherwise.
    Tags and attribute values are left as they are.
    """
    lacking = _lacking(lang)
    if not lacking.search(html):
        return html

    def replace(match: re.Match) -> str:
        if match.group(1):
            return match.group(1)
        char = match.group(2)
        folded = unicodedata.normalize("NFKC", char)
        return folded if folded != char and not lacking.search(folded) else REPLACEMENT

    return re.sub(f"(<[^>]*>)|({lacking.pattern})", replace, html)
