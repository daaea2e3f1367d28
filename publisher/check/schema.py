"""Reading plan.yaml and building the model: the rules of the format itself, pydantic's errors in French.

:mod:`publisher.load` reports the rules of reading (YAML, encoding, missing files); :mod:`publisher.model`
raises the rules of values (``annee.bornes``, ``volet.inconnu``) as pydantic errors named after them.
They are declared here, with the structural rules (unknown or required keys, types).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ..errors import Location, Severity
from ..load import LANGS, PLAN_FILE
from ..model import RESERVED, Plan, Section, describe
from .registry import RULES, rule
from .run import Run

ERROR = Severity.ERROR

# -- reading (reported by publisher.load)
rule("fichier.absent", ERROR, "no plan.yaml in the plan folder")
rule("fichier.encodage", ERROR, "plan.yaml or a narrative file that is not UTF-8")
rule("plan.vide", ERROR, "an empty plan.yaml")
rule("yaml.syntaxe", ERROR, "plan.yaml that does not parse, a YAML tag, a key that is not a plain text")
rule("yaml.alias", ERROR, "a YAML anchor (`&a`) or alias (`*a`): refused, never expanded")
rule("yaml.imbrication", ERROR, "collections nested deeper than the format needs")
rule("yaml.cle_double", ERROR, "a key written twice in one dictionary")
# -- structure and values
CLE_INCONNUE = rule("cle.inconnue", ERROR, "an unknown key")
CLE_REQUISE = rule("cle.requise", ERROR, "a required key absent (or empty: a code, a title, `province`, an "
                   "acteur's `nom`, a list item, empty in both languages)")
TYPE_INVALIDE = rule("type.invalide", ERROR, "a value of the wrong type (a text, a number, a list, a date, a "
                     "dictionary)")
rule("type.bilingue", ERROR, "a plain string where a bilingual text (`{fr: ..., ar: ...}`) is expected")
rule("annee.bornes", ERROR, "a year of the période or of a date outside 1900-2200")
rule("budget.montant", ERROR, "an amount above 10^12 dirhams")
rule("echeance.format", ERROR, "an échéance that is not a day, a week, a month or `continu` (or outside "
     "1900-2200)")
rule("volet.inconnu", ERROR, "a `volet` that is not one of those allowed")
rule("statut.inconnu", ERROR, "a `statut` that is not `projet` or `valide`")
rule("territoire.inconnu", ERROR, "a `territoire` that is not `province` or `prefecture`")

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


def is_mapping(run: Run, data: Any) -> bool:
    """Whether plan.yaml holds a dictionary of keys, as every rule expects; reported when not."""
    if not isinstance(data, dict):
        run.add(Location(PLAN_FILE, 1, 1), "-", "plan.yaml doit être un dictionnaire de clés", TYPE_INVALIDE)
    return isinstance(data, dict)


def build(run: Run, data: dict) -> Plan | None:
    """The model of the plan with its narrative sections, or None when the structure is unsound."""
    reserved = [key for key in RESERVED if key in data]
    for key in reserved:
        run.at((key,), f"clé inconnue : « {key} »", CLE_INCONNUE, key=True)
    if reserved:
        return None
    try:
        plan = Plan.model_validate(_without_nulls(data))
    except ValidationError as exc:
        _pydantic(run, exc)
        return None
    sections = tuple(Section(name, *(_section_text(run, name, lang) for lang in LANGS)) for name in plan.narratif)
    return plan.model_copy(update={"sections": sections})


def _section_text(run: Run, name: str, lang: str) -> str | None:
    source = run.raw.narratives.get(name, {}).get(lang)
    return source.text if source and source.text.strip() else None


def _pydantic(run: Run, exc: ValidationError) -> None:
    for err in exc.errors(include_url=False):
        path = tuple(err["loc"])
        kind = err["type"]
        key = path[-1] if path else ""
        if kind == "missing":
            run.at(path[:-1], f"clé obligatoire absente : « {key} »", CLE_REQUISE, key=True)
        elif kind == "extra_forbidden":
            run.at(path, f"clé inconnue : « {key} »", CLE_INCONNUE, key=True)
        elif kind in _EXPECTED:
            found = describe(err.get("input"))
            run.at(path, f"valeur invalide pour « {key} » : {_EXPECTED[kind]}, trouvé « {found} »", TYPE_INVALIDE)
        elif kind in RULES:  # our own PydanticCustomError, named after its rule
            run.at(path, err["msg"], kind)
        else:
            run.at(path, f"valeur invalide pour « {key} » : {describe(err.get('input'))}", TYPE_INVALIDE)


def _without_nulls(node: Any) -> Any:
    """The data without keys left empty (``pilotes:``): an empty key means the same as an absent one."""
    if isinstance(node, dict):
        return {k: _without_nulls(v) for k, v in node.items() if v is not None}
    if isinstance(node, list):
        return [_without_nulls(v) for v in node]
    return node
