"""The guide's rules -> a list of located diagnostics.

:func:`check` takes what :mod:`publisher.load` read, builds the model (pydantic rejects unknown keys
and wrong types) and applies every rule of the table in content-format.md, plus the safeguarding
family ``donnees.*``: a child-protection plan never publishes a child's or a family's personal data.
It collects every problem and raises nothing; the CLI decides what to do with them.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from pydantic import BaseModel, ValidationError

from . import markdown
from .errors import Diagnostic, Location, PlanError, Severity
from .load import LANGS, PLAN_FILE, RawPlan, load, read_assets
from .model import (
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
    diagnostics = sorted(set(checker.out), key=lambda d: (d.sort_key, d.rule, d.message))
    return CheckResult(checker.plan, diagnostics, checker.completeness)


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


def _describe(value: Any) -> str:
    text = str(value).replace("\n", " ")
    return text if len(text) <= 40 else text[:39] + "…"


class _Checker:
    """One pass over a raw plan, appending to ``out``."""

    def __init__(self, raw: RawPlan):
        self.raw = raw
        self.out: list[Diagnostic] = list(raw.diagnostics)
        self.plan: Plan | None = None
        self.completeness = Completeness()
        self.lenient = True  # severity of translation/fiche gaps: warnings until statut is valide
        self.assets: list[str] = []  # the files inside the plan that the content shows

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
        self._privacy(data)
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
        self.plan = self.plan.model_copy(update={"assets": read_assets(self.raw.root, self.assets)})

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
                found = _describe(err.get("input"))
                self.at(path, ERROR, f"valeur invalide pour « {key} » : {_EXPECTED[kind]}, trouvé « {found} »",
                        "type.invalide")
            elif "." in kind:  # our own PydanticCustomError, named after its rule
                self.at(path, ERROR, err["msg"], kind)
            else:
                self.at(path, ERROR, f"valeur invalide pour « {key} » : {_describe(err.get('input'))}",
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
        for path, node in plan.walk():
            loc = self.raw.where((*path, "code"))
            if node.code in seen:
                first = seen[node.code]
                self.add(loc, ERROR, node.code, f"code déjà utilisé (première fois ligne {first.line})", "code.double")
            else:
                seen[node.code] = loc

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
                    self.add(Location(f"{lang.value}/{section.key}.md"), self.gap, "-",
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
            problem = self._inside(logo)
            if problem:
                self.at(("logos", i), ERROR, f"logo « {logo} » : {problem}", "logo.chemin")
            else:
                self.assets.append(logo)

    def _inside(self, relative: str) -> str | None:
        """Why a path named in the content is refused, or None when it is a file inside the plan."""
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^[/\\]", relative):
            return "seul un fichier du dossier du plan est admis"
        target = (self.raw.root / relative).resolve()
        if not target.is_relative_to(self.raw.root):
            return "le chemin sort du dossier du plan"
        if not target.is_file():
            return "fichier introuvable"
        return None

    # -- Markdown and personal data, on the raw content

    def _markdown(self, text: str, origin: Location, code: str) -> None:
        doc = markdown.parse(text)
        for issue in doc.issues:
            loc = Location(origin.file, origin.line + issue.line, origin.col if not issue.line else 1)
            self.add(loc, ERROR if issue.error else WARNING, code, issue.message, issue.rule)
        for line, src in doc.images:
            problem = self._inside(src)
            if problem:
                loc = Location(origin.file, origin.line + line, 1)
                self.add(loc, ERROR, code, f"image « {src} » : {problem}", "markdown.image")
            else:
                self.assets.append(src)

    def _narrative_markdown(self) -> None:
        for texts in self.raw.narratives.values():
            for source in texts.values():
                if source is not None:
                    self._markdown(source.text, source.location, "-")

    def _privacy(self, data: dict) -> None:
        allowed = {_contact_key(c) for c in data.get("contacts_institutionnels") or [] if isinstance(c, str)}
        severity = self.gap
        for path, text in _walk_strings(data, ()):
            if path[:1] == ("contacts_institutionnels",):
                continue
            origin = self.raw.where(path)
            for offset, rule, found in find_personal_data(text, allowed):
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


_DIGIT_OR_AT = re.compile(r"[\d@]")
_PRIVACY = re.compile("|".join(f"(?P<{rule.replace('.', '_')}>{pattern.pattern})" for rule, pattern in _PRIVACY_PATTERNS))


def find_personal_data(text: str, allowed: set[str] = frozenset()) -> Iterator[tuple[int, str, str]]:
    """(line offset, rule, what was found) for each piece of personal data in ``text``."""
    if not _DIGIT_OR_AT.search(text):  # every kind of personal data sought has a digit or an @
        return
    for match in _PRIVACY.finditer(text):
        found = match.group(0).strip()
        if _contact_key(found) in allowed:
            continue
        rule = match.lastgroup.replace("_", ".", 1)
        yield text.count("\n", 0, match.start()), rule, found
