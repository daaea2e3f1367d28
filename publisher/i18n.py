"""Dates, amounts and labels per language, through Babel and the fixed glossary.

Every label a template or a message prints comes from :data:`LABELS`, which holds the terms of
``shared/glossary-fr-ar.md``: one term stays one term everywhere. Dates and amounts are formatted by
Babel for ``fr_MA`` and ``ar_MA`` (Latin digits in both, Moroccan month names in Arabic).

Typography is decided here too, once for every format (:func:`typography`): in French a narrow
no-break space (U+202F) inside « » and before ``;`` ``!`` ``?`` and ``%``, a no-break space (U+00A0)
before ``:`` and between a number and its unit, the straight apostrophe ``'`` everywhere; numbers are
grouped as Babel groups amounts, ``12 500,50`` (U+202F) in French and ``12.500,50`` in Arabic
(``ar_MA``, the usage of Moroccan official texts), in labels, amounts and the writers' texts alike.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from functools import lru_cache

from babel.dates import format_date as _babel_date
from babel.numbers import format_decimal

from .model import Echeance, EcheanceKind, Lang, Plan, Territoire, Volet

LABELS: dict[str, tuple[str, str]] = {
    "royaume": ("Royaume du Maroc", "المملكة المغربية"),
    "ppipem": (
        "Politique publique intégrée de protection de l'enfance au Maroc (PPIPEM)",
        "السياسة العمومية المندمجة لحماية الطفولة بالمغرب",
    ),
    "dtipe": (
        "Dispositifs territoriaux intégrés de protection de l'enfance (DTIPE)",
        "الأجهزة الترابية المندمجة لحماية الطفولة",
    ),
    "cppe": ("Comité provincial de protection de l'enfance (CPPE)", "اللجنة الإقليمية لحماية الطفولة"),
    "cape": ("Centre d'accompagnement de protection de l'enfance (CAPE)", "مركز مواكبة حماية الطفولة"),
    "titre": ("Plan d'action provincial de protection de l'enfance", "مخطط العمل الإقليمي لحماية الطفولة"),
    "province": ("Province", "إقليم"),
    "prefecture": ("Préfecture", "عمالة"),
    "periode": ("Période concernée", "الفترة المعنية"),
    "version_du": ("Version du {date}", "نسخة بتاريخ {date}"),
    "projet": ("Projet", "مشروع"),
    "valide_le": ("Validé par le CPPE le {date}", "صادقت عليه اللجنة الإقليمية لحماية الطفولة بتاريخ {date}"),
    "sommaire": ("Sommaire", "الفهرس"),
    "contexte": ("Contexte", "السياق"),
    "methode": ("Méthode suivie", "المنهجية المتبعة"),
    "gouvernance": ("Gouvernance et méthode", "الحكامة والمنهجية"),
    "priorite": ("Priorité", "الأولوية"),
    "objectif_general": ("Objectif général", "الهدف العام"),
    "objectifs_specifiques": ("Objectifs spécifiques", "الأهداف الخاصة"),
    "actions": ("Moyens / actions", "الوسائل / الإجراءات"),
    "resultats_attendus": ("Résultats attendus", "النتائج المنتظرة"),
    "pilotes": ("Pilote(s)", "المسؤول(ون) عن الإجراء"),
    "partenaires": ("Partenaires", "الشركاء"),
    "ressources": ("Ressources humaines / matérielles nécessaires", "الموارد البشرية / المادية اللازمة"),
    "budget": ("Budget", "الميزانية"),
    "indicateurs": ("Indicateurs", "المؤشرات"),
    "echeance": ("Échéance", "الأجل"),
    "continu": ("En continu", "بشكل مستمر"),
    "suivi": ("Suivi / Révision", "التتبع / المراجعة"),
    "fiche_action": ("Fiche action", "بطاقة الإجراء"),
    "fiche_contexte": ("Contexte et problématique", "السياق والإشكالية"),
    "fiche_public_vise": ("Public visé", "الفئة المستهدفة"),
    "fiche_objectifs": ("Objectifs", "الأهداف"),
    "fiche_responsable": ("Responsable de l'action et partenaires concernés", "المسؤول عن الإجراء والشركاء المعنيون"),
    "fiche_ressources": ("Ressources humaines et/ou matérielles", "الموارد البشرية و/أو المادية"),
    "fiche_modalites": ("Modalités de mise en œuvre", "كيفيات التنفيذ"),
    "annexes": ("Annexes", "الملاحق"),
    "historique": ("Historique des révisions", "سجل المراجعات"),
    "modifications": ("Tableau des modifications", "جدول التعديلات"),
    "total": ("Total", "المجموع"),
    "dirhams": ("dirhams (MAD)", "درهم"),
    # the unit printed after an amount ("150 000 MAD") and in a column header ("Budget (MAD)")
    "unite": ("MAD", "درهم"),
    "budget_colonne": ("Budget (MAD)", "الميزانية (درهم)"),
    "signature": ("Signature", "التوقيع"),
    "page_sur": ("page {page} / {pages}", "صفحة {page} من {pages}"),
    # the running footer of every page: the version, then "page X / Y"
    "pied_de_page": ("{version} — {page_sur}", "{version} — {page_sur}"),
    # an acteur's role in an action, on the cover of its bundle (the glossary's terms, in the singular)
    "role_pilote": ("Pilote", "المسؤول عن الإجراء"),
    "role_partenaire": ("Partenaire", "شريك"),
    # the bookmark of each language's part in the bilingual volume, in that language
    "edition_langue": ("Édition en français", "النسخة العربية"),
    # Terms the glossary does not fix; kept here so that they too stay one term everywhere.
    "canevas": ("Canevas du plan d'action", "إطار مخطط العمل"),
    "synthese": ("Synthèse", "الخلاصة"),
    "par_priorite": ("Actions et budget par priorité", "الإجراءات والميزانية حسب الأولوية"),
    "par_volet": ("Actions et budget par volet", "الإجراءات والميزانية حسب المحور"),
    "par_echeance": ("Actions par échéance", "الإجراءات حسب الأجل"),
    "volet": ("Volet", "المحور"),
    "nombre_actions": ("Actions", "عدد الإجراءات"),
    "validation": ("Validation du plan", "المصادقة على المخطط"),
    "date": ("Date", "التاريخ"),
    "objet": ("Objet", "الموضوع"),
    "qualite": ("Qualité", "الصفة"),
    "nom": ("Nom", "الاسم"),
    "rang": ("Rang", "الرتبة"),
    "source": ("Source", "المصدر"),
    "code": ("Code", "الرمز"),
    "semaine": ("semaine {week} de {year}", "الأسبوع {week} من سنة {year}"),
    "plan_total": ("Total général", "المجموع العام"),
    "total_og": ("Total de l'objectif général {code}", "مجموع الهدف العام {code}"),
    "total_priorite": ("Total de la priorité {code}", "مجموع الأولوية {code}"),
    "nombre_actions_n": ("{n} actions", "عدد الإجراءات: {n}"),
    "copie_signature": ("Copie pour signature", "نسخة للتوقيع"),
    # the validation page: where and when the signataires sign, and the room for the seal
    "fait_a": ("Fait à {lieu}, le {date}", "حرر ب{lieu} في {date}"),
    "fait_a_sans_date": ("Fait à {lieu}, le", "حرر ب{lieu} في"),
    "cachet": ("Cachet", "الخاتم"),
    # a fiche action continued on another page: "Fiche action A1.1.1.1 (suite)"
    "suite": ("(suite)", "(تابع)"),
    "fiches_action": ("Fiches action", "بطاقات الإجراءات"),
    # an acteur's role in an action, on its bundle's cover (the glossary's "Pilote(s)" and "Partenaires", singular)
    "role": ("Rôle", "الدور"),
    "role_pilote": ("Pilote", "المسؤول عن الإجراء"),
    "role_partenaire": ("Partenaire", "شريك"),
    "role_pilote_partenaire": ("Pilote et partenaire", "المسؤول عن الإجراء وشريك"),
    "page": ("Page", "الصفحة"),
    "entre_versions": ("de la version du {old} à la version du {new}", "من نسخة بتاريخ {old} إلى نسخة بتاريخ {new}"),
    "modifications_entre": (
        "Tableau des modifications de la version du {old} à la version du {new}",
        "جدول التعديلات من نسخة بتاريخ {old} إلى نسخة بتاريخ {new}",
    ),
    # the tableau des modifications: its columns, the nature of each change, the fields it names (a field
    # that is also a column of the canevas takes that column's label: "budget", "pilotes", "echeance"...)
    "colonne_nature": ("Nature", "طبيعة التعديل"),
    "colonne_champ": ("Champ", "الحقل"),
    "colonne_avant": ("Avant", "قبل"),
    "colonne_apres": ("Après", "بعد"),
    "nature_ajoutee": ("Action ajoutée", "إجراء مضاف"),
    "nature_supprimee": ("Action supprimée", "إجراء محذوف"),
    "nature_modifiee": ("Action modifiée", "إجراء معدل"),
    "nature_reformule": ("Intitulé reformulé", "صياغة جديدة"),
    "nature_plan": ("Plan modifié", "تعديل المخطط"),
    "champ_province": ("Province", "الإقليم"),
    "champ_territoire": ("Territoire", "نوع العمالة أو الإقليم"),
    "champ_statut": ("Statut", "الوضعية"),
    "champ_validation": ("Validation", "المصادقة"),
    "champ_intitule": ("Intitulé", "العنوان"),
    "champ_objectif_specifique": ("Objectif spécifique", "الهدف الخاص"),
    "champ_source": ("Source du budget", "مصدر الميزانية"),
    "champ_fiche_contexte": ("Fiche : contexte et problématique", "البطاقة: السياق والإشكالية"),
    "champ_fiche_public_vise": ("Fiche : public visé", "البطاقة: الفئة المستهدفة"),
    "champ_fiche_objectifs": ("Fiche : objectifs", "البطاقة: الأهداف"),
    "champ_fiche_modalites": ("Fiche : modalités de mise en œuvre", "البطاقة: كيفيات التنفيذ"),
}

VOLETS: dict[Volet, tuple[str, str]] = {
    Volet.DETECTION: (
        "Détection, prise en charge et suivi des enfants victimes de violence, abus, négligence et exploitation",
        "رصد الأطفال ضحايا العنف والاعتداء والإهمال والاستغلال والتكفل بهم وتتبعهم",
    ),
    Volet.PREVENTION: (
        "Mesures préventives visant à identifier et à répondre aux vulnérabilités des enfants, familles et "
        "communautés",
        "التدابير الوقائية الرامية إلى رصد هشاشة الأطفال والأسر والمجتمعات والاستجابة لها",
    ),
    Volet.PROMOTION: (
        "Promotion et éducation à la culture des droits des enfants",
        "النهوض بثقافة حقوق الطفل والتربية عليها",
    ),
}


def label(key: str, lang: Lang, **values: object) -> str:
    """The fixed term ``key`` in ``lang``, with ``{placeholders}`` filled, set in the language's typography."""
    text = LABELS[key][1 if lang is Lang.AR else 0]
    return typography(text.format(**values) if values else text, lang)


# The colon between a label and what it introduces: "Priorité P1 : ..." / "الأولوية P1: ...".
COLON = {Lang.FR: "\u00a0: ", Lang.AR: ": "}
# The separator of a list inside a line. The Arabic comma, then a right-to-left mark: two Latin
# acronyms around it ("DAS، INDH") keep the reading order under the plain bidi algorithm.
LIST_SEPARATOR = {Lang.FR: ", ", Lang.AR: "،\u200f "}
# An en dash between the two ends of a range of years.
RANGE_DASH = "\u2013"


def labelled(key: str, lang: Lang, value: str) -> str:
    """A label and its value joined by the language's colon: ``Période concernée : 2025–2027``."""
    return f"{label(key, lang)}{COLON[lang]}{value}"


def volet_label(volet: Volet, lang: Lang) -> str:
    """The PPIPEM wording of a volet."""
    return VOLETS[volet][1 if lang is Lang.AR else 0]


def format_date(day: dt.date, lang: Lang) -> str:
    """A date in words: ``18 mars 2025``, ``1er septembre 2025`` / ``18 مارس 2025``."""
    text = _babel_date(day, "long", locale=lang.locale)
    if lang is Lang.FR and day.day == 1 and text.startswith("1 "):
        text = "1er" + text[1:]  # French writes the first of the month as an ordinal
    return text


def format_amount(amount: Decimal, lang: Lang) -> str:
    """An amount in dirhams, grouped for the language; centimes only when there are some."""
    pattern = "#,##0" if amount == amount.to_integral_value() else "#,##0.00"
    return format_decimal(amount, pattern, locale=lang.locale)


def format_money(amount: Decimal, lang: Lang) -> str:
    """An amount with its unit, never broken between them: ``150 000 MAD`` / ``150.000 درهم``."""
    return f"{format_amount(amount, lang)}\u00a0{label('unite', lang)}"


def format_period(debut: int, fin: int) -> str:
    """A range of years with an en dash: ``2025–2027``."""
    return f"{debut}{RANGE_DASH}{fin}"


def format_echeance(due: Echeance, lang: Lang) -> str:
    """An échéance in words: a day, ``semaine 14 de 2026``, ``novembre 2025`` or ``En continu``."""
    if due.kind is EcheanceKind.CONTINU:
        return label("continu", lang)
    if due.kind is EcheanceKind.SEMAINE:
        year, week, _ = due.start.isocalendar()
        return label("semaine", lang, week=week, year=year)
    if due.kind is EcheanceKind.MOIS:
        return _babel_date(due.start, "MMMM y", locale=lang.locale)
    return format_date(due.start, lang)


def territory(plan: Plan, lang: Lang) -> str:
    """``Province d'Assafa`` / ``إقليم أسافة``, with French elision before a vowel."""
    kind = label("prefecture" if plan.territoire is Territoire.PREFECTURE else "province", lang)
    name = plan.province[lang]
    if lang is Lang.AR:
        return f"{kind} {name}"
    elided = name[:1].lower() in "aâàeéèêiîoôuûy"
    return f"{kind} d'{name}" if elided else f"{kind} de {name}"


_DIGIT_GAP = re.compile(r"(?<=\d) (?=\d)")
_SPACES = " \u00a0\u202f"
# a number grouped by thousands with spaces, as writers type it: "1 250 000", "12 500,50"
_GROUPED = re.compile(rf"(?<![\d.,])(?<!\d[{_SPACES}])\d{{1,3}}(?:[{_SPACES}]\d{{3}})+(?![\d]|[{_SPACES}]\d)")
_GROUP_SEP = {Lang.FR: "\u202f", Lang.AR: "."}
_PERCENT = re.compile(rf"(?<=\d)[{_SPACES}]*(?=[%‰])")
_UNIT = re.compile(rf"(?<=\d)[{_SPACES}]+(?=(?:h|min|km|kg|ans?|jours?|mois|MAD|DH|dhs?|dirhams?|درهم|ساعة)\b)")
_BEFORE_HIGH = re.compile(rf"[{_SPACES}]+(?=[;!?])")
_BEFORE_COLON = re.compile(rf"[{_SPACES}]+(?=:)")
_OPEN_QUOTE = re.compile(rf"«[{_SPACES}]*")
_CLOSE_QUOTE = re.compile(rf"[{_SPACES}]*»")
_APOSTROPHE = re.compile(r"(?<=\w)\u2019(?=\w)")
_YEAR_RANGE = re.compile(r"(?<![\w-])((?:19|20)\d\d) ?[-\u2010\u2011\u2012\u2014] ?((?:19|20)\d\d)(?![\w-])")


def keep_digit_groups(text: str) -> str:
    """Join digit groups written with spaces ("0800 00 47 47") by no-break spaces.

    A no-break space between two digits is a number separator for the bidi algorithm, so the groups
    stay in their order inside Arabic text; with an ordinary space they read backwards.
    """
    return _DIGIT_GAP.sub("\u00a0", text) if text else text


@lru_cache(maxsize=16384)
def typography(text: str, lang: Lang) -> str:
    """``text`` set in the typography of ``lang``: what every label and every content text goes through.

    Both languages: an en dash between two years (``2023–2024``), thousands grouped as Babel groups amounts (``1 250 000`` becomes ``1 250 000``
    with U+202F in French, ``1.250.000`` in Arabic), other digit groups ("0800 00 47 47") joined by
    no-break spaces, no break between a number and ``%`` (U+202F) or its unit (U+00A0).
    French: U+202F inside « » and before ``; ! ?``, U+00A0 before ``:``, and the apostrophe that a
    word processor curls (``aujourd’hui``) made straight like the one writers type and the labels
    use, so that a reader's search for "l'enfance" finds every occurrence.
    """
    if not text:
        return text
    sep = _GROUP_SEP[Lang.AR if lang is Lang.AR else Lang.FR]
    text = _GROUPED.sub(lambda m: re.sub(f"[{_SPACES}]", sep, m.group()), text)
    text = keep_digit_groups(text)
    text = _YEAR_RANGE.sub(rf"\1{RANGE_DASH}\2", text)
    text = _PERCENT.sub("\u202f", text)
    text = _UNIT.sub("\u00a0", text)
    if lang is not Lang.AR:
        text = _APOSTROPHE.sub("'", text)
        text = _OPEN_QUOTE.sub("«\u202f", text)
        text = _CLOSE_QUOTE.sub("\u202f»", text)
        text = _BEFORE_HIGH.sub("\u202f", text)
        text = _BEFORE_COLON.sub("\u00a0", text)
    return text


def pilote_text(plan: Plan, pilote, lang: Lang) -> str:
    """A pilote as printed everywhere: ``Nom (fonction, acteur)``."""
    name = typography(pilote.nom[lang], lang) if pilote.nom else ""
    fonction = typography(pilote.fonction[lang], lang) if pilote.fonction else ""
    detail = LIST_SEPARATOR[lang].join(x for x in (fonction, acteur_name(plan, pilote.acteur, lang) if pilote.acteur else "") if x)
    return f"{name} ({detail})" if name and detail else name or detail


def acteur_name(plan: Plan, key: str, lang: Lang, full: bool = False) -> str:
    """An acteur as printed: its sigle in tables, its full name (and sigle) when ``full``."""
    acteur = plan.acteurs.get(key)
    if acteur is None:
        return key
    name = keep_digit_groups(acteur.nom[lang])
    sigle = acteur.sigle[lang] if acteur.sigle is not None else ""
    if full:
        return f"{name} ({sigle})" if sigle else name
    return sigle or name
