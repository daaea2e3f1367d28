"""What things are called on disk: the file names of the outputs, the keys of the plan's own files.

One function for each, shared by the checker, the build and the renderers, so that what ``check``
accepts is exactly what ``build`` writes and reads:

- :func:`file_name` turns a code or an acteur key into the part of an output's file name that names
  it (``fiche-<code>-...``, ``fiches-<acteur>-...``). It keeps ASCII letters, digits, ``.``, ``_`` and
  ``-``; accented Latin letters lose their accents and Arabic letters are transliterated to Latin, so
  that an acteur keyed ``الصحة`` gets a readable ``alsh`` rather than an anonymous ``x``. The checker
  refuses two codes or keys whose names collide (``A_1`` and ``A/1``, ``A1`` and ``a1`` on a
  case-insensitive disk).
- :func:`asset_key` turns a path written in the content (a logo, a Markdown image) into the key under
  which the checked bytes are kept in ``Plan.assets``: ``./`` and ``//`` folded, percent-escapes of a
  Markdown URL decoded before. :func:`asset_url` turns a key back into a URL the PDF can carry.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import unicodedata
from urllib.parse import quote, unquote

MAX_NAME = 60  # characters of a code or key in a file name; longer names end with a short hash

# Arabic letters to Latin, after the usual Moroccan French spelling of names (no vowels are written).
_ARABIC = {
    "ا": "a", "أ": "a", "إ": "i", "آ": "a", "ء": "", "ؤ": "o", "ئ": "i", "ب": "b", "ت": "t", "ث": "th",
    "ج": "j", "ح": "h", "خ": "kh", "د": "d", "ذ": "dh", "ر": "r", "ز": "z", "س": "s", "ش": "ch", "ص": "s",
    "ض": "d", "ط": "t", "ظ": "z", "ع": "a", "غ": "gh", "ف": "f", "ق": "k", "ك": "k", "ل": "l", "م": "m",
    "ن": "n", "ه": "h", "ة": "a", "و": "ou", "ى": "a", "ي": "i", "گ": "g", "ڭ": "g", "پ": "p", "چ": "tch",
    "ڤ": "v", "ـ": "",
}
_INVISIBLE = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")
_DIGITS = {0x0660 + i: str(i) for i in range(10)} | {0x06F0 + i: str(i) for i in range(10)}


def invisible(text: str) -> list[str]:
    """The invisible characters of ``text`` (controls, zero-width and bidi marks, line separators), as ``U+XXXX``."""
    return [f"U+{ord(c):04X}" for c in text if unicodedata.category(c) in _INVISIBLE or (c.isspace() and c != " ")]


def controls(text: str, allowed: str = "\t\n\r") -> list[str]:
    """The control characters of ``text`` that no document can hold (``\\x01``, ``\\uFFFF``), once each."""
    return list(dict.fromkeys(c for c in _CONTROL.findall(text) if c not in allowed))


# C0 and C1 controls, surrogates and non-characters (U+FDD0-U+FDEF, U+xFFFE and U+xFFFF of every plane).
_CONTROL = re.compile(
    r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"\\U{(plane << 16) | 0xFFFE:08x}-\\U{(plane << 16) | 0xFFFF:08x}" for plane in range(17))
    + "]"
)


def file_name(text: str) -> str:
    """A code or key as it may appear in a file name (``A1.1.1.1`` stays ``A1.1.1.1``)."""
    text = "".join(c for c in unicodedata.normalize("NFKC", text) if unicodedata.category(c) != "Cf")
    text = "".join(_ARABIC.get(c, c) for c in text.translate(_DIGITS))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "x"
    if len(name) > MAX_NAME:
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        name = f"{name[: MAX_NAME - 9].rstrip('._')}-{digest}"
    return name


def asset_key(path: str, url: bool = False) -> str:
    """The key of a file of the plan named in the content; ``url`` for a Markdown image's (escaped) source."""
    if url:
        path = unquote(path)
    key = posixpath.normpath(path) if path else path
    return "" if key == "." else key


def asset_url(key: str) -> str:
    """A key as a relative URL (spaces, accents, ``#`` and ``?`` escaped), resolved against the plan's base."""
    return quote(key, safe="/")
