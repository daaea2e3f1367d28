"""Dates, amounts and labels per language, through Babel and the fixed glossary.

Every label a template or a message prints comes from :data:`LABELS`, which holds the terms of
``shared/glossary-fr-ar.md``: one term stays one term everywhere. Dates and amounts are formatted by
Babel for ``fr_MA`` and ``ar_MA`` (Latin digits in both, Moroccan month names in Arabic).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

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
    "signature": ("Signature", "التوقيع"),
    "page_sur": ("page {page} / {pages}", "صفحة {page} من {pages}"),
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
    "plan_total": ("Total du plan", "المجموع العام للمخطط"),
    "copie_signature": ("Copie pour signature", "نسخة للتوقيع"),
    "fiches_action": ("Fiches action", "بطاقات الإجراءات"),
    "entre_versions": ("Entre la {old} et la {new}", "بين {old} و{new}"),
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
    """The fixed term ``key`` in ``lang``, with ``{placeholders}`` filled."""
    text = LABELS[key][1 if lang is Lang.AR else 0]
    return text.format(**values) if values else text


def volet_label(volet: Volet, lang: Lang) -> str:
    """The PPIPEM wording of a volet."""
    return VOLETS[volet][1 if lang is Lang.AR else 0]


def format_date(day: dt.date, lang: Lang) -> str:
    """A date in words: ``18 mars 2025`` / ``18 مارس 2025``."""
    return _babel_date(day, "long", locale=lang.locale)


def format_amount(amount: Decimal, lang: Lang) -> str:
    """An amount in dirhams, grouped for the language; centimes only when there are some."""
    pattern = "#,##0" if amount == amount.to_integral_value() else "#,##0.00"
    return format_decimal(amount, pattern, locale=lang.locale)


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


def keep_digit_groups(text: str) -> str:
    """Join digit groups written with spaces ("0800 00 47 47") by no-break spaces.

    A no-break space between two digits is a number separator for the bidi algorithm, so the groups
    stay in their order inside Arabic text; with an ordinary space they read backwards.
    """
    return _DIGIT_GAP.sub("\u00a0", text) if text else text


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
