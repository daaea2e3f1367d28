"""The guide's rules on the model: codes and names, the plan's structure, the actions and their fiches,
translations, narrative sections, validation and revisions (content-format.md)."""

from __future__ import annotations

import unicodedata
from ..errors import Location, Severity
from ..model import (
    FICHE_PARTS,
    Action,
    EcheanceKind,
    Lang,
    ObjectifGeneral,
    ObjectifSpecifique,
    Plan,
    Priorite,
    Statut,
    Text,
)
from ..names import file_name, invisible
from .registry import GAP, rule
from .run import Run, walk_texts

ERROR, WARNING = Severity.ERROR, Severity.WARNING

CODE_DOUBLE = rule("code.double", ERROR, "a code used twice")
CODE_INVISIBLE = rule("code.invisible", ERROR, "a code or acteur key holding an invisible or control character "
                      "(zero-width space, bidi mark, line break)")
NOM_COLLISION = rule("nom.collision", ERROR, "two action codes or two acteur keys that give one file name (`A_1` "
                     "and `A/1`, `A1` and `a1`)")
ACTEUR_INCONNU = rule("acteur.inconnu", ERROR, "a pilot's `acteur` or a partner that is not in `acteurs`")
PRIORITE_SANS_OG = rule("priorite.sans_og", ERROR, "a priority with no objectif général")
OG_SANS_OS = rule("og.sans_os", ERROR, "an objectif général with no objectif spécifique")
OS_SANS_ACTION = rule("os.sans_action", ERROR, "an objectif spécifique with no action")
PILOTE_REQUIS = rule("pilote.requis", ERROR, "an action with no pilote")
PILOTE_NOM = rule("pilote.nom", WARNING, "a pilote given by post or structure only, with no person's name")
INTITULE_INFINITIF = rule("intitule.infinitif", WARNING, "an objectif spécifique or action whose French title "
                          "does not start with an infinitive")
BUDGET_NEGATIF = rule("budget.negatif", ERROR, "a negative budget")
ECHEANCE_PERIODE = rule("echeance.periode", WARNING, "an échéance outside the plan's période")
PERIODE_ORDRE = rule("periode.ordre", ERROR, "a période that ends before it starts")
TRADUCTION_MANQUANTE = rule("traduction.manquante", GAP, "one language empty or absent")
FICHE_INCOMPLETE = rule("fiche.incomplete", GAP, "a fiche element missing: contexte, public visé, objectifs, "
                        "modalités, ressources or indicateurs")
NARRATIF_MANQUANT = rule("narratif.manquant", ERROR, "a section listed in `narratif` missing in both languages")
VALIDATION_INCOMPLETE = rule("validation.incomplete", ERROR, "`statut: valide` without a date (not before "
                             "`version`), an instance and a signataire with nom and qualité")
VERSION_REVISION = rule("version.revision", ERROR, "`version` earlier than the newest revision")
REVISIONS_ORDRE = rule("revisions.ordre", ERROR, "revisions out of date order")


def apply(run: Run, plan: Plan) -> None:
    """Every rule of the guide on a model that pydantic accepted."""
    _translations(run, plan)
    _codes(run, plan)
    _structure(run, plan)
    _narratives(run, plan)
    _validation(run, plan)


def _translations(run: Run, plan: Plan) -> None:
    """Every bilingual text of plan.yaml: counted per language, and reported when one language is missing."""
    for path, text, _ in walk_texts(plan, ()):
        run.completeness.total += 1
        for lang in Lang:
            if text.has(lang):
                run.completeness.present[lang] += 1
        missing = [lang for lang in Lang if not text.has(lang)]
        if len(missing) == 1:
            other = "arabe" if missing[0] is Lang.AR else "français"
            run.at(path, f"traduction manquante en {other} ({_path_name(path)})", TRADUCTION_MANQUANTE)


def _codes(run: Run, plan: Plan) -> None:
    seen: dict[str, Location] = {}
    names: dict[str, tuple[str, Location]] = {}  # fiche file names (folded case) -> code
    for path, node in plan.walk():
        loc = run.raw.where((*path, "code"))
        if node.code in seen:
            first = seen[node.code]
            run.add(loc, node.code, f"code déjà utilisé (première fois ligne {first.line})", CODE_DOUBLE)
            continue
        seen[node.code] = loc
        _name(run, node.code, "code", loc, node.code)
        if isinstance(node, Action):
            _collision(run, names, node.code, loc, node.code, "code")
    keys: dict[str, tuple[str, Location]] = {}
    for key in plan.acteurs:
        loc = run.raw.where_key(("acteurs", key))
        _name(run, key, "clé d'acteur", loc, "-")
        _collision(run, keys, key, loc, "-", "clé d'acteur")


def _name(run: Run, value: str, what: str, loc: Location, code: str) -> None:
    """A code or key names files: no invisible character may hide in it."""
    hidden = invisible(value)
    if hidden:
        run.add(loc, code, f"{what} « {value} » : caractère(s) invisible(s) {', '.join(hidden[:5])}", CODE_INVISIBLE)


def _collision(run: Run, names: dict, value: str, loc: Location, code: str, what: str) -> None:
    """Two codes or keys that would give the same output file: one would silently replace the other."""
    name = file_name(value).casefold()  # a disk may ignore case
    if name in names and names[name][0] != value:
        other, first = names[name]
        run.add(loc, code, f"{what} « {value} » : même nom de fichier que « {other} » (ligne {first.line}), "
                f"« {file_name(value)} » ; choisissez un autre {what}", NOM_COLLISION)
    else:
        names.setdefault(name, (value, loc))


def _structure(run: Run, plan: Plan) -> None:
    if plan.periode.debut > plan.periode.fin:
        run.at(("periode",), "période invalide : début après la fin", PERIODE_ORDRE)
    for path, node in plan.walk():
        if isinstance(node, Priorite) and not node.objectifs_generaux:
            run.at(path, "priorité sans objectif général", PRIORITE_SANS_OG, key=True)
        elif isinstance(node, ObjectifGeneral) and not node.objectifs_specifiques:
            run.at(path, "objectif général sans objectif spécifique", OG_SANS_OS, key=True)
        elif isinstance(node, ObjectifSpecifique):
            if not node.actions:
                run.at(path, "objectif spécifique sans action", OS_SANS_ACTION, key=True)
            _infinitive(run, path, node.intitule, "objectif spécifique")
        elif isinstance(node, Action):
            _action(run, plan, path, node)


def _infinitive(run: Run, path: tuple, title: Text, what: str) -> None:
    if title.has(Lang.FR) and not starts_with_infinitive(title.fr):
        first = title.fr.split()[0]
        run.at((*path, "intitule"), f"l'intitulé de l'{what} devrait commencer par un verbe à l'infinitif "
               f"(« {first} »)", INTITULE_INFINITIF)


def _action(run: Run, plan: Plan, path: tuple, action: Action) -> None:
    _infinitive(run, path, action.intitule, "action")
    if not action.pilotes:
        run.at(path, "action sans pilote", PILOTE_REQUIS, key=True)
    for i, pilote in enumerate(action.pilotes):
        ppath = (*path, "pilotes", i)
        if pilote.nom is None or not (pilote.nom.has(Lang.FR) or pilote.nom.has(Lang.AR)):
            run.at(ppath, "pilote désigné par son poste ou sa structure, sans nom de personne", PILOTE_NOM, key=True)
        if pilote.acteur is not None and pilote.acteur not in plan.acteurs:
            run.at((*ppath, "acteur"), f"acteur « {pilote.acteur} » absent de la liste des acteurs", ACTEUR_INCONNU)
    for i, key in enumerate(action.partenaires):
        if key not in plan.acteurs:
            run.at((*path, "partenaires", i), f"partenaire « {key} » absent de la liste des acteurs", ACTEUR_INCONNU)
    if action.budget.montant < 0:
        run.at((*path, "budget", "montant"), f"budget négatif ({action.budget.montant})", BUDGET_NEGATIF)
    due = action.echeance
    if due.kind is not EcheanceKind.CONTINU and (due.end < plan.periode.start or due.start > plan.periode.end):
        run.at((*path, "echeance"), f"échéance {due} hors de la période {plan.periode.debut}-{plan.periode.fin}",
               ECHEANCE_PERIODE)
    missing = [part for part in FICHE_PARTS if not _any_lang(getattr(action.fiche, part))]
    if not (action.ressources.humaines or action.ressources.materielles):
        missing.append("ressources")
    if not action.indicateurs:
        missing.append("indicateurs")
    if missing:
        where = (*path, "fiche") if "fiche" in run.raw.data_at(path) else path
        run.at(where, f"fiche action incomplète : {', '.join(missing)} manquant(s)", FICHE_INCOMPLETE, key=True)


def _narratives(run: Run, plan: Plan) -> None:
    for i, section in enumerate(plan.sections):
        if not section.fr and not section.ar:
            run.at(("narratif", i), f"section « {section.key} » introuvable : ni fr/{section.key}.md ni "
                   f"ar/{section.key}.md", NARRATIF_MANQUANT)
            continue
        run.completeness.total += 1
        for lang in Lang:
            if section[lang]:
                run.completeness.present[lang] += 1
            else:
                run.at(("narratif", i), f"traduction manquante : fichier {lang.value}/{section.key}.md absent ou vide",
                       TRADUCTION_MANQUANTE)


def _validation(run: Run, plan: Plan) -> None:
    if plan.revisions:
        dates = [r.date for r in plan.revisions]
        for i in range(1, len(dates)):
            if dates[i] < dates[i - 1]:
                run.at(("revisions", i, "date"), "révisions hors de l'ordre des dates", REVISIONS_ORDRE)
        if plan.version < max(dates):
            run.at(("version",), f"version {plan.version} antérieure à la dernière révision ({max(dates)})",
                   VERSION_REVISION)
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
        run.at(path, f"plan validé sans validation complète : {'; '.join(problems)}", VALIDATION_INCOMPLETE,
               key=True)


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
