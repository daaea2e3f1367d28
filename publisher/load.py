"""Plan folder -> raw data that remembers where every value came from.

Only this module reads content. ``plan.yaml`` is parsed with ruamel.yaml (YAML 1.2, so ``no`` stays a
string) into plain dicts and lists; every value's file, line and column is kept in a map keyed by its
path (``("priorites", 0, "code")``). Decimal numbers are read exactly as written. Narrative Markdown
files are read as text. Problems are returned as diagnostics, never raised, so that ``check`` can
report everything at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from .errors import Diagnostic, Location, Severity, UsageError

PLAN_FILE = "plan.yaml"
LANGS = ("fr", "ar")

Path_ = tuple  # a path into the raw data: keys and list indexes


class _ExactConstructor(RoundTripConstructor):
    """Round-trip constructor that reads YAML floats as Decimal, exactly as written."""

    def construct_yaml_float(self, node):  # noqa: D102 - ruamel hook
        text = str(node.value).replace("_", "")
        try:
            value = Decimal(text)
        except InvalidOperation:
            return text  # .inf, .nan: left as text, refused later as a wrong type
        return value if value.is_finite() else text


_ExactConstructor.add_constructor("tag:yaml.org,2002:float", _ExactConstructor.construct_yaml_float)


@dataclass(frozen=True)
class SourceText:
    """A Markdown text and where its first line lies (file, line offset, column)."""

    text: str
    location: Location


@dataclass
class RawPlan:
    """What was read from a plan folder, before any validation."""

    root: Path
    data: Any = None
    value_locs: dict[Path_, Location] = field(default_factory=dict)
    key_locs: dict[Path_, Location] = field(default_factory=dict)
    narratives: dict[str, dict[str, SourceText | None]] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def where(self, path: Path_) -> Location:
        """The location of the value at ``path``, or of its nearest located ancestor."""
        path = tuple(path)
        while path:
            if path in self.value_locs:
                return self.value_locs[path]
            path = path[:-1]
        return Location(PLAN_FILE, 1, 1)

    def where_key(self, path: Path_) -> Location:
        """The location of the key (or list item) at ``path``: where an absent child is reported."""
        path = tuple(path)
        while path:
            if path in self.key_locs:
                return self.key_locs[path]
            path = path[:-1]
        return Location(PLAN_FILE, 1, 1)

    def data_at(self, path: Path_) -> Any:
        """The raw value at ``path`` (``None`` when absent)."""
        node = self.data
        for step in path:
            if isinstance(node, dict):
                node = node.get(step)
            elif isinstance(node, list) and isinstance(step, int) and step < len(node):
                node = node[step]
            else:
                return None
        return node

    def code_at(self, path: Path_) -> str:
        """The code of the innermost action, objective or priority that contains ``path``."""
        node, code = self.data, "-"
        for step in path:
            if isinstance(node, dict):
                if isinstance(node.get("code"), str) and step != "code":
                    code = node["code"]
                node = node.get(step)
            elif isinstance(node, list) and isinstance(step, int) and step < len(node):
                node = node[step]
            else:
                break
        if isinstance(node, dict) and isinstance(node.get("code"), str):
            code = node["code"]
        return code


def read_text(path: Path, rel: str) -> tuple[str | None, Diagnostic | None]:
    """Read a UTF-8 file (a BOM is accepted); a decoding problem is a located diagnostic."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        return None, Diagnostic(
            Location(rel, line, col),
            Severity.ERROR,
            "-",
            f"le fichier n'est pas en UTF-8 (octet 0x{data[exc.start]:02x} illisible)",
            "fichier.encodage",
        )


def read_assets(root: Path, relatives: list[str]) -> dict[str, bytes]:
    """The bytes of the files the content shows (logos, images), already checked to lie inside ``root``."""
    return {rel: (root / rel).read_bytes() for rel in dict.fromkeys(relatives)}


def load(root: Path | str) -> RawPlan:
    """Read a plan folder; raise :class:`UsageError` only when it is not a folder at all."""
    root = Path(root)
    if not root.exists():
        raise UsageError(f"{root} : dossier introuvable")
    if not root.is_dir():
        raise UsageError(f"{root} : ce n'est pas un dossier de plan (un fichier a été donné)")
    raw = RawPlan(root=root.resolve())
    _load_yaml(raw)
    _load_narratives(raw)
    return raw


def _error(raw: RawPlan, loc: Location, message: str, rule: str) -> None:
    raw.diagnostics.append(Diagnostic(loc, Severity.ERROR, "-", message, rule))


def _load_yaml(raw: RawPlan) -> None:
    path = raw.root / PLAN_FILE
    if not path.is_file():
        _error(raw, Location(PLAN_FILE), "fichier plan.yaml absent du dossier du plan", "fichier.absent")
        return
    text, problem = read_text(path, PLAN_FILE)
    if problem:
        raw.diagnostics.append(problem)
        return
    yaml = YAML(typ="rt", pure=True)
    yaml.Constructor = _ExactConstructor
    try:
        doc = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(PLAN_FILE, mark.line + 1, mark.column + 1) if mark else Location(PLAN_FILE, 1, 1)
        what = exc.problem or exc.context or "syntaxe invalide"
        _error(raw, loc, f"YAML illisible : {what}", "yaml.syntaxe")
        return
    except YAMLError as exc:
        _error(raw, Location(PLAN_FILE, 1, 1), f"YAML illisible : {exc}", "yaml.syntaxe")
        return
    if doc is None:
        _error(raw, Location(PLAN_FILE, 1, 1), "plan.yaml est vide", "plan.vide")
        return
    raw.data = _plain(doc, (), raw, Location(PLAN_FILE, 1, 1))


def _plain(node: Any, path: Path_, raw: RawPlan, loc: Location) -> Any:
    """Convert ruamel nodes into plain Python values, recording each value's location."""
    raw.value_locs[path] = loc
    if isinstance(node, CommentedMap):
        out = {}
        for key in node:
            kline, kcol = node.lc.key(key)
            vline, vcol = node.lc.value(key)
            child = (*path, str(key))
            raw.key_locs[child] = Location(PLAN_FILE, kline + 1, kcol + 1)
            vloc = Location(PLAN_FILE, vline + 1, vcol + 1)
            if isinstance(node[key], (LiteralScalarString, FoldedScalarString)):
                vloc = Location(PLAN_FILE, vline + 2, kcol + 3)  # the block starts on the next line
            out[str(key)] = _plain(node[key], child, raw, vloc)
        return out
    if isinstance(node, CommentedSeq):
        out = []
        for index, item in enumerate(node):
            line, col = node.lc.item(index)
            child = (*path, index)
            raw.key_locs[child] = Location(PLAN_FILE, line + 1, col + 1)
            out.append(_plain(item, child, raw, Location(PLAN_FILE, line + 1, col + 1)))
        return out
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, dt.datetime):
        return node  # a timestamp: refused later where a date is expected
    return node


def _load_narratives(raw: RawPlan) -> None:
    sections = raw.data.get("narratif") if isinstance(raw.data, dict) else None
    if not isinstance(sections, list):
        return
    for name in sections:
        if not isinstance(name, str) or not name or "/" in name or "\\" in name or name.startswith("."):
            continue  # refused by the model as an invalid section name
        texts: dict[str, SourceText | None] = {}
        for lang in LANGS:
            rel = f"{lang}/{name}.md"
            path = raw.root / lang / f"{name}.md"
            if not path.is_file():
                texts[lang] = None
                continue
            text, problem = read_text(path, rel)
            if problem:
                raw.diagnostics.append(problem)
                texts[lang] = None
                continue
            texts[lang] = SourceText(text, Location(rel, 1, 1))
        raw.narratives[name] = texts
