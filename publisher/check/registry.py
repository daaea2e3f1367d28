"""Every rule ``check`` enforces, declared once: its name, its severity and what it refuses.

A module of this package declares its rules with :func:`rule` and passes the :class:`Rule` itself
when it reports a problem, so a diagnostic's severity is the one declared here. The README's rule
table is :func:`table` (``python tools/rules_table.py``), so the two cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..errors import Severity

GAP: Literal["gap"] = "gap"  # what the plan has not written yet: a warning in projet, an error in valide

_SEVERITY_TEXT = {Severity.ERROR: "error", Severity.WARNING: "warning", GAP: "warning in `projet`, error in `valide`"}


@dataclass(frozen=True)
class Rule:
    """One rule of the guide: its name in diagnostics (``pilote.requis``), severity and description."""

    name: str
    severity: Severity | Literal["gap"]
    description: str  # English, as the README prints it

    def severity_in(self, lenient: bool) -> Severity:
        """The severity of a diagnostic of this rule; ``lenient`` while the plan's statut is not valide."""
        if self.severity == GAP:
            return Severity.WARNING if lenient else Severity.ERROR
        return self.severity


RULES: dict[str, Rule] = {}  # in the order of declaration, which is the README's


def rule(name: str, severity: Severity | Literal["gap"], description: str) -> Rule:
    """Declare a rule (once: a second declaration of a name is a bug)."""
    if name in RULES:
        raise ValueError(f"rule {name} declared twice")
    RULES[name] = declared = Rule(name, severity, description)
    return declared


def table() -> str:
    """The README's rule table, in Markdown: one row per rule, in the order of declaration."""
    rows = ["| rule | what | severity |", "| --- | --- | --- |"]
    rows += [f"| `{r.name}` | {r.description} | {_SEVERITY_TEXT[r.severity]} |" for r in RULES.values()]
    return "\n".join(rows) + "\n"
