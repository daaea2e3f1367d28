"""Model -> the edition's content, formatted for one language, shared by every format.

Both renderers fill their templates from the same context, so that the DOCX and the PDF of an
edition carry the same content in the same order (shared/publication.md): cover, sommaire,
narrative sections, canevas, summary, fiches action, historique, validation page. Everything here
is plain data: strings already formatted by Babel, Markdown already parsed into the neutral tree.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from .. import diff, markdown
from ..i18n import (
    acteur_name,
    format_amount,
    format_date,
    format_echeance,
    keep_digit_groups,
    label,
    territory,
    volet_label,
)
from ..model import Action, Lang, Plan, Statut, Text


# The Arabic comma, then a right-to-left mark: two Latin acronyms around it ("DAS، INDH") keep the
# reading order under the plain bidi algorithm of WeasyPrint and LibreOffice.
LIST_SEPARATOR = {Lang.FR: ", ", Lang.AR: "،\u200f "}


def slug(text: str) -> str:
    """A file-name-safe slug of a French name: ``Tanger-Assilah`` -> ``tanger-assilah``."""
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-") or "plan"


def plan_stem(plan: Plan) -> str:
    """``<province>-<version>``: what names every output file of a plan."""
    return f"{slug(plan.province[Lang.FR] or plan.province[Lang.AR])}-{plan.version.isoformat()}"


@dataclass(frozen=True)
class ActionView:
    """One action, every field formatted for the edition's language."""

    code: str
    intitule: str
    rang: int | None
    resultats: list[str]
    pilotes: list[str]
    partenaires: list[str]
    partenaires_text: str
    humaines: list[str]
    materielles: list[str]
    budget: str
    source: str
    indicateurs: list[str]
    echeance: str
    suivi: str
    fiche: dict[str, markdown.Document]
    os_code: str
    os_intitule: str
    og_code: str
    og_intitule: str
    priorite_code: str
    priorite_intitule: str


@dataclass(frozen=True)
class OSView:
    """An objectif spécifique and its actions: one merged cell over their rows."""

    code: str
    intitule: str
    actions: list[ActionView]


@dataclass(frozen=True)
class OGView:
    """An objectif général: one canevas table."""

    code: str
    intitule: str
    total: str
    objectifs: list[OSView]


@dataclass(frozen=True)
class PrioriteView:
    """A priority with its objectifs généraux."""

    code: str
    intitule: str
    volet: str
    total: str
    actions: int
    objectifs: list[OGView]


@dataclass(frozen=True)
class SectionView:
    """A narrative section: its title and its Markdown body."""

    key: str
    title: str
    blocks: tuple


@dataclass(frozen=True)
class Edition:
    """Everything an edition prints, in one language."""

    lang: Lang
    royaume: str
    title: str
    territory: str
    periode: str
    version: str
    version_date: str
    draft: bool
    statut: str
    validated: str
    sections: list[SectionView]
    priorites: list[PrioriteView]
    actions: list[ActionView]
    total: str
    by_volet: list[tuple[str, int, str]]
    by_echeance: list[tuple[str, str, str]]
    revisions: list[tuple[str, str]]
    instance: str
    signataires: list[tuple[str, str]]
    stem: str
    version_iso: str
    logos: list[str]
    labels: dict[str, str] = field(default_factory=dict)
    modifications: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    modifications_header: tuple[str, ...] = ()
    previous_version: str = ""

    @property
    def between_versions(self) -> str:
        """"Entre la version du ... et la version du ..." for the tableau des modifications."""
        if not self.previous_version:
            return ""
        old, new = (v[:1].lower() + v[1:] if self.lang is Lang.FR else v for v in (self.previous_version, self.version))
        return label("entre_versions", self.lang, old=old, new=new)

    @property
    def page_wording(self) -> list[str]:
        """"page {page} / {pages}" split around its two counters: the words between them, trimmed."""
        return [part.strip() for part in re.split(r"\{pages?\}", label("page_sur", self.lang))]

    @property
    def dir(self) -> str:
        """``ltr`` or ``rtl``."""
        return self.lang.direction

    @property
    def rtl(self) -> bool:
        """True for the Arabic edition."""
        return self.lang.rtl


def _tr(text: Text | None, lang: Lang) -> str:
    """A content text in ``lang``, with digit groups held together (see :func:`keep_digit_groups`)."""
    return keep_digit_groups(text[lang]) if text is not None else ""


def _texts(items: list[Text], lang: Lang) -> list[str]:
    return [_tr(t, lang) for t in items if t[lang]]


def _lineage(plan: Plan, action: Action) -> tuple:
    """The priority, objectif général and objectif spécifique an action belongs to."""
    for prio in plan.priorites:
        for og in prio.objectifs_generaux:
            for os_ in og.objectifs_specifiques:
                if any(a.code == action.code for a in os_.actions):
                    return prio, og, os_
    raise KeyError(action.code)


def action_view(plan: Plan, action: Action, lang: Lang, lineage: tuple | None = None) -> ActionView:
    """One action formatted for ``lang``, with the priority and objectives it belongs to."""
    prio, og, os_ = lineage or _lineage(plan, action)
    pilotes = []
    for pilote in action.pilotes:
        parts = [_tr(pilote.nom, lang)]
        detail = LIST_SEPARATOR[lang].join(x for x in (_tr(pilote.fonction, lang),
                                       acteur_name(plan, pilote.acteur, lang) if pilote.acteur else "") if x)
        pilotes.append(f"{parts[0]} ({detail})" if parts[0] and detail else parts[0] or detail)
    fiche = {
        part: markdown.parse(getattr(action.fiche, part)[lang]) if getattr(action.fiche, part) else markdown.parse("")
        for part in ("contexte", "public_vise", "objectifs", "modalites")
    }
    return ActionView(
        code=action.code,
        intitule=_tr(action.intitule, lang),
        rang=action.rang,
        resultats=_texts(action.resultats_attendus, lang),
        pilotes=pilotes,
        partenaires=[acteur_name(plan, key, lang) for key in action.partenaires],
        partenaires_text=LIST_SEPARATOR[lang].join(acteur_name(plan, key, lang) for key in action.partenaires),
        humaines=_texts(action.ressources.humaines, lang),
        materielles=_texts(action.ressources.materielles, lang),
        budget=format_amount(action.budget.montant, lang),
        source=_tr(action.budget.source, lang),
        indicateurs=_texts(action.indicateurs, lang),
        echeance=format_echeance(action.echeance, lang),
        suivi=_tr(action.suivi, lang),
        fiche=fiche,
        os_code=os_.code,
        os_intitule=_tr(os_.intitule, lang),
        og_code=og.code,
        og_intitule=_tr(og.intitule, lang),
        priorite_code=prio.code,
        priorite_intitule=_tr(prio.intitule, lang),
    )


def _sections(plan: Plan, lang: Lang) -> list[SectionView]:
    views = []
    for section in plan.sections:
        doc = markdown.parse(section[lang])
        default = label(section.key, lang) if section.key in ("contexte", "methode", "gouvernance") else section.key
        views.append(SectionView(section.key, doc.title or default, doc.body))
    return views


_EDITIONS: dict[tuple[int, Lang], tuple[Plan, Edition]] = {}  # (id of the plan, language) -> (plan, its edition)
_EDITIONS_KEPT = 4  # the two languages of a plan, and of the one built before it


def edition(plan: Plan, lang: Lang) -> Edition:
    """The whole edition of ``plan`` in ``lang``, computed once per plan and language.

    Every fiche, bundle and document of a build reads the same edition (the plan is frozen, the
    views are read-only): at 360 actions, building it takes a fifth of a second. The cache holds the
    plan itself, so that its id cannot be reused by another plan while its edition is kept; a forked
    rendering process inherits the editions its parent computed for the fingerprints.
    """
    key = (id(plan), lang)
    kept = _EDITIONS.get(key)
    if kept is not None and kept[0] is plan:
        return kept[1]
    made = _edition(plan, lang)
    _EDITIONS[key] = (plan, made)
    while len(_EDITIONS) > _EDITIONS_KEPT:
        del _EDITIONS[next(iter(_EDITIONS))]  # the oldest
    return made


def _edition(plan: Plan, lang: Lang) -> Edition:
    """The whole edition of ``plan`` in ``lang``, built from the model."""
    priorites, actions = [], []
    for prio in plan.priorites:
        ogs = []
        for og in prio.objectifs_generaux:
            oss = []
            for os_ in og.objectifs_specifiques:
                views = []
                for action in os_.actions:
                    view = action_view(plan, action, lang, lineage=(prio, og, os_))
                    views.append(view)
                    actions.append(view)
                oss.append(OSView(os_.code, _tr(os_.intitule, lang), views))
            ogs.append(OGView(og.code, _tr(og.intitule, lang), format_amount(og.budget_total, lang), oss))
        priorites.append(
            PrioriteView(prio.code, _tr(prio.intitule, lang), volet_label(prio.volet, lang),
                         format_amount(prio.budget_total, lang), len(prio.actions), ogs)
        )

    by_volet = []
    for volet in dict.fromkeys(p.volet for p in plan.priorites):
        members = [p for p in plan.priorites if p.volet is volet]
        budget = sum((p.budget_total for p in members), Decimal(0))
        by_volet.append((volet_label(volet, lang), sum(len(p.actions) for p in members), format_amount(budget, lang)))
    ordered = sorted(plan.actions, key=lambda a: a.echeance.sort_key)  # stable: written order on ties
    by_echeance = [(format_echeance(a.echeance, lang), a.code, _tr(a.intitule, lang)) for a in ordered]

    validation = plan.validation
    validated = ""
    if plan.statut is Statut.VALIDE and validation and validation.date:
        validated = label("valide_le", lang, date=format_date(validation.date, lang))
    return Edition(
        lang=lang,
        royaume=label("royaume", lang),
        title=label("titre", lang),
        territory=territory(plan, lang),
        periode=f"{plan.periode.debut} - {plan.periode.fin}",
        version=label("version_du", lang, date=format_date(plan.version, lang)),
        version_date=format_date(plan.version, lang),
        draft=plan.statut is Statut.PROJET,
        statut=label("projet", lang) if plan.statut is Statut.PROJET else validated,
        validated=validated,
        sections=_sections(plan, lang),
        priorites=priorites,
        actions=actions,
        total=format_amount(plan.budget_total, lang),
        by_volet=by_volet,
        by_echeance=by_echeance,
        revisions=[(format_date(r.date, lang), _tr(r.objet, lang)) for r in plan.revisions],
        instance=_tr(validation.instance, lang) if validation else "",
        signataires=[
            (_tr(s.nom, lang), _tr(s.qualite, lang))
            for s in (validation.signataires if validation else [])
        ],
        stem=plan_stem(plan),
        version_iso=plan.version.isoformat(),
        logos=list(plan.logos),
        labels={key: label(key, lang) for key in _LABEL_KEYS},
        modifications=diff.table_rows(diff.compare(plan.previous, plan), lang) if plan.previous else [],
        modifications_header=diff.header(lang),
        previous_version=label("version_du", lang, date=format_date(plan.previous.version, lang)) if plan.previous else "",
    )


_LABEL_KEYS = (
    "royaume", "ppipem", "cppe", "cape", "titre", "periode", "projet", "sommaire", "priorite",
    "objectif_general", "objectifs_specifiques", "actions", "resultats_attendus", "pilotes", "partenaires",
    "ressources", "budget", "indicateurs", "echeance", "continu", "suivi", "fiche_action", "fiche_contexte",
    "fiche_public_vise", "fiche_objectifs", "fiche_responsable", "fiche_ressources", "fiche_modalites",
    "annexes", "historique", "modifications", "total", "dirhams", "signature", "canevas", "synthese",
    "par_priorite", "par_volet", "par_echeance", "volet", "nombre_actions", "validation", "date", "objet",
    "qualite", "nom", "rang", "source", "code", "plan_total", "fiches_action",
)
