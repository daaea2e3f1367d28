"""Plan folder -> raw data that remembers where every value came from.

Only this module reads content. ``plan.yaml`` is composed by libyaml (PyYAML's C parser) into nodes
that carry their line and column, then turned into plain dicts and lists here, with the YAML 1.2 core
schema (so ``no`` and ``on`` stay strings), dates, and decimal numbers read exactly as written. Every
value's file, line and column is kept in a map keyed by its path (``("priorites", 0, "code")``).
Narrative Markdown files are read as text, and the plan's optional ``charte.toml`` as TOML. Problems are returned as diagnostics, never raised, so that
``check`` can report everything at once.

Only files that lie inside the plan folder once their symbolic links are followed are read. YAML
anchors and aliases are refused before anything is built (never expanded), and libyaml's messages
are given in French, located in characters.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from . import charte
from .errors import Diagnostic, Location, Severity, UsageError

PLAN_FILE = "plan.yaml"
CHARTE_FILE = charte.PLAN_FILE
LANGS = ("fr", "ar")
MAX_DEPTH = 24  # nesting levels of plan.yaml; the deepest path of the format has 11

Path_ = tuple  # a path into the raw data: keys and list indexes


# libyaml when the wheel has it. The base loader leaves every plain scalar untagged (str), so that the
# YAML 1.2 core schema is applied here, and keeps explicit tags (!!python/...) visible, to be refused.
_Loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
_STD = "tag:yaml.org,2002:"
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{1,2}:\d{2}")


class _TagError(ValueError):
    """An explicit YAML tag the plan format does not use (``!!python/object``, ``!custom``, ...)."""


def _scalar(node: yaml.ScalarNode) -> Any:
    """A scalar's value under the YAML 1.2 core schema, plus dates; decimals exactly as written."""
    value = node.value
    if node.style:  # quoted or block: always a string (plain is None, or "" from libyaml)
        return value
    if node.tag != _STD + "str" and not node.tag.startswith(_STD):
        raise _TagError(node.tag)  # an explicit tag of another vocabulary: never constructed
    if _NULL.match(value):
        return None
    if value in _BOOL:
        return _BOOL[value]
    if _INT.match(value):
        return int(value)
    if _FLOAT.match(value):
        try:
            return Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
            return value
    if _DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value  # 2025-02-30: a string, refused later where a date is expected
    if _DATETIME.match(value):
        return dt.datetime.fromisoformat(value.replace("t", "T")) if _is_datetime(value) else value
    return value


def _is_datetime(value: str) -> bool:
    try:
        dt.datetime.fromisoformat(value.replace("t", "T"))
    except ValueError:
        return False
    return True


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
    pending: list[tuple] = field(default_factory=list)  # problems met while reading, located once read
    charte: dict | None = None  # the plan's own charte.toml, read as TOML (None when it has none)
    charte_text: str = ""  # its text, to locate the problems :mod:`publisher.charte` finds in it

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
        col = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1  # characters, not bytes
        return None, Diagnostic(
            Location(rel, line, col),
            Severity.ERROR,
            "-",
            f"le fichier n'est pas en UTF-8 (octet 0x{data[exc.start]:02x} illisible)",
            "fichier.encodage",
        )


def read_asset(root: Path, key: str) -> bytes:
    """The bytes of a file the content shows (a logo, an image), already checked to lie inside ``root``."""
    return (root / key).read_bytes()


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
    _load_charte(raw)
    return raw


def _error(raw: RawPlan, loc: Location, message: str, rule: str) -> None:
    raw.diagnostics.append(Diagnostic(loc, Severity.ERROR, "-", message, rule))


def _load_yaml(raw: RawPlan) -> None:
    path = raw.root / PLAN_FILE
    if not path.is_file():
        _error(raw, Location(PLAN_FILE), "fichier plan.yaml absent du dossier du plan", "fichier.absent")
        return
    text = _read_inside(raw, path, PLAN_FILE, Location(PLAN_FILE, 1, 1))
    if text is None:
        return
    try:
        alias = _first_alias(text)
        node = None if alias else yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(PLAN_FILE, mark.line + 1, mark.column + 1) if mark else Location(PLAN_FILE, 1, 1)
        _error(raw, loc, f"YAML illisible : {yaml_message(exc)}", "yaml.syntaxe")
        return
    except yaml.reader.ReaderError as exc:
        _error(raw, _offset_location(text, exc.position), f"YAML illisible : {yaml_message(exc)}", "yaml.syntaxe")
        return
    except yaml.YAMLError as exc:
        _error(raw, Location(PLAN_FILE, 1, 1), f"YAML illisible : {yaml_message(exc)}", "yaml.syntaxe")
        return
    if alias:
        _error(raw, *alias)
        return
    if node is None or (isinstance(node, yaml.ScalarNode) and _NULL.match(node.value) and not node.style):
        _error(raw, Location(PLAN_FILE, 1, 1), "plan.yaml est vide", "plan.vide")
        return
    raw.data = _plain(node, (), raw)
    for path, loc, message, rule in raw.pending:  # now that the codes around them are known
        raw.diagnostics.append(Diagnostic(loc, Severity.ERROR, raw.code_at(path), message, rule))


def _read_inside(raw: RawPlan, path: Path, rel: str, where: Location) -> str | None:
    """The text of a file of the plan folder, or None with a located diagnostic: it leads outside the
    folder (``where``: the top of the file), it is no file (a link to nothing), it is not UTF-8."""
    outside = _outside(raw, path, rel, where)
    if outside:
        raw.diagnostics.append(outside)
        return None
    if not path.is_file():
        _error(raw, where, f"{rel} n'est pas un fichier lisible", "fichier.absent")
        return None
    text, problem = read_text(path, rel)
    if problem:
        raw.diagnostics.append(problem)
    return text


def _load_charte(raw: RawPlan) -> None:
    """The plan's optional ``charte.toml`` (its override of the house style), only inside the plan folder."""
    path = raw.root / CHARTE_FILE
    if not path.is_file() and not path.is_symlink():
        return
    text = _read_inside(raw, path, CHARTE_FILE, Location(CHARTE_FILE, 1, 1))
    if text is None:
        return
    try:
        raw.charte = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raw.diagnostics.append(charte.syntax_problem(exc))
        return
    raw.charte_text = text


def _loc(node: yaml.Node) -> Location:
    line, col = node.start_mark.line + 1, node.start_mark.column + 1
    if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
        line, col = line + 1, col + 2  # a block scalar's text starts on the next line
    return Location(PLAN_FILE, line, col)


def _key(node: yaml.Node) -> str | None:
    """A mapping key as written (``true`` stays ``true``); None for a key that is not a plain scalar."""
    if not isinstance(node, yaml.ScalarNode) or (not node.style and not node.tag.startswith(_STD)):
        return None
    return node.value


def _plain(node: yaml.Node, path: Path_, raw: RawPlan) -> Any:
    """Convert composed nodes into plain Python values, recording each value's location."""
    raw.value_locs[path] = _loc(node)
    if len(path) > MAX_DEPTH and isinstance(node, yaml.CollectionNode):
        message = f"imbrication trop profonde (plus de {MAX_DEPTH} niveaux) : le format n'en a pas l'usage"
        raw.pending.append((path, _loc(node), message, "yaml.imbrication"))
        return None
    if isinstance(node, yaml.CollectionNode) and node.tag not in (_STD + "map", _STD + "seq"):
        raw.pending.append((path, _loc(node), f"étiquette YAML non admise : {node.tag}", "yaml.syntaxe"))
        return None
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _key(key_node)
            key_loc = Location(PLAN_FILE, key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key is None:
                raw.pending.append((path, key_loc, "une clé doit être un simple texte", "yaml.syntaxe"))
                continue
            if key in out:
                first = raw.key_locs[(*path, key)]
                message = f"clé « {key} » en double (première fois ligne {first.line})"
                raw.pending.append((path, key_loc, message, "yaml.cle_double"))
                continue
            raw.key_locs[(*path, key)] = key_loc
            out[key] = _plain(value_node, (*path, key), raw)
        return out
    if isinstance(node, yaml.SequenceNode):
        out_list = []
        for index, item in enumerate(node.value):
            raw.key_locs[(*path, index)] = Location(PLAN_FILE, item.start_mark.line + 1, item.start_mark.column + 1)
            out_list.append(_plain(item, (*path, index), raw))
        return out_list
    try:
        return _scalar(node)
    except _TagError as exc:
        raw.pending.append((path, _loc(node), f"étiquette YAML non admise : {exc}", "yaml.syntaxe"))
        return None


def _load_narratives(raw: RawPlan) -> None:
    sections = raw.data.get("narratif") if isinstance(raw.data, dict) else None
    if not isinstance(sections, list):
        return
    for index, name in enumerate(sections):
        if not isinstance(name, str) or not name or "/" in name or "\\" in name or name.startswith("."):
            continue  # refused by the model as an invalid section name
        texts: dict[str, SourceText | None] = {}
        for lang in LANGS:
            rel = f"{lang}/{name}.md"
            path = raw.root / lang / f"{name}.md"
            try:
                if not path.is_file():
                    texts[lang] = None
                    continue
            except (OSError, ValueError):  # a name too long for the disk: the model refuses it
                texts[lang] = None
                continue
            outside = _outside(raw, path, rel, raw.where(("narratif", index)))
            if outside:
                raw.diagnostics.append(outside)
                texts[lang] = None
                continue
            text, problem = read_text(path, rel)
            if problem:
                raw.diagnostics.append(problem)
                texts[lang] = None
                continue
            texts[lang] = SourceText(text, Location(rel, 1, 1))
        raw.narratives[name] = texts


def inside(root: Path, path: Path) -> bool:
    """Whether ``path``, its symbolic links followed, lies inside the plan folder ``root`` (already resolved)."""
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError, ValueError):  # a loop of links, a name too long, a NUL
        return False


def _outside(raw: RawPlan, path: Path, rel: str, where: Location | None = None) -> Diagnostic | None:
    """A located error when a file the engine would read leads, through a link, outside the plan folder.

    Located where the file is named (the ``narratif`` entry), or at the top of plan.yaml for itself.
    """
    if inside(raw.root, path):
        return None
    return Diagnostic(where or Location(PLAN_FILE, 1, 1), Severity.ERROR, "-",
                      f"{rel} mène hors du dossier du plan (lien symbolique) : fichier non lu", "fichier.hors_plan")


# --- YAML: aliases, and libyaml's messages in French ----------------------------------------------


def _first_alias(text: str) -> tuple[Location, str, str] | None:
    """Where the first anchor (``&a``) or alias (``*a``) is, with its message: refused, never expanded.

    An alias repeats a whole subtree: nine nested ones make a ten-line file expand to billions of
    values. The format has no use for them, so the events are scanned before anything is built.
    """
    if "&" not in text and "*" not in text:
        return None
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            what = f"alias YAML « *{event.anchor} » non admis : recopiez la valeur (ou mettez le texte entre guillemets)"
        elif getattr(event, "anchor", None):
            what = f"ancre YAML « &{event.anchor} » non admise : le format n'utilise ni ancres ni alias"
        else:
            continue
        mark = event.start_mark
        return Location(PLAN_FILE, mark.line + 1, mark.column + 1), what, "yaml.alias"
    return None


def _offset_location(text: str, position: int) -> Location:
    """The location of libyaml's reader ``position``, which counts the bytes of the UTF-8 text."""
    before = text.encode("utf-8", "surrogatepass")[:position].decode("utf-8", "replace")
    return Location(PLAN_FILE, before.count("\n") + 1, len(before) - before.rfind("\n"))


_YAML_PROBLEMS = [  # libyaml's problem (or context) -> French
    ("mapping values are not allowed", "« : » inattendu ; un texte qui contient « : » se met entre guillemets"),
    ("did not find expected key", "clé attendue introuvable (indentation incohérente ?)"),
    ("did not find expected '-' indicator", "tiret « - » attendu (élément de liste mal indenté ?)"),
    ("block sequence entries are not allowed", "élément de liste « - » non admis ici (indentation ?)"),
    ("found character that cannot start any token",
     "caractère qui ne peut commencer aucune valeur (une tabulation ? « @ », « ` », « % » en début de texte ?)"),
    ("found a tab character", "tabulation dans l'indentation : seuls les espaces sont admis"),
    ("found unexpected end of stream", "fin du fichier inattendue (guillemet, crochet ou accolade non fermé ?)"),
    ("did not find expected ',' or ']'", "« , » ou « ] » attendu (crochet non fermé ?)"),
    ("did not find expected ',' or '}'", "« , » ou « } » attendu (accolade non fermée ?)"),
    ("did not find expected node content", "valeur attendue introuvable"),
    ("found unknown escape character", "séquence d'échappement inconnue dans un texte entre guillemets doubles"),
    ("could not find expected ':'", "« : » attendu après une clé"),
    ("did not find expected alphabetic or numeric character",
     "« * » ou « & » en début de valeur ; un texte qui commence ainsi se met entre guillemets"),
    ("found undefined alias", "alias YAML non défini (le format n'utilise pas d'alias)"),
    ("found undefined tag handle", "étiquette YAML inconnue"),
    ("but found another document", "plusieurs documents YAML (« --- ») : un seul est admis"),
    ("expected a single document", "plusieurs documents YAML (« --- ») : un seul est admis"),
    ("exceeded maximum nesting depth", "imbrication trop profonde"),
    ("control characters are not allowed", "caractère de contrôle interdit"),
    ("found unexpected ':'", "« : » inattendu"),
    ("did not find expected <document start>", "début de document attendu (« --- » ?)"),
    ("found incompatible YAML document", "version de YAML non prise en charge"),
    ("while scanning a quoted scalar", "texte entre guillemets non fermé"),
    ("while scanning a simple key", "« : » attendu après une clé"),
    ("while scanning a block scalar", "bloc de texte (« | » ou « > ») mal formé"),
]


def yaml_message(exc: yaml.YAMLError) -> str:
    """libyaml's message in French; one it does not know is quoted, in English, after a French word."""
    problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or str(exc)
    context = getattr(exc, "context", None) or ""
    for source in (problem, context):
        for english, french in _YAML_PROBLEMS:
            if english in source:
                context_mark = getattr(exc, "context_mark", None)
                problem_mark = getattr(exc, "problem_mark", None)
                if context_mark and problem_mark and context_mark.line != problem_mark.line:
                    french += f" (depuis la ligne {context_mark.line + 1})"
                return french
    return f"syntaxe invalide (analyseur : « {problem} »)"
