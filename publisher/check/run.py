"""The state one pass of ``check`` shares between the families of rules, and how they report."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterator

from pydantic import BaseModel

from ..errors import Diagnostic, Location
from ..load import RawPlan
from ..model import Plan, Text
from .registry import RULES, Rule


@dataclass
class Completeness:
    """How many bilingual texts exist in each language."""

    total: int = 0
    present: Counter = field(default_factory=Counter)


class Run:
    """One pass over a raw plan: the diagnostics found so far, and what the rules learn on the way."""

    def __init__(self, raw: RawPlan):
        self.raw = raw
        self.out: list[Diagnostic] = list(raw.diagnostics)
        self.plan: Plan | None = None
        self.completeness = Completeness()
        self.lenient = True  # gaps (translations, fiches, personal data) are warnings until statut is valide
        self.assets: dict[str, bytes] = {}  # the files inside the plan that the content shows, checked
        self.strings: list[tuple[tuple, str]] = []  # every string of plan.yaml, with its path

    def add(self, loc: Location, code: str, message: str, rule: Rule | str) -> None:
        """Report a problem at ``loc``, with the severity its rule declares (a rule may be given by name)."""
        rule = RULES[rule] if isinstance(rule, str) else rule
        self.out.append(Diagnostic(loc, rule.severity_in(self.lenient), code, message, rule.name))

    def at(self, path: tuple, message: str, rule: Rule | str, key: bool = False) -> None:
        """Report a problem at the value (or, with ``key``, the key) of ``path`` in plan.yaml."""
        loc = self.raw.where_key(path) if key else self.raw.where(path)
        self.add(loc, self.raw.code_at(path), message, rule)


def at_offset(origin: Location, offset: int) -> Location:
    """The location ``offset`` lines below ``origin``: its column only on the first line."""
    return Location(origin.file, origin.line + offset, origin.col if not offset else 1)


def walk_strings(node: Any, path: tuple) -> Iterator[tuple[tuple, str]]:
    """Every string of the raw data, with its path."""
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, item in node.items():
            yield from walk_strings(item, (*path, key))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from walk_strings(item, (*path, i))


def walk_texts(node: Any, path: tuple) -> Iterator[tuple[tuple, Text, bool]]:
    """Every bilingual text of the model with its path; True for Markdown fields."""
    if isinstance(node, Text):
        yield path, node, bool(path) and path[-2:-1] == ("fiche",)
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            if name != "sections":
                yield from walk_texts(getattr(node, name), (*path, name))
    elif isinstance(node, (list, tuple)):
        for i, item in enumerate(node):
            yield from walk_texts(item, (*path, i))
    elif isinstance(node, dict):
        for key, item in node.items():
            yield from walk_texts(item, (*path, key))
