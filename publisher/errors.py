"""Located diagnostics and the exception family of the engine.

A diagnostic is what a CAPE officer reads: ``file:line:col: severity: CODE: message [rule.name]``.
Every error the engine expects derives from :class:`PublisherError`; the CLI prints its message
without a traceback. Any other exception is a bug.
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_HIDDEN = ("Cc", "Cf", "Cs", "Zl", "Zp")  # controls, invisible format characters, surrogates, line separators


def printable(text: str) -> str:
    """``text`` on one line, every hidden character shown: ``\\n``, ``\\x01``, ``\\u200b``, ``\\uffff``.

    A code holding a line break could otherwise forge a diagnostic line, and a zero-width space
    would stay invisible in the very message that reports it.
    """
    if text.isprintable():
        return text
    out = []
    for char in text:
        code = ord(char)
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif unicodedata.category(char) in _HIDDEN or (code & 0xFFFE) == 0xFFFE or 0xFDD0 <= code <= 0xFDEF:
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(char)
    return "".join(out)


class Severity(enum.Enum):
    """How serious a diagnostic is, named in French as printed."""

    ERROR = "erreur"
    WARNING = "avertissement"


class Location(NamedTuple):
    """A place in a plan folder: a file relative to the plan, 1-based line and column.

    A named tuple: the loader makes one per value of plan.yaml, and tuples are cheap to make.
    A workbook's cell is named as a spreadsheet names it (``cell="P1!G12"``), with its row and
    column as ``line`` and ``col`` for sorting, and prints ``canevas.xlsx:P1!G12``.
    """

    file: str
    line: int = 0
    col: int = 0
    cell: str = ""

    def __str__(self) -> str:
        if self.cell:
            return f"{self.file}:{self.cell}"
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


class EnvironmentFailure(PublisherError):
    """The machine failed, not the plan: the output folder cannot be written (read-only, full, a file),
    its manifest is unreadable, a rendering process died, another build holds it. Nothing was published."""
