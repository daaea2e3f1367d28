"""Located diagnostics and the exception family of the engine.

A diagnostic is what a CAPE officer reads: ``file:line:col: severity: CODE: message [rule.name]``.
Every error the engine expects derives from :class:`PublisherError`; the CLI prints its message
without a traceback. Any other exception is a bug.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple


# Controls, line separators, surrogates, non-characters, and the invisible format characters (zero-width
# spaces, bidi marks, BOM), so that a diagnostic is one line that shows what hides in a code.
_UNPRINTABLE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\xad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    r"\ud800-\udfff\ufdd0-\ufdef\ufeff\ufff9-\ufffb\ufffe\uffff]"
)
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """``text`` on one line: control characters and line separators escaped (``\\n``, ``\\x01``, ``\\u2028``)."""

    def escape(match: re.Match) -> str:
        char = match.group(0)
        if char in _ESCAPES:
            return _ESCAPES[char]
        return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"

    text = _UNPRINTABLE.sub(escape, text)
    if any(ord(c) > 0xFFFF and unicodedata.category(c) in ("Cf", "Cn") for c in text):  # tags, other planes
        text = "".join(f"\\U{ord(c):08x}" if ord(c) > 0xFFFF and unicodedata.category(c) in ("Cf", "Cn") else c
                       for c in text)
    return text


class Severity(enum.Enum):
    """How serious a diagnostic is, named in French as printed."""

    ERROR = "erreur"
    WARNING = "avertissement"


class Location(NamedTuple):
    """A place in a plan folder: a file relative to the plan, 1-based line and column.

    A named tuple: the loader makes one per value of plan.yaml, and tuples are cheap to make.
    """

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.file
        return f"{self.file}:{self.line}:{self.col or 1}"


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a plan, located, with the code it concerns and a rule name."""

    location: Location
    severity: Severity
    code: str
    message: str
    rule: str

    def __str__(self) -> str:
        text = f"{self.location}: {self.severity.value}: {self.code}: {self.message} [{self.rule}]"
        return printable(text)

    @property
    def sort_key(self) -> tuple:
        """Sort by file, then line and column, errors before warnings on the same spot."""
        loc = self.location
        return (loc.file != "plan.yaml", loc.file, loc.line, loc.col, self.severity != Severity.ERROR)


class PublisherError(Exception):
    """Root of every expected failure; its message is printed as it is."""


class UsageError(PublisherError):
    """The invocation cannot be used (no such plan folder, a file instead of a folder, ...)."""


class PlanError(PublisherError):
    """The plan has errors: carries every diagnostic found."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics
        errors = sum(d.severity is Severity.ERROR for d in diagnostics)
        super().__init__(f"le plan contient {errors} erreur(s)")


class RenderError(PublisherError):
    """A renderer could not produce an output (a missing font, a refused resource, ...)."""
