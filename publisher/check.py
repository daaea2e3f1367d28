"""The guide's rules -> a list of located diagnostics.

:func:`check` takes what :mod:`publisher.load` read, builds the model (pydantic rejects unknown keys
and wrong types) and applies every rule of the table in content-format.md, plus the safeguarding
family ``donnees.*``: a child-protection plan never publishes a child's or a family's personal data.
It collects every problem and raises nothing; the CLI decides what to do with them.

It also guards what the renderers will meet: the images they will draw (opened here, within pixel
and byte budgets), the file names the build will give (:mod:`publisher.names`), control characters
no document can hold, and characters the embedded typefaces lack (:mod:`publisher.fonts`).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from pydantic import BaseModel, ValidationError

from . import charte, fonts, markdown
from .errors import Diagnostic, Location, PlanError, PublisherError, Severity
from .load import LANGS, PLAN_FILE, RawPlan, inside, load, read_asset
from .names import controls, file_name, invisible
from .model import (
    describe,
    FICHE_PARTS,
    Action,
    EcheanceKind,
    Lang,
    ObjectifGeneral,
    ObjectifSpecifique,
    RESERVED,
    Plan,
    Priorite,
    Section,
    Statut,
    Text,
)

ERROR, WARNING = Severity.ERROR, Severity.WARNING


@dataclass
class Completeness:
    """How many bilingual texts exist in each language."""

    total: int = 0
    present: Counter = field(default_factory=Counter)


@dataclass
class CheckResult:
    """The model (when the plan could be read) and every diagnostic, sorted by file and line."""

    plan: Plan | None
    diagnostics: list[Diagnostic]
    completeness: Completeness

    @property
    def errors(self) -> list[Diagnostic]:
        """The diagnostics of severity error."""
        return [d for d in self.diagnostics if d.severity is ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        """The diagnostics of severity warning."""
        return [d for d in self.diagnostics if d.severity is WARNING]


def load_checked(root: Path | str, strict: bool = False) -> CheckResult:
    """Load and check a plan folder; raise :class:`PlanError` when it cannot be published."""
    result = check(load(root))
    if result.errors or (strict and result.warnings) or result.plan is None:
        raise PlanError(result.diagnostics)
    return result


def check(raw: RawPlan) -> CheckResult:
    """Every diagnostic of a plan folder, and its model when the structure is sound."""
    checker = _Checker(raw)
    checker.run()
    style, problems = charte.resolve(raw.charte, raw.charte_text)  # the plan's charte.toml over the house's
    checker.out += problems
    plan = checker.plan.model_copy(update={"charte": style}) if checker.plan is not None else None
    diagnostics = sorted(set(checker.out), key=lambda d: (d.sort_key, d.rule, d.message))
    return CheckResult(plan, diagnostics, checker.completeness)


# --- pydantic errors, in French -----------------------------------------------------------------

_EXPECTED = {
    "string_type": "texte attendu",
    "int_type": "nombre entier attendu",
    "int_parsing": "nombre entier attendu",
    "int_from_float": "nombre entier attendu",
    "list_type": "liste attendue",
    "tuple_type": "liste attendue",
    "dict_type": "dictionnaire (clé: valeur) attendu",
    "model_type": "dictionnaire (clé: valeur) attendu",
    "model_attributes_type": "dictionnaire (clé: valeur) attendu",
    "greater_than_equal": "nombre entier supérieur ou égal à 1 attendu",
    "string_pattern_mismatch": "nom de section attendu (lettres, chiffres, - et _)",
}


class _Checker:
    """One pass over a raw plan, appending to ``out``."""

    def __init__(self, raw: RawPlan):
        self.raw = raw
        self.out: list[Diagnostic] = list(raw.diagnostics)
        self.plan: Plan | None = None
        self.completeness = Completeness()
        self.lenient = True  # severity of translation/fiche gaps: warnings until statut is valide
        self.assets: dict[str, bytes] = {}  # the files inside the plan that the content shows, checked
        self.strings: list[tuple[tuple, str]] = []  # every string of plan.yaml, with its path

    # -- helpers

    def add(self, loc: Location, severity: Severity, code: str, message: str, rule: str) -> None:
        self.out.append(Diagnostic(loc, severity, code, message, rule))

    def at(self, path: tuple, severity: Severity, message: str, rule: str, key: bool = False) -> None:
        loc = self.raw.where_key(path) if key else self.raw.where(path)
        self.add(loc, severity, self.raw.code_at(path), message, rule)

    @property
    def gap(self) -> Severity:
        """Severity of a missing translation or fiche element."""
        return WARNING if self.lenient else ERROR

    # -- the pass

    def run(self) -> None:
        data = self.raw.data
        if data is None:
            return
        if not isinstance(data, dict):
            self.add(Location(PLAN_FILE, 1, 1), ERROR, "-", "plan.yaml doit être un dictionnaire de clés", "type.invalide")
            return
        self.lenient = data.get("statut") != Statut.VALIDE.value
        self.strings = list(_walk_strings(data, ()))
        self._privacy(data)
        self._characters()
        self._narrative_markdown()
        reserved = [key for key in RESERVED if key in data]
        for key in reserved:
            self.at((key,), ERROR, f"clé inconnue : « {key} »", "cle.inconnue", key=True)
        if reserved:
            return
        try:
            plan = Plan.model_validate(_without_nulls(data))
        except ValidationError as exc:
            self._pydantic(exc)
            return
        sections = tuple(
            Section(name, *(self._section_text(name, lang) for lang in LANGS)) for name in plan.narratif
        )
        self.plan = plan.model_copy(update={"sections": sections})
        self._rules(self.plan)
        self.plan = self.plan.model_copy(update={"assets": dict(self.assets)})

    def _section_text(self, name: str, lang: str) -> str | None:
        source = self.raw.narratives.get(name, {}).get(lang)
        return source.text if source and source.text.strip() else None

    def _pydantic(self, exc: ValidationError) -> None:
        for err in exc.errors(include_url=False):
            path = tuple(err["loc"])
            kind = err["type"]
            key = path[-1] if path else ""
            if kind == "missing":
                self.at(path[:-1], ERROR, f"clé obligatoire absente : « {key} »", "cle.requise", key=True)
            elif kind == "extra_forbidden":
                self.at(path, ERROR, f"clé inconnue : « {key} »", "cle.inconnue", key=True)
            elif kind in _EXPECTED:
                found = describe(err.get("input"))
                self.at(path, ERROR, f"valeur invalide pour « {key} » : {_EXPECTED[kind]}, trouvé « {found} »",
                        "type.invalide")
            elif "." in kind:  # our own PydanticCustomError, named after its rule
                self.at(path, ERROR, err["msg"], kind)
            else:
                self.at(path, ERROR, f"valeur invalide pour « {key} » : {describe(err.get('input'))}",
                        "type.invalide")

    # -- the guide's rules on the model

    def _rules(self, plan: Plan) -> None:
        self._texts(plan)
        self._codes(plan)
        self._structure(plan)
        self._narratives(plan)
        self._validation(plan)
        self._files(plan)

    def _texts(self, plan: Plan) -> None:
        """Translation completeness, and Markdown fields' issues."""
        for path, text, is_md in _walk_texts(plan, ()):
            self.completeness.total += 1
            for lang in Lang:
                if text.has(lang):
                    self.completeness.present[lang] += 1
            missing = [lang for lang in Lang if not text.has(lang)]
            if len(missing) == 1:
                other = "arabe" if missing[0] is Lang.AR else "français"
                self.at(path, self.gap, f"traduction manquante en {other} ({_path_name(path)})",
                        "traduction.manquante")
            if is_md:
                for lang in Lang:
                    if text.has(lang):
                        self._markdown(text[lang], self.raw.where((*path, lang.value)), self.raw.code_at(path))

    def _codes(self, plan: Plan) -> None:
        seen: dict[str, Location] = {}
        names: dict[str, tuple[str, Location]] = {}  # fiche file names (folded case) -> code
        for path, node in plan.walk():
            loc = self.raw.where((*path, "code"))
            if node.code in seen:
                first = seen[node.code]
                self.add(loc, ERROR, node.code, f"code déjà utilisé (première fois ligne {first.line})", "code.double")
                continue
            seen[node.code] = loc
            self._name(node.code, "code", loc, node.code)
            if isinstance(node, Action):
                self._collision(names, node.code, loc, node.code, "code")
        keys: dict[str, tuple[str, Location]] = {}
        for key in plan.acteurs:
            loc = self.raw.where_key(("acteurs", key))
            self._name(key, "clé d'acteur", loc, "-")
            self._collision(keys, key, loc, "-", "clé d'acteur")

    def _name(self, value: str, what: str, loc: Location, code: str) -> None:
        """A code or key names files: no invisible character may hide in it."""
        hidden = invisible(value)
        if hidden:
            self.add(loc, ERROR, code, f"{what} « {value} » : caractère(s) invisible(s) {', '.join(hidden[:5])}",
                     "code.invisible")

    def _collision(self, names: dict, value: str, loc: Location, code: str, what: str) -> None:
        """Two codes or keys that would give the same output file: one would silently replace the other."""
        name = file_name(value).casefold()  # a disk may ignore case
        if name in names and names[name][0] != value:
            other, first = names[name]
            self.add(loc, ERROR, code,
                     f"{what} « {value} » : même nom de fichier que « {other} » (ligne {first.line}), "
                     f"« {file_name(value)} » ; choisissez un autre {what}", "nom.collision")
        else:
            names.setdefault(name, (value, loc))

    def _structure(self, plan: Plan) -> None:
        if plan.periode.debut > plan.periode.fin:
            self.at(("periode",), ERROR, "période invalide : début après la fin", "periode.ordre")
        for path, node in plan.walk():
            if isinstance(node, Priorite) and not node.objectifs_generaux:
                self.at(path, ERROR, "priorité sans objectif général", "priorite.sans_og", key=True)
            elif isinstance(node, ObjectifGeneral) and not node.objectifs_specifiques:
                self.at(path, ERROR, "objectif général sans objectif spécifique", "og.sans_os", key=True)
            elif isinstance(node, ObjectifSpecifique):
                if not node.actions:
                    self.at(path, ERROR, "objectif spécifique sans action", "os.sans_action", key=True)
                self._infinitive(path, node.intitule, "objectif spécifique")
            elif isinstance(node, Action):
                self._action(plan, path, node)

    def _infinitive(self, path: tuple, title: Text, what: str) -> None:
        if title.has(Lang.FR) and not starts_with_infinitive(title.fr):
            first = title.fr.split()[0]
            self.at((*path, "intitule"), WARNING,
                    f"l'intitulé de l'{what} devrait commencer par un verbe à l'infinitif (« {first} »)",
                    "intitule.infinitif")

    def _action(self, plan: Plan, path: tuple, action: Action) -> None:
        self._infinitive(path, action.intitule, "action")
        if not action.pilotes:
            self.at(path, ERROR, "action sans pilote", "pilote.requis", key=True)
        for i, pilote in enumerate(action.pilotes):
            ppath = (*path, "pilotes", i)
            if pilote.nom is None or not (pilote.nom.has(Lang.FR) or pilote.nom.has(Lang.AR)):
                self.at(ppath, WARNING, "pilote désigné par son poste ou sa structure, sans nom de personne",
                        "pilote.nom", key=True)
            if pilote.acteur is not None and pilote.acteur not in plan.acteurs:
                self.at((*ppath, "acteur"), ERROR, f"acteur « {pilote.acteur} » absent de la liste des acteurs",
                        "acteur.inconnu")
        for i, key in enumerate(action.partenaires):
            if key not in plan.acteurs:
                self.at((*path, "partenaires", i), ERROR, f"partenaire « {key} » absent de la liste des acteurs",
                        "acteur.inconnu")
        if action.budget.montant < 0:
            self.at((*path, "budget", "montant"), ERROR, f"budget négatif ({action.budget.montant})",
                    "budget.negatif")
        due = action.echeance
        if due.kind is not EcheanceKind.CONTINU and (due.end < plan.periode.start or due.start > plan.periode.end):
            self.at((*path, "echeance"), WARNING,
                    f"échéance {due} hors de la période {plan.periode.debut}-{plan.periode.fin}", "echeance.periode")
        missing = [part for part in FICHE_PARTS if not _any_lang(getattr(action.fiche, part))]
        if not (action.ressources.humaines or action.ressources.materielles):
            missing.append("ressources")
        if not action.indicateurs:
            missing.append("indicateurs")
        if missing:
            where = (*path, "fiche") if "fiche" in self.raw.data_at(path) else path
            self.at(where, self.gap, f"fiche action incomplète : {', '.join(missing)} manquant(s)",
                    "fiche.incomplete", key=True)

    def _narratives(self, plan: Plan) -> None:
        for i, section in enumerate(plan.sections):
            if not section.fr and not section.ar:
                self.at(("narratif", i), ERROR,
                        f"section « {section.key} » introuvable : ni fr/{section.key}.md ni ar/{section.key}.md",
                        "narratif.manquant")
                continue
            self.completeness.total += 1
            for lang in Lang:
                if section[lang]:
                    self.completeness.present[lang] += 1
                else:
                    self.at(("narratif", i), self.gap,
                            f"traduction manquante : fichier {lang.value}/{section.key}.md absent ou vide",
                            "traduction.manquante")

    def _validation(self, plan: Plan) -> None:
        if plan.revisions:
            dates = [r.date for r in plan.revisions]
            for i in range(1, len(dates)):
                if dates[i] < dates[i - 1]:
                    self.at(("revisions", i, "date"), ERROR, "révisions hors de l'ordre des dates", "revisions.ordre")
            if plan.version < max(dates):
                self.at(("version",), ERROR,
                        f"version {plan.version} antérieure à la dernière révision ({max(dates)})", "version.revision")
        if plan.statut is not Statut.VALIDE:
            return
        val = plan.validation
        problems = []
        if val is None:
            problems.append("bloc validation absent")
        else:
            if val.date is None:
                problems.append("date absente")
            elif val.date < plan.version:
                problems.append(f"date {val.date} antérieure à la version {plan.version}")
            if val.instance is None:
                problems.append("instance absente")
            if not any(s.nom and s.qualite for s in val.signataires):
                problems.append("aucun signataire avec nom et qualité")
        if problems:
            path = ("validation",) if val is not None else ("statut",)
            self.at(path, ERROR, f"plan validé sans validation complète : {'; '.join(problems)}",
                    "validation.incomplete", key=True)

    def _files(self, plan: Plan) -> None:
        for i, logo in enumerate(plan.logos):
            problem = self._asset(logo)
            if problem:
                shown = self.raw.data_at(("logos", i))
                self.at(("logos", i), ERROR, f"logo « {describe(shown)} » : {problem[0]}", problem[1])

    def _asset(self, key: str) -> tuple[str, str] | None:
        """Why a file named in the content is refused (message, rule), or None once read and kept.

        ``key`` is already what the renderers look up (:func:`publisher.names.asset_key`); the file must
        lie inside the plan folder, links followed, and be a PNG, JPEG or SVG image within the budgets.
        """
        if key in self.assets:
            return None
        if not key:
            return "chemin vide", "logo.chemin"
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^[/\\]", key):
            return "seul un fichier du dossier du plan est admis", "logo.chemin"
        if controls(key, allowed=""):
            return "chemin invalide (caractère de contrôle)", "logo.chemin"
        if key == ".." or key.startswith("../"):
            return "le chemin sort du dossier du plan", "logo.chemin"
        target = self.raw.root / key
        if not inside(self.raw.root, target):
            return "mène hors du dossier du plan (lien symbolique) : fichier non lu", "fichier.hors_plan"
        try:
            if not target.is_file():
                return "fichier introuvable", "logo.chemin"
            size = target.stat().st_size
        except (OSError, ValueError):  # a name too long for the disk
            return "chemin invalide", "logo.chemin"
        if size > MAX_IMAGE_BYTES:
            return f"image trop lourde ({size // 1_000_000} Mo, au plus {MAX_IMAGE_BYTES // 1_000_000} Mo)", "image.trop_grande"
        try:
            data = read_asset(self.raw.root, key)
        except (OSError, PublisherError):
            return "fichier illisible", "logo.chemin"
        problem = image_problem(key, data)
        if problem:
            return problem
        self.assets[key] = data
        return None

    # -- Markdown and personal data, on the raw content

    def _markdown(self, text: str, origin: Location, code: str) -> None:
        doc = markdown.parse(text)
        for issue in doc.issues:
            loc = Location(origin.file, origin.line + issue.line, origin.col if not issue.line else 1)
            self.add(loc, ERROR if issue.error else WARNING, code, issue.message, issue.rule)
        for line, src in doc.images:
            problem = self._asset(src)
            if problem:
                loc = Location(origin.file, origin.line + line, 1)
                rule = "markdown.image" if problem[1] == "logo.chemin" else problem[1]
                self.add(loc, ERROR, code, f"image « {src} » : {problem[0]}", rule)

    def _narrative_markdown(self) -> None:
        for texts in self.raw.narratives.values():
            for source in texts.values():
                if source is not None:
                    self._markdown(source.text, source.location, "-")

    def _privacy(self, data: dict) -> None:
        contacts = data.get("contacts_institutionnels")
        contacts = contacts if isinstance(contacts, list) else []
        allowed = {_contact_key(searchable(c)) for c in contacts if isinstance(c, str)}
        allowed |= {c for path, c in self.strings if path[-1:] == ("code",)}  # the plan's own codes
        severity = self.gap
        for path, text in self.strings:
            if path[:1] == ("contacts_institutionnels",):
                continue
            for offset, rule, found in find_personal_data(text, allowed):
                origin = self.raw.where(path)
                line = origin.line + offset
                self.add(Location(PLAN_FILE, line, origin.col if not offset else 1), severity,
                         self.raw.code_at(path), _PRIVACY_MESSAGES[rule].format(found), rule)
        for texts in self.raw.narratives.values():
            for source in texts.values():
                if source is None:
                    continue
                for offset, rule, found in find_personal_data(source.text, allowed):
                    self.add(Location(source.location.file, offset + 1, 1), severity, "-",
                             _PRIVACY_MESSAGES[rule].format(found), rule)

    def _characters(self) -> None:
        """Control characters no document can hold, and characters the edition's typeface lacks."""
        for path, text in self.strings:
            if text.isascii() and text.isprintable():
                continue  # the common case: nothing to find, no location to compute
            problems = self._text_characters(text, _faces_of(path))
            if problems:
                origin, code = self.raw.where(path), self.raw.code_at(path)
                for offset, severity, message, rule in problems:
                    self.add(_at_offset(origin, offset), severity, code, message, rule)
        for texts in self.raw.narratives.values():
            for lang, source in texts.items():
                if source is not None:
                    for offset, severity, message, rule in self._text_characters(source.text, (Lang(lang),)):
                        self.add(_at_offset(source.location, offset), severity, "-", message, rule)

    @staticmethod
    def _text_characters(text: str, langs: tuple[Lang, ...]) -> list[tuple[int, Severity, str, str]]:
        out = []
        for char in controls(text):
            offset = text.count("\n", 0, text.index(char))
            out.append((offset, ERROR, f"caractère de contrôle U+{ord(char):04X} dans le texte : à retirer",
                        "texte.controle"))
        for lang in langs:
            lacking = [c for c in fonts.missing(text, lang) if not controls(c)]
            if not lacking:
                continue
            offset = text.count("\n", 0, text.index(lacking[0]))
            shown = ", ".join(f"« {c} » (U+{ord(c):04X})" for c in lacking[:5])
            out.append((offset, WARNING, f"caractère(s) absent(s) de la police {fonts.family(lang)} : {shown} ; "
                        f"le PDF imprime « {fonts.REPLACEMENT} » à la place", "police.caractere"))
        return out


MAX_IMAGE_BYTES = 20_000_000
MAX_PIXELS = 50_000_000  # a decompression bomb is a small file with a huge image
_IMAGE_KINDS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".svg": "SVG"}
# An SVG is a document: entities can expand without bound, and a reference to another file would be
# refused by the PDF's fetcher in the middle of a build. Internal references (#id) and data: URLs are fine.
_SVG_OUTSIDE = re.compile(rb"<!ENTITY|(?:href|src)\s*=\s*[\"'](?!\s*(?:#|data:))|url\(\s*[\"']?(?!\s*(?:#|data:))|@import",
                          re.IGNORECASE)


def image_problem(key: str, data: bytes) -> tuple[str, str] | None:
    """Why the bytes of an image file cannot be printed (message, rule), or None.

    The renderers choose a decoder from the file's extension: the bytes must be of that kind, and a
    raster image must stay within :data:`MAX_PIXELS`.
    """
    suffix = ("." + key.rsplit(".", 1)[-1].lower()) if "." in key.rsplit("/", 1)[-1] else ""
    kind = _IMAGE_KINDS.get(suffix)
    if kind is None:
        return "format non admis : une image PNG, JPEG ou SVG est attendue (.png, .jpg, .svg)", "image.invalide"
    found = _sniff(data)
    if found is None or found[0] != kind:
        what = f"est une image {found[0]}" if found else "n'est pas une image lisible"
        return f"le fichier {what}, pas une image {kind} comme l'annonce son extension", "image.invalide"
    if kind == "SVG" and _SVG_OUTSIDE.search(data):
        return ("image SVG qui déclare des entités XML ou appelle un autre fichier : seule une image SVG "
                "autonome est admise", "image.invalide")
    _, width, height = found
    if width * height > MAX_PIXELS:
        return (f"image de {width} × {height} pixels : au plus {MAX_PIXELS // 1_000_000} mégapixels",
                "image.trop_grande")
    if kind != "SVG" and not (width and height):
        return "image sans dimensions lisibles", "image.invalide"
    return None


def _sniff(data: bytes) -> tuple[str, int, int] | None:
    """The kind and pixel size of an image from its first bytes (SVG: 0 × 0, it is drawn, not decoded)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and len(data) >= 24:
        return "PNG", int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG", *_jpeg_size(data)
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE svg")) and b"<svg" in data[:65536]:
        return "SVG", 0, 0
    return None


def _jpeg_size(data: bytes) -> tuple[int, int]:
    """Width and height from a JPEG's frame header (0, 0 when none is found)."""
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return 0, 0
        marker = data[i + 1]
        if marker == 0xFF:  # padding
            i += 1
            continue
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return int.from_bytes(data[i + 7 : i + 9], "big"), int.from_bytes(data[i + 5 : i + 7], "big")
        i += 2 + length
    return 0, 0


def _at_offset(origin: Location, offset: int) -> Location:
    return Location(origin.file, origin.line + offset, origin.col if not offset else 1)


_PRINTED_IN_BOTH = ("code", "nom", "sigle")  # plain strings printed as they are in both editions


def _faces_of(path: tuple) -> tuple[Lang, ...]:
    """The editions a string of plan.yaml is printed in: by its language key, or both for a code or a name."""
    if path[-1:] in (("fr",), ("ar",)):
        return (Lang(path[-1]),)
    if path[-1:] and path[-1] in _PRINTED_IN_BOTH:
        return (Lang.FR, Lang.AR)
    return ()


def _without_nulls(node: Any) -> Any:
    """The data without keys left empty (``pilotes:``): an empty key means the same as an absent one."""
    if isinstance(node, dict):
        return {k: _without_nulls(v) for k, v in node.items() if v is not None}
    if isinstance(node, list):
        return [_without_nulls(v) for v in node]
    return node


def _any_lang(text: Text | None) -> bool:
    return text is not None and (text.has(Lang.FR) or text.has(Lang.AR))


def _path_name(path: tuple) -> str:
    """The field's name within its object: ``suivi``, ``fiche.contexte``, ``pilotes.nom``."""
    tail = []
    for step in reversed(path):
        if isinstance(step, int):
            break
        tail.append(step)
    return ".".join(reversed(tail)) or ".".join(str(p) for p in path)


def _walk_texts(node: Any, path: tuple) -> Iterator[tuple[tuple, Text, bool]]:
    """Every bilingual text of the model with its path; True for Markdown fields."""
    if isinstance(node, Text):
        yield path, node, bool(path) and path[-2:-1] == ("fiche",)
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            if name != "sections":
                yield from _walk_texts(getattr(node, name), (*path, name))
    elif isinstance(node, (list, tuple)):
        for i, item in enumerate(node):
            yield from _walk_texts(item, (*path, i))
    elif isinstance(node, dict):
        for key, item in node.items():
            yield from _walk_texts(item, (*path, key))


def _walk_strings(node: Any, path: tuple) -> Iterator[tuple[tuple, str]]:
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, item in node.items():
            yield from _walk_strings(item, (*path, key))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _walk_strings(item, (*path, i))


# --- infinitives ----------------------------------------------------------------------------

_NOT_VERBS = {
    "centre", "cadre", "premier", "dernier", "ordre", "nombre", "membre", "registre", "titre", "notre",
    "votre", "entre", "contre", "autre", "quatre", "plaisir", "avenir", "loisir", "désir", "soir", "espoir",
    "pouvoir", "devoir", "savoir", "mer", "hier", "fer", "chef", "dossier", "atelier", "quartier", "foyer",
    "calendrier", "budget", "programme", "guide",
}


def starts_with_infinitive(title: str) -> bool:
    """Whether a French title starts with a verb in the infinitive (pronominal ones included)."""
    words = title.replace("’", "'").split()
    if not words:
        return False
    first = words[0].lower()
    if first.startswith("s'"):
        first = first[2:]
    elif first == "se" and len(words) > 1:
        first = words[1].lower()
    first = unicodedata.normalize("NFC", first.strip(",.;:"))
    return first not in _NOT_VERBS and first.endswith(("er", "ir", "re", "oir"))


# --- personal data ----------------------------------------------------------------------------

_PRIVACY_MESSAGES = {
    "donnees.telephone": "numéro de téléphone « {} » : donnée personnelle interdite, à retirer (une ligne "
                         "institutionnelle, comme un numéro vert, se déclare dans contacts_institutionnels)",
    "donnees.email": "adresse e-mail « {} » : donnée personnelle interdite, à retirer (une adresse de service "
                     "se déclare dans contacts_institutionnels)",
    "donnees.cin": "numéro de carte d'identité (CIN) « {} » : donnée personnelle interdite",
    "donnees.dossier": "numéro de dossier « {} » : donnée personnelle interdite",
    "donnees.prenom_age": "prénom suivi d'un âge « {} » : un enfant ne doit jamais être identifiable",
}

_ARABIC_WORD = "[\u0621-\u064a]{2,}"
_PRIVACY_PATTERNS = [
    ("donnees.email", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("donnees.telephone", re.compile(
        r"(?<![\w+])(?:(?:\+|00)\s?212[\s.-]?\(?0?\)?|0)[5-8](?:[\s.-]?\d){8}(?!\d)"
        r"|(?<![\w+])\+\d{1,3}(?:[\s.-]?\d){7,12}(?!\d)")),
    ("donnees.cin", re.compile(r"(?<![\w.])[A-Z]{1,2}\d{5,6}(?![\w.])")),
    ("donnees.dossier", re.compile(
        r"(?i:dossier|affaire|ملف|القضية)\s*(?:(?i:n°|no\.?|num(?:éro)?\.?|رقم)\s*)?:?\s*\d+(?:\s*[/-]\s*\d+)+"
        r"|(?<![\d/])\d{1,6}/\d{4}/\d{1,6}(?![\d/])")),
    ("donnees.prenom_age", re.compile(
        r"\b[A-ZÀ-Ý][a-zà-ÿ]{2,}\s*(?:,|\()\s*(?:âgée?\s+de\s+)?\d{1,2}\s*ans\b"
        r"|\b[A-ZÀ-Ý][a-zà-ÿ]{2,},?\s+âgée?\s+de\s+\d{1,2}\s*ans\b"
        rf"|{_ARABIC_WORD}\s*[،,(]\s*(?:(?:البالغة?|ال?عمرها|عمره)\s+(?:من\s+العمر\s+)?)?\d{{1,2}}\s*(?:سنة|سنوات|عاما)"
        rf"|{_ARABIC_WORD}\s+(?:البالغة?|ذات|ذو)\s+(?:من\s+العمر\s+)?\d{{1,2}}\s*(?:سنة|سنوات|عاما)")),
]


def _contact_key(text: str) -> str:
    """Normalise a contact for comparison: digits only for numbers, lower case otherwise."""
    digits = re.sub(r"\D", "", text)
    return digits if "@" not in text and len(digits) >= 6 else text.strip().lower()


_DIGIT_OR_AT = re.compile(r"[\d@\uff20\ufe6b]")  # \d: every script's digits; the full-width and small @
_PRIVACY = re.compile("|".join(f"(?P<{rule.replace('.', '_')}>{pattern.pattern})" for rule, pattern in _PRIVACY_PATTERNS))


_DIGITS = {0x0660 + i: str(i) for i in range(10)} | {0x06F0 + i: str(i) for i in range(10)}


def searchable(text: str) -> str:
    """``text`` as the safeguarding rules read it: NFKC (full-width digits and ＠ become ASCII), Arabic-Indic
    digits as ASCII, format characters (zero-width spaces, bidi marks) removed; line by line, so that line
    offsets stay those of the source."""
    lines = []
    for line in text.split("\n"):
        line = unicodedata.normalize("NFKC", line.translate(_DIGITS))
        lines.append("".join(c for c in line if unicodedata.category(c) != "Cf").replace("\n", " "))
    return "\n".join(lines)


def find_personal_data(text: str, allowed: set[str] = frozenset()) -> Iterator[tuple[int, str, str]]:
    """(line offset, rule, what was found) for each piece of personal data in ``text``.

    ``allowed`` holds the declared institutional contacts (as :func:`_contact_key` makes them) and the
    plan's own codes, which are never personal data.
    """
    if not _DIGIT_OR_AT.search(text):  # every kind of personal data sought has a digit or an @
        return
    text = searchable(text)
    for match in _PRIVACY.finditer(text):
        found = match.group(0).strip()
        if found in allowed or _contact_key(found) in allowed:
            continue
        rule = match.lastgroup.replace("_", ".", 1)
        yield text.count("\n", 0, match.start()), rule, found
