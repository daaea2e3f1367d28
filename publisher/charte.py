"""The house style: ``assets/charte.toml``, and a plan's override of part of it.

The charte decides what both formats print alike: the named colours, the typeface of each language
(by font package), the sizes of the body, headings and table text, the page geometry and margins, the
canevas columns and their widths, the rows of a fiche action, the place of the cover's logos. The
templates decide everything else. The PDF follows it through the CSS custom properties and ``@page``
rules of :meth:`Charte.css`, loaded before the stylesheets of ``templates/shared``; the DOCX through
:func:`publisher.render.docx.apply_charte`, at render time.

A plan may hold a ``charte.toml`` of its own (a province's colours, its logos): the same keys, only
those it changes, merged over the house's. :func:`resolve` validates it and returns the charte a plan
is published with, and its problems as located diagnostics (an unknown key, a bad colour).
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from . import resources
from .errors import Diagnostic, Location, RenderError, Severity

HOUSE_FILE = resources.ASSETS / "charte.toml"
PLAN_FILE = "charte.toml"  # the optional override in a plan folder

# What a plan may not change: the engine ships these fonts, and the templates print these columns
# and rows in this order.
FIXED = (("polices",), ("canevas", "colonnes"), ("fiche", "lignes"))
ALIGNMENTS = {"debut": "start", "centre": "center", "fin": "end"}  # French words -> CSS and OOXML values
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Charte:
    """A house style, as merged for one plan: read it through the accessors, never the raw data."""

    data: dict = field(compare=False, hash=False)
    canonical: str = ""  # the data as sorted JSON: its identity, hash and fingerprint
    from_plan: bool = False  # merged with a charte.toml of the plan folder (an input of the build)

    @classmethod
    def of(cls, data: dict, from_plan: bool = False) -> "Charte":
        """The charte of ``data`` (already validated)."""
        return cls(data, json.dumps(data, sort_keys=True, ensure_ascii=False), from_plan)

    def colour(self, name: str) -> str:
        """A named colour, ``#rrggbb`` in lower case."""
        return self.data["couleurs"][name].lower()

    def size(self, lang: str, name: str) -> float:
        """A size in points for the language ``fr`` or ``ar``: ``corps``, ``titre1``...``titre4``, ``tableau``, ``canevas``."""
        return float(self.data["tailles"][lang][name])

    def font(self, lang: str) -> str:
        """The font package (family) of the language."""
        return self.data["polices"][lang]

    @property
    def page_size(self) -> tuple[float, float]:
        """Width and height of a portrait page, in millimetres."""
        return float(self.data["page"]["largeur"]), float(self.data["page"]["hauteur"])

    def margins(self, orientation: str) -> tuple[float, float, float, float]:
        """Top, right, bottom and left margins in millimetres of ``portrait`` or ``paysage`` pages."""
        m = self.data["page"][orientation]
        return float(m["haut"]), float(m["droite"]), float(m["bas"]), float(m["gauche"])

    def text_width(self, orientation: str) -> float:
        """The width between the margins, in millimetres."""
        width, height = self.page_size
        _, right, _, left = self.margins(orientation)
        return (height if orientation == "paysage" else width) - right - left

    @cached_property
    def canevas_columns(self) -> tuple[tuple[str, float], ...]:
        """The canevas columns in the order they print, each with its share of the width in per cent."""
        widths = self.data["canevas"]["largeurs"]
        keys = self.data["canevas"]["colonnes"]
        total = sum(float(widths[k]) for k in keys)
        return tuple((k, 100 * float(widths[k]) / total) for k in keys)

    @property
    def fiche_rows(self) -> tuple[str, ...]:
        """The rows of a fiche action in the order they print, by their label (:func:`publisher.i18n.label`)."""
        return tuple(self.data["fiche"]["lignes"])

    @property
    def watermark(self) -> "Watermark":
        """The draft watermark (``[filigrane]`` and ``couleurs.filigrane``), as both formats draw it."""
        data = self.data["filigrane"]
        boxes = {lang: (float(data[lang]["largeur"]), float(data[lang]["hauteur"])) for lang in ("fr", "ar")}
        return Watermark(self.colour("filigrane"), float(data["opacite"]), float(data["angle"]),
                         bool(data["majuscules"]), tuple(sorted(boxes.items())))

    @property
    def logo_height(self) -> float:
        """The height of the cover's logos, in millimetres."""
        return float(self.data["logos"]["hauteur"])

    @property
    def logo_alignment(self) -> str:
        """Where the cover's logos sit in their line: ``start``, ``center`` or ``end``."""
        return ALIGNMENTS[self.data["logos"]["alignement"]]

    def fingerprint(self) -> str:
        """A hash of the charte: part of the fingerprint of every output of a plan that overrides it."""
        return hashlib.sha256(self.canonical.encode()).hexdigest()

    def css(self) -> str:
        """The stylesheet the PDF loads before the templates' own: custom properties and page boxes.

        ``@page`` rules take no ``var()`` (WeasyPrint, like the CSS specification, resolves custom
        properties on elements only), so the page sizes and margins are written out here.
        """
        root = [f"--couleur-{name.replace('_', '-')}: {self.colour(name)};" for name in sorted(self.data["couleurs"])]
        root += [f"--canevas-{key}: {share:.3f}%;" for key, share in self.canevas_columns]
        root += [f"--logos-hauteur: {self.logo_height:g}mm;", f"--logos-alignement: {self.logo_alignment};"]
        lines = [":root {", *(f"  {item}" for item in root), "}"]
        for lang in ("fr", "ar"):
            sizes = [f"  --taille-{name}: {self.size(lang, name):g}pt;" for name in sorted(self.data["tailles"][lang])]
            lines += [f'html[lang="{lang}"] {{', *sizes, "}"]
        width, height = self.page_size
        for selector, orientation, size in (("@page", "portrait", (width, height)),
                                            ("@page landscape", "paysage", (height, width))):
            top, right, bottom, left = self.margins(orientation)
            lines.append(f"{selector} {{ size: {size[0]:g}mm {size[1]:g}mm; "
                         f"margin: {top:g}mm {right:g}mm {bottom:g}mm {left:g}mm; }}")
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Watermark:
    """The draft watermark: the edition's word for "Projet" stretched into a box and turned, behind
    every page. The PDF draws it as outlines (:mod:`publisher.render.watermark`), the DOCX as Word's
    own watermark shape (:func:`publisher.render.ooxml.watermark`)."""

    colour: str  # "#rrggbb"
    opacity: float  # 0 (invisible) to 1
    angle: float  # degrees, rising to the right (counter-clockwise)
    uppercase: bool  # the word in capitals where the script has them ("PROJET")
    boxes: tuple[tuple[str, tuple[float, float]], ...]  # language -> (width, height) in points

    def box(self, lang: str) -> tuple[float, float]:
        """Width and height in points of the box the word is stretched into, for ``fr`` or ``ar``."""
        return dict(self.boxes)[lang]

    def word(self, word: str) -> str:
        """The word as the watermark prints it."""
        return word.upper() if self.uppercase else word


# --- the house's charte -------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _house_data() -> dict:
    try:
        return tomllib.loads(HOUSE_FILE.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RenderError(f"charte de la maison illisible : {HOUSE_FILE} ({exc})") from None


@lru_cache(maxsize=1)
def house() -> Charte:
    """The house's charte, ``assets/charte.toml``."""
    return Charte.of(_house_data())


# --- a plan's override --------------------------------------------------------------------------


def resolve(override: dict | None, text: str = "") -> tuple[Charte, list[Diagnostic]]:
    """The charte a plan is published with, and the problems of its override (``text`` locates them).

    Every problem is an error; the house's charte is returned whole when there is any.
    """
    if override is None:
        return house(), []
    problems: list[Diagnostic] = []
    merged = _merge(_house_data(), override, (), text, problems)
    if problems:
        return house(), problems
    return Charte.of(merged, from_plan=True), []


def _merge(house_node: dict, node: dict, path: tuple, text: str, problems: list) -> dict:
    merged = dict(house_node)
    for key, value in node.items():
        here = (*path, key)
        dotted = ".".join(here)
        if key not in house_node:
            problems.append(_problem(text, here, f"clé inconnue dans la charte : « {dotted} »", "charte.cle"))
        elif any(here[: len(fixed)] == fixed for fixed in FIXED):
            problems.append(_problem(text, here, f"« {dotted} » ne peut pas être changé par un plan "
                                     "(les polices, l'ordre des colonnes et des lignes sont ceux de la maison)",
                                     "charte.cle"))
        elif isinstance(house_node[key], dict):
            if isinstance(value, dict):
                merged[key] = _merge(house_node[key], value, here, text, problems)
            else:
                problems.append(_problem(text, here, f"« {dotted} » doit être une table ([{dotted}])", "charte.valeur"))
        else:
            message = _value_problem(here, value)
            if message:
                problems.append(_problem(text, here, message, "charte.couleur" if here[0] == "couleurs" else "charte.valeur"))
            else:
                merged[key] = value
    return merged


def _value_problem(path: tuple, value: Any) -> str | None:
    dotted = ".".join(path)
    if path[0] == "couleurs":
        if not isinstance(value, str) or not _COLOUR.match(value):
            return f"couleur invalide pour « {dotted} » : « {value} » (attendu : #rrggbb, par exemple #123a63)"
    elif path == ("logos", "alignement"):
        if value not in ALIGNMENTS:
            return f"alignement invalide « {value} » : {', '.join(ALIGNMENTS)} attendu"
    elif path == ("filigrane", "majuscules"):
        if not isinstance(value, bool):
            return f"valeur invalide pour « {dotted} » : « {value} » (true ou false attendu)"
    elif path == ("filigrane", "opacite"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
            return f"opacité invalide pour « {dotted} » : « {value} » (un nombre de 0 à 1 attendu, par exemple 0.14)"
    elif path == ("filigrane", "angle"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not -360 <= value <= 360:
            return f"angle invalide pour « {dotted} » : « {value} » (des degrés, de -360 à 360)"
    elif isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1000:
        return f"valeur invalide pour « {dotted} » : « {value} » (un nombre positif attendu)"
    return None


def _problem(text: str, path: tuple, message: str, rule: str) -> Diagnostic:
    return Diagnostic(locate(text, path), Severity.ERROR, "-", message, rule)


_HEADER = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*(?:#.*)?$")
_ASSIGN = re.compile(r"^(\s*)([A-Za-z0-9_.\"' -]+?)\s*=")


def locate(text: str, path: tuple) -> Location:
    """Where the key ``path`` is written in a charte.toml (its table header when the key is not found)."""
    table: tuple = ()
    best = Location(PLAN_FILE, 1, 1)
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = tuple(part.strip().strip("\"'") for part in header.group(1).split("."))
            if table == path:
                return Location(PLAN_FILE, number, line.index("[") + 1)
            if path[: len(table)] == table and len(table):
                best = Location(PLAN_FILE, number, line.index("[") + 1)
            continue
        assign = _ASSIGN.match(line)
        if assign:
            key = tuple(part.strip().strip("\"'") for part in assign.group(2).split("."))
            full = (*table, *key)
            if full == path:
                return Location(PLAN_FILE, number, len(assign.group(1)) + 1)
            inline = re.search(rf"\b{re.escape(path[-1])}\s*=", line)
            if inline and full == path[:-1]:  # a key of an inline table: couleurs = {titres = ...}
                return Location(PLAN_FILE, number, inline.start() + 1)
    return best


def syntax_problem(exc: tomllib.TOMLDecodeError) -> Diagnostic:
    """A TOML syntax error of a plan's charte.toml, located."""
    message = str(exc)
    found = re.search(r"\(at line (\d+), column (\d+)\)", message)
    line, col = (int(found.group(1)), int(found.group(2))) if found else (1, 1)
    reason = re.sub(r"\s*\(at line \d+, column \d+\)|\s*\(at end of document\)", "", message)
    return Diagnostic(Location(PLAN_FILE, line, col), Severity.ERROR, "-",
                      f"charte.toml illisible : syntaxe TOML invalide ({reason})", "charte.syntaxe")
