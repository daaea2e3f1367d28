"""Model -> the edition's content, formatted for one language, shared by every format.

Both renderers fill their templates from the same context, so that the DOCX and the PDF of an
edition carry the same content in the same order (shared/publication.md): cover, sommaire,
narrative sections, canevas, summary, fiches action, historique, validation page. Everything here
is plain data: strings already formatted by Babel, Markdown already parsed into the neutral tree.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from .. import diff, markdown
from ..i18n import (
    COLON,
    LIST_SEPARATOR,
    acteur_name,
    format_amount,
    format_date,
    format_echeance,
    format_money,
    format_period,
    label,
    labelled,
    pilote_text,
    territory,
    typography,
    volet_label,
)
from ..model import Action, Lang, Plan, Statut, Text


@dataclass(frozen=True)
class Titled:
    """A heading made of a label, a code and a title, joined once for every format.

    ``str()`` gives the whole line (``Priorité P1 : Améliorer ...`` / ``الأولوية P1: ...``), which a
    DOCX template prints as it is; the HTML prints the parts, to set the code apart.
    """

    label: str
    code: str
    sep: str
    text: str

    def __str__(self) -> str:
        return f"{self.label} {self.code}{self.sep}{self.text}"


def titled(key: str, code: str, text: str, lang: Lang) -> Titled:
    """``Priorité P1 : ...``: the label ``key``, the code, the language's colon, the title."""
    return Titled(label(key, lang), code, COLON[lang], text)


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
    budget_text: str  # the amount with its unit: "12 500,50 MAD"
    os_code: str
    os_intitule: str
    og_code: str
    og_intitule: str
    priorite_code: str
    priorite_intitule: str
    # the running header of the fiche's continued pages: "Fiche action A1.1.1.1 (suite) — Mettre en place ..."
    suite: str = ""


SUITE_TITLE_LENGTH = 70  # the most of a title the continued pages' header repeats, cut at a word


def suite_line(code: str, intitule: str, lang: Lang) -> str:
    """"Fiche action <code> (suite) — <title>": what heads every page a fiche continues on, in both
    formats; a long title is cut at a word with an ellipsis, so that the line fits the header."""
    if len(intitule) > SUITE_TITLE_LENGTH:
        cut = intitule[:SUITE_TITLE_LENGTH].rsplit(" ", 1)[0] or intitule[:SUITE_TITLE_LENGTH]
        intitule = cut.rstrip(" ,;:") + "…"
    return f"{label('fiche_action', lang)} {code} {label('suite', lang)} — {intitule}"


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
    heading: Titled
    total_label: str  # "Total de l'objectif général OG1.1" / "مجموع الهدف العام OG1.1"


@dataclass(frozen=True)
class PrioriteView:
    """A priority with its objectifs généraux."""

    code: str
    intitule: str
    volet: str
    total: str
    actions: int
    objectifs: list[OGView]
    heading: Titled
    total_label: str  # "Total de la priorité P1" / "مجموع الأولوية P1"
    volet_line: str  # "Volet : ..."


@dataclass(frozen=True)
class SectionView:
    """A narrative section: its title, its Markdown body and the sub-headings the sommaire lists."""

    key: str
    title: str
    blocks: tuple
    # the body's headings of the highest rank, (text, anchor): level 2 in both formats, in the sommaire
    outline: tuple[tuple[str, str], ...] = ()


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
    signataires: list[tuple[str, str]]  # (nom, qualité)
    stem: str
    version_iso: str
    logos: list[str]
    labels: dict[str, str] = field(default_factory=dict)
    modifications: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    modifications_header: tuple[str, ...] = ()
    previous_version: str = ""
    # the composed lines both formats print as they are
    colon: str = ""  # between a label and its value: "\u00a0: " in French, ": " in Arabic
    periode_line: str = ""  # "Période concernée : 2025–2027" as one string; in Arabic a left-to-right mark
    # before the years, or the bidi algorithm reads the range backwards ("2027–2025")
    total_line: str = ""  # "Total général : 150 000 MAD"
    by_volet_total: tuple[str, int, str] = ("", 0, "")  # the totals row of the summary by volet
    by_echeance_total: tuple[str, str, str] = ("", "", "")  # the totals row of the summary by échéance
    between_versions: str = ""  # "de la version du 18 mars 2025 à la version du 1er septembre 2025"
    modifications_title: str = ""  # "Tableau des modifications de la version du ... à la version du ..."
    fait_a: str = ""  # the validation page's "Fait à Assafa, le 2 avril 2025" / «حرر بأسافة في 2 أبريل 2025»

    @property
    def document_title(self) -> str:
        """The title of a document of the edition, in its properties: ``Plan d'action ... — Province d'Assafa``."""
        return f"{self.title} — {self.territory}"

    @property
    def document_subject(self) -> str:
        """The subject in a document's properties: the title, the territory and the période."""
        return f"{self.title} — {self.territory} — {self.periode}"

    @property
    def page_wording(self) -> list[str]:
        """"page {page} / {pages}" split around its two counters: the words between them, trimmed."""
        return [part.strip() for part in re.split(r"\{pages?\}", label("page_sur", self.lang))]

    def footer(self, page: int, pages: int) -> str:
        """The running footer of a page: "Version du 18 mars 2025 — page 3 / 45"."""
        return label("pied_de_page", self.lang).format(
            version=self.version, page_sur=label("page_sur", self.lang).format(page=page, pages=pages))

    @property
    def dir(self) -> str:
        """``ltr`` or ``rtl``."""
        return self.lang.direction

    @property
    def rtl(self) -> bool:
        """True for the Arabic edition."""
        return self.lang.rtl


@dataclass(frozen=True)
class TitleBlock:
    """One language's lines on the bilingual volume's title page, in the order printed."""

    lang: Lang
    title: str  # "Plan d'action provincial de protection de l'enfance"
    territory: str  # "Province d'Assafa"
    periode_line: str  # "Période concernée : 2025–2027" (:attr:`Edition.periode_line`)
    version: str  # "Version du 18 mars 2025"

    @property
    def lines(self) -> list[str]:
        """The title, the territory, the période and the version, each one string."""
        return [self.title, self.territory, self.periode_line, self.version]

    @property
    def dir(self) -> str:
        """``ltr`` or ``rtl``."""
        return self.lang.direction


@dataclass(frozen=True)
class JointTitle:
    """The bilingual volume's title page and properties, both formats alike.

    The volume: page 1 this title page (French, then Arabic right to left), page 2 left blank
    (a verso), the French part from page 3, the Arabic part from the next right-hand (odd) page; one
    page numbering over the whole volume, "page X / Y" in the French part, «صفحة X من Y» in the Arabic.
    """

    blocks: tuple[TitleBlock, ...]  # French, then Arabic
    title: str  # the document's title in both languages: "<French title> — <Arabic title>"
    subject: str

    @property
    def langs(self) -> tuple[Lang, ...]:
        """The languages of the parts, in order."""
        return tuple(b.lang for b in self.blocks)


def joint_title(plan: Plan) -> JointTitle:
    """The title page and the properties of the bilingual volume of ``plan``."""
    editions = [edition(plan, lang) for lang in (Lang.FR, Lang.AR)]
    blocks = tuple(TitleBlock(e.lang, e.title, e.territory, e.periode_line, e.version)
                   for e in editions)
    return JointTitle(blocks, " — ".join(e.document_title for e in editions),
                      " — ".join(e.document_subject for e in editions))


class BundleEntry(NamedTuple):
    """One fiche of an acteur's bundle, as the bundle's cover lists it (with its page, which each format finds)."""

    code: str
    title: str
    role: str  # "Pilote", "Partenaire", "Pilote et partenaire"


def acteur_role(action: Action, acteur: str, lang: Lang) -> str:
    """What the acteur ``acteur`` is in ``action``: pilote (one of its pilots belongs to it), partenaire, or both."""
    pilots = any(p.acteur == acteur for p in action.pilotes)
    partners = acteur in action.partenaires
    key = "role_pilote_partenaire" if pilots and partners else "role_pilote" if pilots else "role_partenaire"
    return label(key, lang)


def bundle_entries(plan: Plan, acteur: str, lang: Lang) -> list[BundleEntry]:
    """The fiches of the actions ``acteur`` pilots or partners, in written order, each with its role."""
    titles = {v.code: v.intitule for v in edition(plan, lang).actions}
    return [BundleEntry(a.code, titles[a.code], acteur_role(a, acteur, lang)) for a in plan.actions_of(acteur)]


def _tr(text: Text | None, lang: Lang) -> str:
    """A content text in ``lang``, set in the language's typography (:func:`publisher.i18n.typography`)."""
    return typography(text[lang], lang) if text is not None else ""


@lru_cache(maxsize=4096)
def _typeset(doc: markdown.Document, lang: Lang) -> markdown.Document:
    """A parsed Markdown text with every span of prose set in the language's typography (code as written)."""

    def inlines(items: tuple) -> tuple:
        return tuple(replace(i, text=typography(i.text, lang))
                     if isinstance(i, markdown.Span) and not i.code else i for i in items)

    def block(b):
        if isinstance(b, (markdown.Heading, markdown.Paragraph)):
            return replace(b, inlines=inlines(b.inlines))
        if isinstance(b, markdown.ListBlock):
            return replace(b, items=tuple(tuple(block(x) for x in item) for item in b.items))
        if isinstance(b, markdown.Table):
            return replace(b, header=tuple(inlines(c) for c in b.header),
                           rows=tuple(tuple(inlines(c) for c in row) for row in b.rows))
        return b

    return replace(doc, blocks=tuple(block(b) for b in doc.blocks))


def _markdown(text: Text | None, lang: Lang) -> markdown.Document:
    """A Markdown content text in ``lang``, parsed and typeset."""
    return _typeset(markdown.parse(text[lang] if text is not None else ""), lang)


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
    pilotes = [pilote_text(plan, pilote, lang) for pilote in action.pilotes]
    fiche = {part: _markdown(getattr(action.fiche, part), lang)
             for part in ("contexte", "public_vise", "objectifs", "modalites")}
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
        budget_text=format_money(action.budget.montant, lang),
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
        suite=suite_line(action.code, _tr(action.intitule, lang), lang),
    )


def section_anchor(key: str) -> str:
    """The anchor of a narrative section; its sub-headings' are ``<anchor>-1``, ``<anchor>-2``..."""
    return f"section-{key}"


def _outline(key: str, blocks: tuple) -> tuple[tuple[str, str], ...]:
    """The headings of the highest rank in a section's body, with their anchors, in reading order."""
    top = [h for h in markdown.headings(blocks) if markdown.heading_ranks(blocks)[h.level] == 0]
    return tuple((markdown.plain_text(h.inlines), f"{section_anchor(key)}-{n}") for n, h in enumerate(top, start=1))


def _sections(plan: Plan, lang: Lang) -> list[SectionView]:
    views = []
    for section in plan.sections:
        doc = _typeset(markdown.parse(section[lang]), lang)
        default = label(section.key, lang) if section.key in ("contexte", "methode", "gouvernance") else section.key
        views.append(SectionView(section.key, doc.title or default, doc.body, _outline(section.key, doc.body)))
    return views


def _fait_a(plan: Plan, lang: Lang) -> str:
    """"Fait à <lieu>, le <date>": the place (the province's name unless ``validation.lieu``) and the
    date of the validation; without a date, the signataires write it by hand after "le"."""
    validation = plan.validation
    if validation is None:
        return ""
    lieu = _tr(validation.lieu, lang) if validation.lieu is not None and validation.lieu[lang] else ""
    lieu = lieu or typography(plan.province[lang], lang)
    if validation.date is None:
        return label("fait_a_sans_date", lang, lieu=lieu)
    return label("fait_a", lang, lieu=lieu, date=format_date(validation.date, lang))


_EDITIONS: dict[tuple[int, Lang], tuple[Plan, Edition]] = {}  # (id of the plan, language) -> (plan, its edition)
_EDITIONS_KEPT = 4  # the two languages of a plan, and of the one built before it


def edition(plan: Plan, lang: Lang) -> Edition:
    """The whole edition of ``plan`` in ``lang``, computed once per plan and language.

    Every fiche, bundle and document of a build reads the same edition (the plan is frozen, the
    views are read-only): at 360 actions, building it takes a fifth of a second. The cache holds the
    plan itself, so that its id cannot be reused by another plan while its edition is kept; a rendering
    process keeps the plan shipped to it for all its groups of a build, and so its editions.
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
            intitule = _tr(og.intitule, lang)
            ogs.append(OGView(og.code, intitule, format_amount(og.budget_total, lang), oss,
                              titled("objectif_general", og.code, intitule, lang),
                              label("total_og", lang, code=og.code)))
        intitule = _tr(prio.intitule, lang)
        priorites.append(
            PrioriteView(prio.code, intitule, volet_label(prio.volet, lang),
                         format_amount(prio.budget_total, lang), len(prio.actions), ogs,
                         titled("priorite", prio.code, intitule, lang), label("total_priorite", lang, code=prio.code),
                         labelled("volet", lang, volet_label(prio.volet, lang)))
        )

    by_volet = []
    for volet in dict.fromkeys(p.volet for p in plan.priorites):
        members = [p for p in plan.priorites if p.volet is volet]
        budget = sum((p.budget_total for p in members), Decimal(0))
        by_volet.append((volet_label(volet, lang), sum(len(p.actions) for p in members), format_amount(budget, lang)))
    ordered = sorted(plan.actions, key=lambda a: a.echeance.sort_key)  # stable: written order on ties
    by_echeance = [(format_echeance(a.echeance, lang), a.code, _tr(a.intitule, lang)) for a in ordered]

    periode = format_period(plan.periode.debut, plan.periode.fin)
    between = title = ""
    if plan.previous:
        versions = {"old": format_date(plan.previous.version, lang), "new": format_date(plan.version, lang)}
        between, title = label("entre_versions", lang, **versions), label("modifications_entre", lang, **versions)
    validation = plan.validation
    validated = ""
    if plan.statut is Statut.VALIDE and validation and validation.date:
        validated = label("valide_le", lang, date=format_date(validation.date, lang))
    return Edition(
        lang=lang,
        royaume=label("royaume", lang),
        title=label("titre", lang),
        territory=territory(plan, lang),
        periode=periode,
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
        by_volet_total=(label("total", lang), len(plan.actions), format_amount(plan.budget_total, lang)),
        by_echeance_total=(label("total", lang), "", label("nombre_actions_n", lang, n=len(plan.actions))),
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
        colon=COLON[lang],
        periode_line=labelled("periode", lang, ("\u200e" if lang.rtl else "") + periode),
        total_line=labelled("plan_total", lang, format_money(plan.budget_total, lang)),
        between_versions=between,
        modifications_title=title,
        fait_a=_fait_a(plan, lang),
    )


_LABEL_KEYS = (
    "royaume", "ppipem", "cppe", "cape", "titre", "periode", "projet", "sommaire", "priorite",
    "objectif_general", "objectifs_specifiques", "actions", "resultats_attendus", "pilotes", "partenaires",
    "ressources", "budget", "indicateurs", "echeance", "continu", "suivi", "fiche_action", "fiche_contexte",
    "fiche_public_vise", "fiche_objectifs", "fiche_responsable", "fiche_ressources", "fiche_modalites",
    "annexes", "historique", "modifications", "total", "dirhams", "signature", "canevas", "synthese",
    "par_priorite", "par_volet", "par_echeance", "volet", "nombre_actions", "validation", "date", "objet",
    "qualite", "nom", "rang", "source", "code", "plan_total", "fiches_action", "unite", "budget_colonne",
    "role", "page", "cachet", "suite",
)
