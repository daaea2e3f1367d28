"""Two versions of a plan -> the tableau des modifications.

Actions are matched by code: an action only in the new version is added, only in the old one is
removed, in both it is compared field by field. Priorities and objectives matched by code are
compared on their titles (reworded). Values are kept as model values and formatted per language
only when printed, so that one comparison serves both editions and every format, and they are
printed as the edition prints them (amounts with their unit, a pilote with name, fonction and
acteur). Rows follow the plan: the plan's own fields first, then every code in the order of the new
plan, a removed action in the place it held in the old one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .i18n import (
    LIST_SEPARATOR,
    acteur_name,
    format_date,
    format_echeance,
    format_money,
    format_period,
    label,
    pilote_text,
    typography,
)
from .model import Action, Lang, Plan, Text

ADDED, REMOVED, CHANGED, REWORDED, PLAN = "ajoutee", "supprimee", "modifiee", "reformule", "plan"

# the label (publisher.i18n.LABELS) of each nature of change and of each field the table names
KIND_LABELS = {kind: f"nature_{kind}" for kind in (ADDED, REMOVED, CHANGED, REWORDED, PLAN)}

FIELD_LABELS = {
    "province": "champ_province",
    "territoire": "champ_territoire",
    "periode": "periode",
    "statut": "champ_statut",
    "validation": "champ_validation",
    "intitule": "champ_intitule",
    "objectif_specifique": "champ_objectif_specifique",
    "rang": "rang",
    "resultats_attendus": "resultats_attendus",
    "pilotes": "pilotes",
    "partenaires": "partenaires",
    "ressources": "ressources",
    "budget": "budget",
    "source": "champ_source",
    "indicateurs": "indicateurs",
    "echeance": "echeance",
    "suivi": "suivi",
    "fiche.contexte": "champ_fiche_contexte",
    "fiche.public_vise": "champ_fiche_public_vise",
    "fiche.objectifs": "champ_fiche_objectifs",
    "fiche.modalites": "champ_fiche_modalites",
}

Formatter = Callable[[Plan, Any, Lang], str]


@dataclass(frozen=True)
class Change:
    """One line of the tableau des modifications."""

    kind: str
    code: str
    field: str  # "" for an added or removed action
    old: Any
    new: Any
    old_plan: Plan
    new_plan: Plan

    def row(self, lang: Lang) -> tuple[str, str, str, str, str]:
        """(code, nature, field, before, after), in ``lang``."""
        field = label(FIELD_LABELS[self.field], lang) if self.field else ""
        if self.kind in (ADDED, REMOVED):
            action = self.new if self.kind == ADDED else self.old
            text = f"{typography(action.intitule[lang], lang)} ({format_money(action.budget.montant, lang)})"
            before, after = ("", text) if self.kind == ADDED else (text, "")
        else:
            fmt = _FORMATTERS.get(self.field, _text)
            before, after = fmt(self.old_plan, self.old, lang), fmt(self.new_plan, self.new, lang)
        return self.code, label(KIND_LABELS[self.kind], lang), field, before, after


def _text(plan: Plan, value: Any, lang: Lang) -> str:
    if value is None:
        return ""
    if isinstance(value, Text):
        return typography(value[lang], lang)
    if isinstance(value, (list, tuple)):
        return _ITEMS[lang].join(_text(plan, v, lang) for v in value)
    return str(value)


# between the items of a list in one cell: a semicolon, since an item may hold commas
_ITEMS = {Lang.FR: "\u202f; ", Lang.AR: "؛\u200f "}


def _pilotes(plan: Plan, pilotes: list, lang: Lang) -> str:
    """The pilotes as the canevas and the fiche print them: name (fonction, acteur)."""
    return _ITEMS[lang].join(pilote_text(plan, p, lang) for p in pilotes)


_FORMATTERS: dict[str, Formatter] = {
    "pilotes": _pilotes,
    "partenaires": lambda plan, keys, lang: LIST_SEPARATOR[lang].join(acteur_name(plan, k, lang) for k in keys),
    "budget": lambda plan, amount, lang: format_money(amount, lang),
    "echeance": lambda plan, due, lang: format_echeance(due, lang),
    "rang": lambda plan, rang, lang: "" if rang is None else str(rang),
    "periode": lambda plan, periode, lang: format_period(periode.debut, periode.fin),
    "statut": lambda plan, statut, lang: label("projet", lang) if statut.value == "projet" else (
        "مصادق عليه" if lang is Lang.AR else "Validé"
    ),
    "territoire": lambda plan, territoire, lang: label(territoire.value, lang),
    "validation": lambda plan, validation, lang: (
        "" if validation is None or validation.date is None else format_date(validation.date, lang)
    ),
}

PLAN_FIELDS = ("province", "territoire", "periode", "statut", "validation")


def _action_fields(plan: Plan, action: Action) -> dict[str, Any]:
    """The comparable fields of an action, by name."""
    os_code = next(o.code for o in plan.objectifs_specifiques if any(a.code == action.code for a in o.actions))
    return {
        "intitule": action.intitule,
        "objectif_specifique": os_code,
        "rang": action.rang,
        "resultats_attendus": list(action.resultats_attendus),
        "pilotes": list(action.pilotes),
        "partenaires": list(action.partenaires),
        "ressources": list(action.ressources.humaines) + list(action.ressources.materielles),
        "budget": action.budget.montant,
        "source": action.budget.source,
        "indicateurs": list(action.indicateurs),
        "echeance": action.echeance,
        "suivi": action.suivi,
        "fiche.contexte": action.fiche.contexte,
        "fiche.public_vise": action.fiche.public_vise,
        "fiche.objectifs": action.fiche.objectifs,
        "fiche.modalites": action.fiche.modalites,
    }


def compare(old: Plan, new: Plan) -> list[Change]:
    """The tableau des modifications from ``old`` to ``new``, in the plan's order (see :func:`_in_plan_order`)."""
    changes: list[Change] = [
        Change(PLAN, "-", name, getattr(old, name), getattr(new, name), old, new)
        for name in PLAN_FIELDS
        if getattr(old, name) != getattr(new, name)
    ]
    old_nodes = {node.code: node for _, node in old.walk()}
    for _, node in new.walk():
        before = old_nodes.get(node.code)
        if isinstance(node, Action):
            if not isinstance(before, Action):
                changes.append(Change(ADDED, node.code, "", None, node, old, new))
                continue
            old_fields, new_fields = _action_fields(old, before), _action_fields(new, node)
            for name, value in new_fields.items():
                if old_fields[name] != value:
                    changes.append(Change(CHANGED, node.code, name, old_fields[name], value, old, new))
        elif before is not None and not isinstance(before, Action) and before.intitule != node.intitule:
            changes.append(Change(REWORDED, node.code, "intitule", before.intitule, node.intitule, old, new))
    new_codes = {node.code for _, node in new.walk()}
    for action in old.actions:
        if action.code not in new_codes:
            changes.append(Change(REMOVED, action.code, "", action, None, old, new))
    return _in_plan_order(changes, old, new)


def _in_plan_order(changes: list[Change], old: Plan, new: Plan) -> list[Change]:
    """The changes sorted as the plan reads: the plan's fields, then each code where the new plan has
    it, a removed action right after the node that preceded it in the old plan (rows of one code
    keep their field order)."""
    new_order = {node.code: i for i, (_, node) in enumerate(new.walk())}
    place: dict[str, tuple] = {code: (i, 0, 0) for code, i in new_order.items()}
    anchor = -1
    for j, (_, node) in enumerate(old.walk()):
        if node.code in new_order:
            anchor = new_order[node.code]
        else:
            place[node.code] = (anchor, 1, j)
    return sorted(changes, key=lambda c: (c.kind != PLAN, place.get(c.code, (len(place), 0, 0))))


def table_rows(changes: list[Change], lang: Lang) -> list[tuple[str, str, str, str, str]]:
    """The rows of the tableau des modifications in ``lang``."""
    return [change.row(lang) for change in changes]


def header(lang: Lang) -> tuple[str, str, str, str, str]:
    """The column titles of the tableau des modifications."""
    return tuple(label(key, lang) for key in ("code", "colonne_nature", "colonne_champ", "colonne_avant", "colonne_apres"))
