"""The typefaces of the editions, found in their PyPI font packages, never on the system.

Lato for French (a sober humanist sans, legible in dense tables) and Amiri for Arabic (a classic
Naskh, the face of printed official Arabic, which also carries every character Babel emits, such as
U+202F and U+061C). Both renderers take the files from here: WeasyPrint through ``@font-face``, the
DOCX through embedded font parts. A family that is not installed is an error, never a fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import fontpkg

from .errors import RenderError
from .model import Lang

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
