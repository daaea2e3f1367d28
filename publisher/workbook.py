"""The canevas as an Excel workbook: exported to partners, their updates imported back into plan.yaml.

A CAPE sends the canevas of the guide to each pilot and partner and gets it back corrected. The
workbook holds a guide sheet in each language ("Mode d'emploi", «طريقة الاستعمال»: the rules, the
list of acteurs, the plan and the extract it was made for), then one sheet per priority: the
priority, each objectif général and each objectif spécifique on a coloured header row, one row per
action under its objectif spécifique, in the columns of the guide, each text in a French and an
Arabic column side by side. Several résultats, indicateurs, ressources, pilotes or partenaires are
one per line inside their cell.

One table of columns (:data:`COLUMNS`) and one reading of an action (:func:`action_values`) serve
both directions: the export writes what an action reads as, the import reads the cells back into the
same shape and compares. A hidden sheet (:data:`EXPORTED`) keeps the cells as exported, so that the
import is three-way, as several partners' workbooks of one plan come back one after the other: a cell
untouched since export is never written, a cell changed in the workbook is written unless plan.yaml
changed it too (a conflict, ``classeur.conflit``). Only what changes is written into plan.yaml,
through ruamel.yaml's round trip, so that its comments, order and quoting stay; an untouched workbook
writes nothing. A workbook with any problem or conflict is refused whole, every one located as
``canevas.xlsx:P1!G12``; the edited plan is checked with the plan's rules before it replaces
plan.yaml, atomically.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import Outline
from openpyxl.writer.excel import ExcelWriter
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, ScalarString

from . import diff
from .check import check, load_checked
from .errors import Diagnostic, Location, PlanError, Severity, UsageError
from .i18n import format_amount, format_date, label, territory
from .load import PLAN_FILE, load
from .model import Action, Echeance, Lang, ObjectifGeneral, ObjectifSpecifique, Plan, Priorite, Text
from .render.context import plan_stem
from .render.ooxml import deterministic_zip

ERROR, WARNING = Severity.ERROR, Severity.WARNING
FR, AR = Lang.FR, Lang.AR

GUIDE = {FR: "Mode d'emploi", AR: "طريقة الاستعمال"}
HEADER_ROWS = (2, 3)  # the column titles, French then Arabic; row 1 is the sheet's title
FIRST_ROW = 4
SPARE_ROWS = 50  # rows below the last action that keep the drop-down lists, for inserted actions
ACTEURS_NAME = "acteurs"  # the defined name of the acteur keys on the French guide sheet
EXPORTED = "Valeurs exportées"  # the hidden sheet of the cells as exported, for the three-way import
EXPORTED_PASSWORD = "publisher-valeurs-exportees"


# --- the columns ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a priority sheet: the field it shows, which part of it, its titles and width bounds."""

    field: str  # a key of action_values()
    part: str  # "fr" / "ar" for a text, "acteur", "nom.fr", ... for pilotes, "" for a one-part field
    titles: tuple[str, str]
    widths: tuple[int, int] = (10, 40)

    @property
    def lang(self) -> Lang | None:
        """The language of the column's text, ``None`` for codes, keys, amounts and échéances."""
        last = self.part.rsplit(".", 1)[-1]
        return Lang(last) if last in ("fr", "ar") else None


_IN = {FR: (" (fr)", " (بالفرنسية)"), AR: (" (ar)", " (بالعربية)")}


def _pair(field: str, fr_title: str, ar_title: str, widths=(14, 40), prefix: str = "") -> list[Column]:
    return [Column(field, f"{prefix}{lang.value}", (fr_title + _IN[lang][0], ar_title + _IN[lang][1]), widths)
            for lang in (FR, AR)]


def _columns() -> tuple[Column, ...]:
    # Narrow columns and tall rows: 23 columns must fit the width of a landscape A4 page.
    pilote = (label("pilotes", FR), label("pilotes", AR))
    return (
        Column("code", "", (label("code", FR), label("code", AR)), (8, 10)),
        *_pair("intitule", label("actions", FR), label("actions", AR), (14, 24)),
        *_pair("resultats_attendus", label("resultats_attendus", FR), label("resultats_attendus", AR), (14, 24)),
        Column("pilotes", "acteur", (f"{pilote[0]} : acteur", f"{pilote[1]}: الجهة"), (9, 11)),
        *_pair("pilotes", f"{pilote[0]} : nom", f"{pilote[1]}: الاسم", (10, 14), prefix="nom."),
        *_pair("pilotes", f"{pilote[0]} : fonction", f"{pilote[1]}: الوظيفة", (10, 16), prefix="fonction."),
        Column("partenaires", "", (label("partenaires", FR), label("partenaires", AR)), (9, 11)),
        *_pair("ressources.humaines", "Ressources humaines nécessaires", "الموارد البشرية اللازمة", (12, 18)),
        *_pair("ressources.materielles", "Ressources matérielles nécessaires", "الموارد المادية اللازمة", (12, 18)),
        Column("budget.montant", "", (label("budget_colonne", FR), label("budget_colonne", AR)), (9, 10)),
        *_pair("budget.source", label(diff.FIELD_LABELS["source"], FR), label(diff.FIELD_LABELS["source"], AR), (10, 16)),
        *_pair("indicateurs", label("indicateurs", FR), label("indicateurs", AR), (12, 20)),
        Column("echeance", "", (label("echeance", FR), label("echeance", AR)), (9, 10)),
        *_pair("suivi", label("suivi", FR), label("suivi", AR), (12, 20)),
    )


COLUMNS = _columns()
COL = {(c.field, c.part): i + 1 for i, c in enumerate(COLUMNS)}  # 1-based column of a field's part
CODE_COL = COL[("code", "")]
TITLE_COLS = {lang: COL[("intitule", lang.value)] for lang in Lang}
LIST_FIELDS = ("resultats_attendus", "ressources.humaines", "ressources.materielles", "indicateurs")
TEXT_FIELDS = ("intitule", "budget.source", "suivi")
PILOTE_PARTS = ("acteur", "nom.fr", "nom.ar", "fonction.fr", "fonction.ar")
LEVEL_COL = len(COLUMNS) + 1  # on the sheet of exported values: the row's level
ACTION_LEVEL = "action"


def _pair_of(text: Text | None) -> tuple[str | None, str | None]:
    if text is None:
        return (None, None)
    return (text.fr or None, text.ar or None)


def action_values(action: Action) -> dict[str, Any]:
    """An action as the workbook shows it, field by field, in the shape the import reads back."""
    return {
        "intitule": _pair_of(action.intitule),
        "resultats_attendus": tuple(_pair_of(t) for t in action.resultats_attendus),
        "pilotes": tuple(
            (p.acteur, *_pair_of(p.nom), *_pair_of(p.fonction)) for p in action.pilotes
        ),
        "partenaires": tuple(action.partenaires),
        "ressources.humaines": tuple(_pair_of(t) for t in action.ressources.humaines),
        "ressources.materielles": tuple(_pair_of(t) for t in action.ressources.materielles),
        "budget.montant": action.budget.montant,
        "budget.source": _pair_of(action.budget.source),
        "indicateurs": tuple(_pair_of(t) for t in action.indicateurs),
        "echeance": action.echeance,
        "suivi": _pair_of(action.suivi),
    }


def _cell_value(field: str, part: str, value: Any) -> Any:
    """What the cell of ``field``'s ``part`` holds for ``value`` (lines joined by line breaks)."""
    if field in TEXT_FIELDS:
        return value[0 if part == "fr" else 1]
    if field in LIST_FIELDS:
        return _lines([item[0 if part == "fr" else 1] for item in value])
    if field == "pilotes":
        return _lines([pilote[PILOTE_PARTS.index(part)] for pilote in value])
    if field == "partenaires":
        return _lines(list(value))
    if field == "echeance":
        return str(value)
    return value  # budget.montant: a Decimal, written exactly


def _lines(items: list[str | None]) -> str | None:
    text = "\n".join(item or "" for item in items).rstrip("\n")
    return text or None


# --- scope: the whole plan or what one acteur pilots or partners ---------------------------------


def in_scope(plan: Plan, acteur: str | None) -> list[Action]:
    """The actions a workbook holds: every action, or those ``acteur`` pilots or partners."""
    if acteur is None:
        return plan.actions
    return plan.actions_of(acteur)


def _digest(root: Path) -> str:
    return hashlib.sha256((root / PLAN_FILE).read_bytes()).hexdigest()[:16]


# --- export ---------------------------------------------------------------------------------------

_FONT = "Arial"  # has Arabic glyphs wherever Excel runs; LibreOffice substitutes a metric twin
_THIN = Side(style="thin", color="A6A6A6")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FILLS = {"en-tête": "1F4E79", "priorité": "BDD7EE", "objectif général": "DDEBF7", "objectif spécifique": "F2F2F2"}
_LEVEL = {Priorite: "priorité", ObjectifGeneral: "objectif général", ObjectifSpecifique: "objectif spécifique"}
_LINE_POINTS = 12.0  # the height of one line of 9-point text, in points


def _safe(text: Any) -> Any:
    return ILLEGAL_CHARACTERS_RE.sub("", text) if isinstance(text, str) else text


def _put(ws, row: int, col: int, value: Any, *, rtl: bool = False, bold: bool = False, italic: bool = False,
         white: bool = False, wrap: bool = True, size: int = 9, fill: str = "", border: bool = False,
         locked: bool = True, number_format: str = "General"):
    """Write one cell as text (never a formula), wrapped, aligned for its language (numbers to the right).

    Its look is a named style of the workbook, made once per combination: thousands of cells share a
    few styles (openpyxl would otherwise compare every cell's font, fill and border with all the others).
    """
    cell = ws.cell(row=row, column=col)
    if value is not None:
        cell.value = _safe(value)
        if isinstance(value, str):
            cell.data_type = "s"  # a text starting with "=" stays a text
    right = rtl or isinstance(value, (int, Decimal))
    cell.style = _style(ws.parent, (rtl, right, bold, italic, white, wrap, size, fill, border, locked, number_format))
    return cell


def _style(wb: Workbook, key: tuple) -> str:
    rtl, right, bold, italic, white, wrap, size, fill, border, locked, number_format = key
    words = ["canevas", "ar" if rtl else "", "droite" if right and not rtl else "", "gras" if bold else "",
             "italique" if italic else "", "blanc" if white else "", "" if wrap else "sur une ligne",
             f"{size} pt", fill, "bordé" if border else "", "" if locked else "modifiable",
             {"@": "texte", "General": ""}.get(number_format, number_format)]
    name = " ".join(w for w in words if w)
    if name not in wb.named_styles:
        style = NamedStyle(name=name)
        style.font = Font(name=_FONT, size=size, bold=bold, italic=italic, color="FFFFFF" if white else "000000")
        style.alignment = Alignment(wrap_text=wrap, vertical="top", horizontal="right" if right else "left",
                                    readingOrder=2 if rtl else 1)
        if fill:
            style.fill = PatternFill("solid", fgColor=_FILLS[fill])
        if border:
            style.border = _BORDER
        style.protection = Protection(locked=locked)
        style.number_format = number_format
        wb.add_named_style(style)
    return name


_LATIN_FORMS = re.compile(r"\d{4}-[0-9W]+(?:-\d+)?")


def _ltr(text: str) -> str:
    """Left-to-right marks around 2026-W14, 2025-11, 2025-06-30, so that an Arabic line never reads W14-2026."""
    return _LATIN_FORMS.sub(lambda m: f"\u200e{m.group()}\u200e", text)


def export(plan: Plan, acteur: str | None = None, digest: str = "") -> bytes:
    """The canevas of ``plan`` (or of what ``acteur`` pilots or partners) as .xlsx bytes, deterministic."""
    if acteur is not None and acteur not in plan.acteurs:
        raise UsageError(f"acteur « {acteur} » inconnu : clés admises : {', '.join(plan.acteurs)}")
    actions = in_scope(plan, acteur)
    if not actions:
        raise UsageError(f"l'acteur « {acteur} » ne pilote ni n'accompagne aucune action du plan")
    wb = Workbook()
    wb.remove(wb.active)
    stamp = dt.datetime.combine(plan.version, dt.time())
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.creator = wb.properties.lastModifiedBy = "publisher"
    wb.properties.title = f"{label('canevas', FR)} — {territory(plan, FR)}"
    _guide_sheet(wb, plan, FR, acteur, digest)
    _guide_sheet(wb, plan, AR, acteur, digest)
    codes = {a.code for a in actions}
    shown = [prio for prio in plan.priorites if any(a.code in codes for a in prio.actions)]
    for prio in shown:
        _priority_sheet(wb, plan, prio, codes)
    _exported_sheet(wb, shown, codes)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()  # not save_workbook(), which stamps the time of day
    return deterministic_zip(out.getvalue(), plan.version)


_RULES = {
    FR: (
        "Une feuille par priorité (P1, P2, …) : la ligne de la priorité, puis chaque objectif général et chaque "
        "objectif spécifique sur une ligne de couleur, et sous chacun une ligne par action, dans les colonnes du "
        "canevas du guide.",
        "Chaque texte a deux colonnes côte à côte, français (fr) et arabe (ar) : corrigez les deux.",
        "Plusieurs résultats attendus, indicateurs, ressources, pilotes ou partenaires : un par ligne dans la "
        "cellule (Alt+Entrée dans Excel, Ctrl+Entrée dans LibreOffice). La 1re ligne en français va avec la "
        "1re ligne en arabe.",
        "Pilotes : une ligne par pilote dans les colonnes acteur, nom et fonction, dans le même ordre.",
        "Acteurs (pilotes et partenaires) : la clé de la liste ci-dessous, telle qu'elle est écrite "
        "(liste déroulante).",
        "Budget : un nombre en dirhams, supérieur ou égal à 0, sans unité (12500.50).",
        "Échéance : un jour 2025-06-30, une semaine 2026-W14, un mois 2025-11 ou continu, saisi comme texte "
        "et non comme date.",
        "Saisissez des valeurs, pas de formules ; ne fusionnez pas de cellules ; ne renommez ni ne supprimez "
        "de feuille, de colonne ou de ligne d'en-tête. Les codes sont verrouillés.",
        "Nouvelle action : ôtez la protection de la feuille (Révision > Ôter la protection, sans mot de passe), "
        "insérez une ligne sous son objectif spécifique et donnez-lui un code nouveau (A1.1.1.3, …). Une action "
        "absente du classeur n'est retirée du plan que si la CAPE le demande à l'import.",
        "Renvoyez le classeur à la CAPE, qui l'importe dans le plan : un classeur qui contient une erreur est "
        "refusé en entier, chaque erreur située par sa feuille et sa cellule.",
    ),
    AR: (
        "ورقة لكل أولوية (P1، P2، …): سطر الأولوية، ثم كل هدف عام وكل هدف خاص في سطر ملون، وتحت كل منها سطر "
        "لكل إجراء، في أعمدة إطار مخطط العمل الوارد في الدليل.",
        "لكل نص عمودان متجاوران، بالفرنسية (fr) وبالعربية (ar): صححوا النصين معا.",
        "عند تعدد النتائج المنتظرة أو المؤشرات أو الموارد أو المسؤولين أو الشركاء: عنصر واحد في كل سطر داخل "
        "الخلية (Alt+Entrée في Excel، وCtrl+Entrée في LibreOffice). السطر الأول بالفرنسية يقابله السطر الأول "
        "بالعربية.",
        "المسؤولون عن الإجراء: سطر لكل مسؤول في أعمدة الجهة والاسم والوظيفة، بالترتيب نفسه.",
        "الفاعلون (المسؤولون والشركاء): يكتب رمز الجهة كما هو في اللائحة أسفله (لائحة منسدلة).",
        "الميزانية: عدد بالدرهم، يساوي 0 أو أكثر، دون وحدة (12500.50).",
        "الأجل: يوم 2025-06-30، أو أسبوع 2026-W14، أو شهر 2025-11، أو continu، يكتب نصا لا تاريخا.",
        "تكتب القيم مباشرة دون صيغ حسابية؛ لا تدمج الخلايا؛ لا يغير اسم أي ورقة ولا يحذف أي عمود أو سطر عناوين. "
        "الرموز مقفلة.",
        "إجراء جديد: أزيلوا حماية الورقة (مراجعة > إلغاء حماية الورقة، دون كلمة مرور)، وأدرجوا سطرا تحت الهدف "
        "الخاص المعني، وأعطوه رمزا جديدا (A1.1.1.3، …). لا يحذف من المخطط إجراء غائب عن المصنف إلا إذا طلب "
        "المركز ذلك عند الاستيراد.",
        "أعيدوا المصنف إلى مركز مواكبة حماية الطفولة الذي يدمجه في المخطط: يرفض المصنف كاملا إذا تضمن خطأ، مع "
        "تحديد الورقة والخلية لكل خطأ.",
    ),
}
_GUIDE_LABELS = {  # the identity block: rows 3 to 6 of each guide sheet
    FR: ("Plan", "Version du plan", "Acteur de l'extrait", "Empreinte de plan.yaml", "tous les acteurs",
         "Règles de saisie", ("Clé", label("nom", FR), "Sigle"), "Acteurs (pilotes et partenaires)"),
    AR: ("المخطط", "نسخة المخطط", "الجهة المعنية بالمستخرج", "بصمة plan.yaml", "جميع الفاعلين",
         "قواعد التعبئة", (label("code", AR), label("nom", AR), "المختصر"), "الفاعلون (المسؤولون والشركاء)"),
}
IDENTITY_ROWS = {"plan": 3, "version": 4, "acteur": 5, "digest": 6}


def _plan_identity(plan: Plan) -> str:
    return f"{territory(plan, FR)}, {plan.periode.debut}-{plan.periode.fin}"


def _guide_sheet(wb: Workbook, plan: Plan, lang: Lang, acteur: str | None, digest: str) -> None:
    ws = wb.create_sheet(GUIDE[lang])
    rtl = lang.rtl
    ws.sheet_view.rightToLeft = rtl
    labels = _GUIDE_LABELS[lang]
    title = f"{'طريقة استعمال' if rtl else 'Mode d’emploi du'} {label('canevas', lang)} — {territory(plan, lang)}"
    _put(ws, 1, 1, title, rtl=rtl, bold=True, wrap=False, size=12)
    # The French sheet's identity cells are read back by the import: the plan, and the acteur of the extract.
    identity = (
        _plan_identity(plan) if lang is FR else f"{territory(plan, AR)}، {plan.periode.debut}-{plan.periode.fin}",
        f"{plan.version.isoformat()} ({format_date(plan.version, lang)})",
        acteur or ("tous" if lang is FR else labels[4]),
        digest,
    )
    for (key, row), name, value in zip(IDENTITY_ROWS.items(), labels, identity):
        _put(ws, row, 1, name, rtl=rtl, bold=True)
        _put(ws, row, 2, value, rtl=rtl)
    if acteur is not None:
        _put(ws, IDENTITY_ROWS["acteur"], 3, plan.acteurs[acteur].nom[lang], rtl=rtl, wrap=False)
    row = 8
    _put(ws, row, 1, labels[5], rtl=rtl, bold=True, size=11, wrap=False)
    for n, rule in enumerate(_RULES[lang], start=1):
        row += 1
        _put(ws, row, 1, f"{n}.", rtl=rtl)
        _put(ws, row, 2, _ltr(rule) if rtl else rule, rtl=rtl)
        ws.row_dimensions[row].height = _LINE_POINTS * math.ceil(len(rule) / 110 + 0.2)
    row += 2
    _put(ws, row, 1, labels[7], rtl=rtl, bold=True, size=11, wrap=False)
    row += 1
    for c, head in enumerate(labels[6], start=1):
        _put(ws, row, c, head, rtl=rtl, bold=True, white=True, fill="en-tête")
    first = row + 1
    for key, acteur_ in plan.acteurs.items():
        row += 1
        _put(ws, row, 1, key, rtl=rtl)
        _put(ws, row, 2, acteur_.nom[lang], rtl=rtl)
        _put(ws, row, 3, acteur_.sigle[lang] if acteur_.sigle else None, rtl=rtl)
    if lang is FR and plan.acteurs:
        ref = f"{_quote(ws.title)}!$A${first}:$A${row}"
        wb.defined_names[ACTEURS_NAME] = DefinedName(ACTEURS_NAME, attr_text=ref)
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 110
    ws.column_dimensions["C"].width = 14
    ws.protection.sheet = True
    _print_setup(ws, plan, lang, fit_height=False)


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _print_setup(ws, plan: Plan, lang: Lang, fit_height: bool) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if fit_height else 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    footer = label("version_du", lang, date=format_date(plan.version, lang))
    ws.oddFooter.center.text = f"{footer} — &P / &N"
    ws.oddFooter.center.size = 8


def _priority_sheet(wb: Workbook, plan: Plan, prio: Priorite, codes: set[str]) -> None:
    """One priority: its row, then each objective's header row and one row per action of ``codes``."""
    ws = wb.create_sheet(_sheet_name(prio.code))
    ws.sheet_properties.outlinePr = Outline(summaryBelow=False, summaryRight=False)
    heading = {lang: f"{label('canevas', lang)} — {territory(plan, lang)} — {label('priorite', lang)} {prio.code}"
               for lang in Lang}
    _put(ws, 1, 1, heading[FR], bold=True, wrap=False, size=12)
    _put(ws, 1, len(COLUMNS), heading[AR], rtl=True, bold=True, wrap=False, size=12)
    for c, column in enumerate(COLUMNS, start=1):
        for r, lang in zip(HEADER_ROWS, Lang):
            _put(ws, r, c, column.titles[lang is AR], rtl=lang.rtl, bold=True, white=True, fill="en-tête",
                 border=True)
    row = FIRST_ROW - 1
    for node in _sheet_rows(prio, codes):
        row += 1
        if isinstance(node, Action):
            _action_row(ws, row, node)
        else:
            _header_row(ws, row, node, 1 if isinstance(node, ObjectifSpecifique) else 0)
    _layout(ws, plan, row)


def _sheet_rows(prio: Priorite, codes: set[str]):
    """The nodes a priority's sheet shows, in order: the priority, then each objective holding one of
    ``codes`` and those actions under their objectif spécifique."""
    yield prio
    for og in prio.objectifs_generaux:
        if any(a.code in codes for a in og.actions):
            yield og
        for os_ in og.objectifs_specifiques:
            if any(a.code in codes for a in os_.actions):
                yield os_
            yield from (action for action in os_.actions if action.code in codes)


def _exported_sheet(wb: Workbook, priorities: list[Priorite], codes: set[str]) -> None:
    """The cells of every priority sheet as exported, on a hidden, protected sheet: what import compares with.

    The same cells in the same columns, one row per row of the priority sheets, with the row's level after
    the last column; the import reads them as it reads the visible rows, so that a cell the partner did not
    touch reads the same on both sheets, whatever Excel or Calc made of it on saving.
    """
    ws = wb.create_sheet(EXPORTED)
    ws.sheet_state = "veryHidden"
    _put(ws, 1, 1, "Valeurs du canevas à l'export, lues par l'import : ne pas modifier. "
         "قيم الإطار عند التصدير، يقرؤها الاستيراد: لا تعدل.", wrap=False)
    row = 1
    for prio in priorities:
        for node in _sheet_rows(prio, codes):
            row += 1
            _put(ws, row, CODE_COL, node.code)
            if isinstance(node, Action):
                values = action_values(node)
                for c, column in enumerate(COLUMNS, start=1):
                    if column.field != "code":
                        _put(ws, row, c, _cell_value(column.field, column.part, values[column.field]),
                             number_format="@" if column.field == "echeance" else "General")
            else:
                for lang, c in TITLE_COLS.items():
                    _put(ws, row, c, node.intitule[lang] or None)
            _put(ws, row, LEVEL_COL, _LEVEL.get(type(node), ACTION_LEVEL))
    ws.protection.sheet = True
    # a password (not a secret: it is here) so that a partner who unhides the sheet in Calc cannot edit it
    # by mistake; the visible sheets stay protected without one, to let partners insert rows
    ws.protection.password = EXPORTED_PASSWORD


def _header_row(ws, row: int, node, depth: int) -> None:
    """A priority or objective: its code (locked) and its titles (editable) on a coloured row."""
    level = _LEVEL[type(node)]
    for c in range(1, len(COLUMNS) + 1):
        lang = next((lang for lang in Lang if TITLE_COLS[lang] == c), None)
        if c == CODE_COL:
            _put(ws, row, c, node.code, bold=True, fill=level, border=True)
        elif lang is None:
            _put(ws, row, c, None, fill=level, border=True)
        else:
            _put(ws, row, c, node.intitule[lang] or None, rtl=lang.rtl, bold=True, fill=level, border=True,
                 locked=False, italic=isinstance(node, ObjectifSpecifique))
    ws.row_dimensions[row].outline_level = depth


def _action_row(ws, row: int, action: Action) -> None:
    """An action, one cell per column; only its code is locked."""
    values = action_values(action)
    for c, column in enumerate(COLUMNS, start=1):
        if column.field == "code":
            _put(ws, row, c, action.code, border=True)
            continue
        value = _cell_value(column.field, column.part, values[column.field])
        number_format = "General"
        if column.field == "budget.montant":
            number_format = "#,##0" if value == value.to_integral_value() else "#,##0.00"
        elif column.field == "echeance":
            number_format = "@"  # what is typed there stays a text, never an Excel date
        _put(ws, row, c, value, rtl=column.lang is AR, border=True, locked=False, number_format=number_format)
    ws.row_dimensions[row].outline_level = 2


def _layout(ws, plan: Plan, last: int) -> None:
    """Column widths that fit, row heights, spare editable rows, drop-down lists, print and protection."""
    widths = []
    for c, column in enumerate(COLUMNS, start=1):
        longest = len(max(column.titles, key=len)) // 2
        for r in range(FIRST_ROW, last + 1):
            value = ws.cell(row=r, column=c).value
            if isinstance(value, str):
                longest = max(longest, *(len(line) for line in value.split("\n")))
        low, high = column.widths
        widths.append(max(low, min(high, longest + 1)))
        ws.column_dimensions[get_column_letter(c)].width = widths[-1]
    for r in (*HEADER_ROWS, *range(FIRST_ROW, last + 1)):  # Excel does not grow rows by itself on opening
        ws.row_dimensions[r].height = _LINE_POINTS * max(1, _row_lines(ws, r, widths))
    for r in range(last + 1, last + SPARE_ROWS + 1):
        for c in range(1, len(COLUMNS) + 1):
            _put(ws, r, c, None, locked=False, number_format="@" if c == COL[("echeance", "")] else "General")
    _validations(ws, last + SPARE_ROWS, plan)
    ws.freeze_panes = ws.cell(row=FIRST_ROW, column=CODE_COL + 1)
    ws.print_title_rows = f"1:{HEADER_ROWS[-1]}"
    ws.protection.sheet = True
    ws.protection.formatColumns = ws.protection.formatRows = ws.protection.formatCells = False
    ws.protection.insertRows = ws.protection.deleteRows = False
    _print_setup(ws, plan, FR, fit_height=False)


def _row_lines(ws, row: int, widths: list[int]) -> int:
    """How many lines the tallest cell of ``row`` wraps to, at its column's width."""
    tallest = 0
    for c, width in enumerate(widths, start=1):
        value = ws.cell(row=row, column=c).value
        if not isinstance(value, str):
            continue
        per_line = max(1, int(width * 1.25))  # 9-point text fits a little more than a width unit per character
        tallest = max(tallest, sum(max(1, math.ceil(len(line) / per_line)) for line in value.split("\n")))
    return tallest


def _sheet_name(code: str) -> str:
    if not code or len(code) > 31 or re.search(r"[\[\]:*?/\\]", code) or code in (*GUIDE.values(), EXPORTED):
        raise UsageError(f"le code de priorité « {code} » ne peut pas nommer une feuille de classeur")
    return code


def _validations(ws, last: int, plan: Plan) -> None:
    def column(field: str, part: str = "") -> str:
        letter = get_column_letter(COL[(field, part)])
        return f"{letter}{FIRST_ROW}:{letter}{last}"

    keys = DataValidation(
        type="list", formula1=ACTEURS_NAME, allow_blank=True, showErrorMessage=True, errorStyle="information",
        errorTitle="Acteur / الجهة",
        error="Une clé d'acteur par ligne, prise dans la liste du Mode d'emploi. "
              "رمز جهة واحد في كل سطر، من لائحة طريقة الاستعمال.",
        showInputMessage=True, promptTitle="Acteur / الجهة",
        prompt="Une clé par ligne / رمز واحد في كل سطر",
    )
    keys.add(column("pilotes", "acteur"))
    keys.add(column("partenaires"))
    budget = DataValidation(
        type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=False, showErrorMessage=True,
        errorStyle="stop", errorTitle="Budget / الميزانية",
        error="Un nombre en dirhams, >= 0, sans unité. عدد بالدرهم يساوي 0 أو أكثر، دون وحدة.",
    )
    budget.add(column("budget.montant"))
    first = f"{get_column_letter(COL[('echeance', '')])}{FIRST_ROW}"
    digits = 'ISNUMBER(--SUBSTITUTE(SUBSTITUTE({c},"-W",""),"-",""))'.format(c=first)
    due = DataValidation(
        type="custom", allow_blank=False, showErrorMessage=True, errorStyle="stop",
        formula1=(f'OR({first}="continu",AND({digits},OR(AND(LEN({first})=10,MID({first},5,1)="-",'
                  f'MID({first},8,1)="-"),AND(LEN({first})=7,MID({first},5,1)="-"),'
                  f'AND(LEN({first})=8,MID({first},5,2)="-W"))))'),
        errorTitle="Échéance / الأجل",
        error="2025-06-30, 2026-W14, 2025-11 ou continu, saisi comme texte. يكتب نصا: 2025-06-30 أو 2026-W14 "
              "أو 2025-11 أو continu.",
        showInputMessage=True, promptTitle="Échéance / الأجل", prompt="2025-06-30 | 2026-W14 | 2025-11 | continu",
    )
    due.add(column("echeance"))
    for validation in (keys, budget, due):
        ws.add_data_validation(validation)


def export_file(root: Path | str, out: Path | str | None = None, acteur: str | None = None) -> Path:
    """Check the plan folder, export its canevas to ``out`` (default ``canevas-<province>-<version>.xlsx``)."""
    root = Path(root)
    plan = load_checked(root).plan
    data = export(plan, acteur, _digest(root))
    if out is None:
        out = Path(f"canevas-{plan_stem(plan)}{'-' + acteur if acteur else ''}.xlsx")
    out = Path(out)
    if out.is_dir():
        raise UsageError(f"{out} est un dossier : donnez le nom du fichier .xlsx à écrire")
    _write_atomic(out, data)
    return out


def _write_atomic(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(name, 0o644)
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


# --- import: reading the workbook -----------------------------------------------------------------


@dataclass
class Row:
    """One row of a priority sheet: a header (priority, objective) or an action, with its cells."""

    sheet: str
    row: int
    code: str
    parent: str | None  # the objectif spécifique an action row sits under; the OG of an OS row; ...
    values: dict[str, Any] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)  # field -> "P1!G12"
    part_cells: dict[tuple[str, str], str] = field(default_factory=dict)  # (field, part) -> "P1!G12"


@dataclass(frozen=True)
class Exported:
    """A row as the workbook held it at export: its sheet, level, parent's code and values (as :class:`Row`)."""

    sheet: str
    level: str
    parent: str | None
    values: dict[str, Any]


def _short(value: Any) -> str:
    text = str(value).replace("\n", " ")
    return text if len(text) <= 40 else text[:39] + "…"


@dataclass(frozen=True)
class _Cell:
    """A cell as the export writes it, for reading a plan's value back as a workbook would hold it."""

    written: Any
    row: int = 0
    column: int = 1
    coordinate: str = "A0"

    @property
    def value(self) -> Any:
        """What a spreadsheet gives back: text as text, an amount as a number (never a ``Decimal``)."""
        value = _safe(self.written)
        if isinstance(value, Decimal):
            return int(value) if value == value.to_integral_value() else float(value)
        return value

    @property
    def data_type(self) -> str:
        """Never a formula: the export writes every text as a text."""
        return "s" if isinstance(self.written, str) else "n"


class _Refusal(Exception):
    """A sheet cannot be read further (its columns moved): its problems are already recorded."""


class _Reader:
    """Reads a workbook into rows, recording every problem located by sheet and cell."""

    def __init__(self, path: Path, plan: Plan):
        self.path, self.plan = path, plan
        self.file = path.name
        self.problems: list[Diagnostic] = []
        self.cached: Any = None  # the workbook's computed values, read only when a formula is met
        try:
            self.wb = load_workbook(path, data_only=False)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError):
            raise UsageError(f"{path} : classeur .xlsx illisible (ce n'est pas un classeur Excel enregistré au "
                             f"format .xlsx, ou il est endommagé)") from None
        self.nodes = {node.code: node for _, node in plan.walk()}
        self.parent: dict[str, str] = {}
        for prio in plan.priorites:
            for og in prio.objectifs_generaux:
                self.parent[og.code] = prio.code
                for os_ in og.objectifs_specifiques:
                    self.parent[os_.code] = og.code
                    for action in os_.actions:
                        self.parent[action.code] = os_.code
        self.acteur: str | None = None
        self.digest = ""
        self.exported: dict[str, Exported] | None = None  # code -> its row at export; None: an older workbook
        self.headers: list[Row] = []
        self.gone: list[Row] = []  # the rows of objectives removed from plan.yaml since the export
        self.actions: list[Row] = []

    def problem(self, sheet: str, row: int, col: int, code: str, message: str, rule: str,
                severity: Severity = ERROR) -> None:
        where = Location(self.file, row, col, f"{sheet}!{get_column_letter(col)}{row}" if row else sheet)
        self.problems.append(Diagnostic(where, severity, code, message, rule))

    def read(self) -> None:
        names = self.wb.sheetnames
        if GUIDE[FR] not in names:
            self.problem(GUIDE[FR], 0, 1, "-", f"feuille « {GUIDE[FR]} » absente : elle dit quel plan et quel "
                         "acteur ce classeur concerne", "classeur.feuille")
            return
        if not self._identity(self.wb[GUIDE[FR]]):
            return
        if EXPORTED in names:
            self._read_exported(self.wb[EXPORTED])
        scope = {a.code for a in in_scope(self.plan, self.acteur)}
        expected = [p.code for p in self.plan.priorites if any(a.code in scope for a in p.actions)]
        if self.exported is not None:  # the sheets of the export, a priority since removed from the plan too
            expected += [code for code, row in self.exported.items()
                         if row.level == _LEVEL[Priorite] and code not in expected]
        for name in names:
            if name not in (*GUIDE.values(), EXPORTED) and name not in expected:
                self.problem(name, 1, 1, "-", f"feuille « {name} » inconnue : attendu {', '.join(expected)} "
                             "(une feuille a-t-elle été renommée ?)", "classeur.feuille")
        for code in expected:
            if code not in names:
                self.problem(code, 0, 1, code, f"feuille « {code} » absente (supprimée ou renommée ?)",
                             "classeur.feuille")
            elif code not in self.nodes:
                self.problem(code, 1, CODE_COL, code, f"conflit : la priorité {code} a été retirée de plan.yaml "
                             "depuis l'export de ce classeur ; exportez-le de nouveau et reportez-y les "
                             "modifications", "classeur.conflit")
            else:
                try:
                    self._sheet(self.wb[code], self.nodes[code], scope)
                except _Refusal:
                    pass

    def _identity(self, ws) -> bool:
        """Read which plan and which acteur the workbook was exported for; False when it cannot be used."""
        sheet = ws.title
        labels = _GUIDE_LABELS[FR]
        for key, row in IDENTITY_ROWS.items():
            if ws.cell(row=row, column=1).value != labels[row - 3]:
                self.problem(sheet, row, 1, "-", f"« {labels[row - 3]} » attendu : la feuille {sheet} a été "
                             "modifiée", "classeur.entete")
                return False
        plan_cell = ws.cell(row=IDENTITY_ROWS["plan"], column=2).value
        if plan_cell != _plan_identity(self.plan):
            self.problem(sheet, IDENTITY_ROWS["plan"], 2, "-", f"classeur d'un autre plan (« {plan_cell} », "
                         f"attendu « {_plan_identity(self.plan)} »)", "classeur.plan")
        acteur = self._text(ws, IDENTITY_ROWS["acteur"], 2)
        if acteur not in (None, "tous"):
            if acteur not in self.plan.acteurs:
                self.problem(sheet, IDENTITY_ROWS["acteur"], 2, "-", f"acteur « {acteur} » inconnu du plan",
                             "acteur.inconnu")
                return False
            self.acteur = acteur
        self.digest = self._text(ws, IDENTITY_ROWS["digest"], 2) or ""
        return plan_cell == _plan_identity(self.plan)

    def _read_exported(self, ws) -> None:
        """The hidden sheet of the cells as exported, read as the priority sheets are (its problems are not
        the partner's: an acteur since removed from the plan, say)."""
        problems, self.problems = self.problems, []
        self.exported = {}
        parents: dict[str, str | None] = {level: None for level in _LEVEL.values()}
        above = {_LEVEL[ObjectifGeneral]: _LEVEL[Priorite], _LEVEL[ObjectifSpecifique]: _LEVEL[ObjectifGeneral],
                 ACTION_LEVEL: _LEVEL[ObjectifSpecifique]}
        for r in range(2, ws.max_row + 1):
            code, level = self._text(ws, r, CODE_COL), self._text(ws, r, LEVEL_COL)
            if code is None or level not in (*parents, ACTION_LEVEL):
                continue
            parent = parents.get(above.get(level, ""))
            sheet = parents[_LEVEL[Priorite]] if level != _LEVEL[Priorite] else code
            if level == ACTION_LEVEL:
                row = Row(ws.title, r, code, parent)
                self._fields(ws, ws.title, r, row)
                values = row.values
            else:
                parents[level] = code
                values = {"intitule": tuple(self._line(ws.title, ws.cell(row=r, column=TITLE_COLS[lang]), code)
                                            for lang in Lang)}
            self.exported[code] = Exported(sheet or "", level, parent, values)
        self.problems = problems

    def as_read(self, node: Any) -> dict[str, Any]:
        """A node of the plan as the workbook reads it back from the cells the export writes for it.

        The same shape as :func:`action_values`, through the same readers: a line break in a one-line text
        folds to a space, an empty line of a list drops, so that it compares with a workbook's row.
        """
        problems, self.problems = self.problems, []
        if not isinstance(node, Action):
            pair = _pair_of(node.intitule)
            values = {"intitule": tuple(self._line("", _Cell(text), node.code) for text in pair)}
        else:
            values = {}
            for name, value in action_values(node).items():
                cells = {column.part: _Cell(_cell_value(name, column.part, value))
                         for column in COLUMNS if column.field == name}
                values[name] = self._read(name)("", node.code, cells)
        self.problems = problems
        return values

    def at(self, cell: str, code: str, message: str, rule: str) -> Diagnostic:
        """An error located at ``cell`` (``P1!G12``, or a sheet's name)."""
        sheet, _, ref = cell.partition("!")
        letters = re.match(r"[A-Z]*", ref).group()
        return Diagnostic(Location(self.file, int(ref[len(letters):] or 0), _column_index(letters), cell), ERROR,
                          code, message, rule)

    def exported_parent(self, code: str) -> str | None:
        """Where ``code`` sat at export (``None``: unknown, in a workbook without exported values)."""
        row = (self.exported or {}).get(code)
        return row.parent if row else None

    def _text(self, ws, row: int, col: int) -> str | None:
        value = ws.cell(row=row, column=col).value
        return str(value).strip() or None if value is not None else None

    def _sheet(self, ws, prio: Priorite, scope: set[str]) -> None:
        sheet = ws.title
        for merged in sorted(ws.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col)):
            self.problem(sheet, merged.min_row, merged.min_col, "-",
                         f"cellules fusionnées ({merged.coord}) : défusionnez-les", "classeur.fusion")
        moved = False
        for r, lang in zip(HEADER_ROWS, Lang):
            for c, column in enumerate(COLUMNS, start=1):
                found = ws.cell(row=r, column=c).value
                expected = column.titles[lang is AR]
                if (str(found).strip() if found is not None else "") != expected:
                    self.problem(sheet, r, c, "-", f"en-tête « {expected} » attendu, trouvé « {found or ''} » "
                                 "(ligne d'en-tête ou colonne supprimée, insérée ou déplacée ?)", "classeur.entete")
                    moved = True
            extra = ws.cell(row=r, column=len(COLUMNS) + 1).value
            if extra not in (None, ""):
                self.problem(sheet, r, len(COLUMNS) + 1, "-", f"colonne en trop (« {extra} »)", "classeur.entete")
                moved = True
        if moved or ws.merged_cells.ranges:
            raise _Refusal
        current: dict[type, str | None] = {Priorite: None, ObjectifGeneral: None, ObjectifSpecifique: None}
        seen_headers = set()
        for r in range(FIRST_ROW, ws.max_row + 1):
            cells = [ws.cell(row=r, column=c) for c in range(1, len(COLUMNS) + 1)]
            if all(cell.value is None or (isinstance(cell.value, str) and not cell.value.strip()) for cell in cells):
                continue
            code = self._value(sheet, cells[CODE_COL - 1], "-")
            code = str(code).strip() if code is not None else ""
            for extra in ws.iter_cols(min_col=len(COLUMNS) + 1, min_row=r, max_row=r):
                if extra[0].value not in (None, ""):
                    self.problem(sheet, r, extra[0].column, code or "-", f"cellule hors du canevas ignorée "
                                 f"(« {_short(extra[0].value)} »)", "classeur.hors_canevas", WARNING)
            if not code:
                self.problem(sheet, r, CODE_COL, "-", "ligne remplie sans code : une nouvelle action a besoin d'un "
                             "code nouveau", "classeur.ligne")
                continue
            node = self.nodes.get(code)
            before = (self.exported or {}).get(code)
            if node is None and before is not None and before.level != ACTION_LEVEL:
                # an objective removed from plan.yaml since the export: its rows stay removed unless edited
                kind = next(k for k, v in _LEVEL.items() if v == before.level)
                current[kind] = code
                if kind is ObjectifGeneral:
                    current[ObjectifSpecifique] = None
                seen_headers.add(code)
                self.gone.append(self._title_row(ws, sheet, r, code, before.parent))
            elif node is not None and not isinstance(node, Action):
                self._header(ws, sheet, r, node, prio, current, seen_headers)
            else:
                self._action(ws, sheet, r, code, node, current[ObjectifSpecifique])
        exported = {prio.code}  # the header rows the export wrote on this sheet (still in the plan)
        if self.exported is not None:
            exported |= {code for code, row in self.exported.items()
                         if row.sheet == prio.code and row.level != ACTION_LEVEL and code in self.nodes}
        else:
            for action in prio.actions:
                if action.code in scope:
                    exported |= {self.parent[action.code], self.parent[self.parent[action.code]]}
        for code in sorted(exported - seen_headers):
            self.problem(sheet, 0, 1, code, f"ligne de {code} absente de la feuille (supprimée ?)", "classeur.entete")

    def _header(self, ws, sheet, r, node, prio, current, seen) -> None:
        """A priority's or an objective's row: in its place, and its titles."""
        kind = type(node)
        expected_parent = {Priorite: None, ObjectifGeneral: prio.code, ObjectifSpecifique: current[ObjectifGeneral]}
        parent = self.parent.get(node.code)
        moved_in_plan = kind is not Priorite and self.exported_parent(node.code) == expected_parent[kind]
        if kind is Priorite and node.code != prio.code or (kind is not Priorite and parent != expected_parent[kind]
                                                           and not moved_in_plan):
            self.problem(sheet, r, CODE_COL, node.code, f"{node.code} déplacé : il appartient à "
                         f"{parent or 'une autre feuille'} ; le classeur ne déplace ni objectif ni action",
                         "classeur.deplacement")
        if node.code in seen:
            self.problem(sheet, r, CODE_COL, node.code, "code déjà utilisé plus haut", "code.double")
        seen.add(node.code)
        current[kind] = node.code
        if kind is ObjectifGeneral:
            current[ObjectifSpecifique] = None
        self.headers.append(self._title_row(ws, sheet, r, node.code, parent))

    def _title_row(self, ws, sheet: str, r: int, code: str, parent: str | None) -> Row:
        """A priority's or an objective's row: its titles, French and Arabic."""
        values, cells = {}, {}
        for lang in Lang:
            cell = ws.cell(row=r, column=TITLE_COLS[lang])
            values[lang] = self._line(sheet, cell, code)
            cells[lang] = f"{sheet}!{cell.coordinate}"
        return Row(sheet, r, code, parent, {"intitule": (values[FR], values[AR])},
                   {"intitule": cells[FR], "intitule@fr": cells[FR], "intitule@ar": cells[AR]},
                   {("intitule", lang.value): cells[lang] for lang in Lang})

    def _action(self, ws, sheet, r, code, node, os_code) -> None:
        """An action's row, existing or new, read field by field under the objectif spécifique above it."""
        if os_code is None:
            self.problem(sheet, r, CODE_COL, code, "action placée avant toute ligne d'objectif spécifique",
                         "classeur.ligne")
            return
        if node is not None and self.parent[code] != os_code and self.exported_parent(code) != os_code:
            self.problem(sheet, r, CODE_COL, code, f"{code} déplacée de {self.parent[code]} vers {os_code} : le "
                         "classeur ne déplace pas d'action (faites-le dans plan.yaml)", "classeur.deplacement")
        if any(row.code == code for row in self.actions):
            self.problem(sheet, r, CODE_COL, code, "code déjà utilisé plus haut dans le classeur", "code.double")
            return
        if node is None and not re.fullmatch(r"[^\s]+", code):
            self.problem(sheet, r, CODE_COL, code, f"code « {code} » invalide (sans espace)", "classeur.ligne")
        row = Row(sheet, r, code, os_code)
        self._fields(ws, sheet, r, row)
        self.actions.append(row)

    def _fields(self, ws, sheet: str, r: int, row: Row) -> None:
        """Read an action's cells on row ``r`` into ``row``: its values and where each was read."""
        parts: dict[str, dict[str, Any]] = {}
        for c, column in enumerate(COLUMNS, start=1):
            if column.field == "code":
                continue
            cell = ws.cell(row=r, column=c)
            parts.setdefault(column.field, {})[column.part] = cell
            row.cells.setdefault(column.field, f"{sheet}!{cell.coordinate}")
            row.part_cells[(column.field, column.part)] = f"{sheet}!{cell.coordinate}"
            if column.part in ("fr", "ar"):
                row.cells[f"{column.field}@{column.part}"] = f"{sheet}!{cell.coordinate}"
        for name, cells in parts.items():
            row.values[name] = self._read(name)(sheet, row.code, cells)

    def _read(self, name: str):
        """The reader of a field's cells, which returns the field as :func:`action_values` shows it."""
        if name in TEXT_FIELDS:
            return self._read_text
        if name in LIST_FIELDS:
            return self._read_list
        return {"pilotes": self._read_pilotes, "partenaires": self._read_partenaires,
                "budget.montant": self._read_amount, "echeance": self._read_echeance}[name]

    # -- cells

    def _value(self, sheet: str, cell, code: str) -> Any:
        """A cell's value; a formula or an Excel date is a located problem (``None`` returned)."""
        value = cell.value
        if cell.data_type == "f" or isinstance(value, (ArrayFormula, DataTableFormula)):
            formula = value if isinstance(value, str) else getattr(value, "text", "")
            cached = self._cached(sheet, cell.coordinate)
            shown = f" (valeur calculée : « {cached} »)" if cached is not None else ""
            self.problem(sheet, cell.row, cell.column, code, f"formule « {formula} » refusée{shown} : saisissez la "
                         "valeur elle-même", "classeur.formule")
            return None
        if isinstance(value, (dt.datetime, dt.date, dt.time)):
            day = value.date() if isinstance(value, dt.datetime) else value
            hint = f" ({day.isoformat()})" if isinstance(day, dt.date) else ""
            self.problem(sheet, cell.row, cell.column, code, f"date Excel{hint} : saisissez-la comme texte, "
                         "2025-06-30, 2026-W14, 2025-11 ou continu", "classeur.date")
            return None
        if isinstance(value, str):
            return value.replace("_x000D_", "").replace("\r\n", "\n").replace("\r", "\n")
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    def _cached(self, sheet: str, coordinate: str) -> Any:
        if self.cached is None:
            self.cached = load_workbook(self.path, data_only=True)
        return self.cached[sheet][coordinate].value

    def _string(self, sheet: str, cell, code: str) -> str:
        value = self._value(sheet, cell, code)
        if value is None:
            return ""
        if isinstance(value, bool):
            return "VRAI" if value else "FAUX"
        return value if isinstance(value, str) else str(value)

    def _line(self, sheet: str, cell, code: str) -> str | None:
        """A one-line text: line breaks fold to a space, as in plan.yaml."""
        return re.sub(r"\s*\n\s*", " ", self._string(sheet, cell, code)).strip() or None

    def _split(self, sheet: str, cell, code: str) -> list[str | None]:
        lines = [line.strip() or None for line in self._string(sheet, cell, code).split("\n")]
        while lines and lines[-1] is None:
            lines.pop()
        return lines

    def _read_text(self, sheet, code, cells) -> tuple:
        return (self._line(sheet, cells["fr"], code), self._line(sheet, cells["ar"], code))

    def _read_list(self, sheet, code, cells) -> tuple:
        fr, ar = self._split(sheet, cells["fr"], code), self._split(sheet, cells["ar"], code)
        size = max(len(fr), len(ar))
        fr, ar = fr + [None] * (size - len(fr)), ar + [None] * (size - len(ar))
        return tuple((f, a) for f, a in zip(fr, ar) if f or a)

    def _keys(self, sheet, code, cell) -> list[str | None]:
        keys = self._split(sheet, cell, code)
        for key in keys:
            if key is not None and key not in self.plan.acteurs:
                self.problem(sheet, cell.row, cell.column, code, f"acteur « {key} » inconnu : clés admises dans la "
                             f"feuille « {GUIDE[FR]} »", "acteur.inconnu")
        return keys

    def _read_pilotes(self, sheet, code, cells) -> tuple:
        columns = [self._keys(sheet, code, cells["acteur"])] + [self._split(sheet, cells[p], code)
                                                                for p in PILOTE_PARTS[1:]]
        size = max(len(c) for c in columns)
        columns = [c + [None] * (size - len(c)) for c in columns]
        return tuple(p for p in zip(*columns) if any(p))

    def _read_partenaires(self, sheet, code, cells) -> tuple:
        return tuple(k for k in self._keys(sheet, code, cells[""]) if k)

    def _read_amount(self, sheet, code, cells) -> Decimal | None:
        cell = cells[""]
        value = self._value(sheet, cell, code)
        if value is None:
            if cell.value is None:
                self.problem(sheet, cell.row, cell.column, code, "montant absent (0 si l'action est sans coût)",
                             "budget.format")
            return None
        if isinstance(value, bool):
            amount = None
        elif isinstance(value, (int, float)):
            amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        else:
            text = re.sub(r"[\s\u00a0\u202f]", "", value).replace(",", ".")
            try:
                amount = Decimal(text) if re.fullmatch(r"-?\d+(\.\d+)?", text) else None
            except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
                amount = None
        if amount is None or not amount.is_finite():
            self.problem(sheet, cell.row, cell.column, code, f"montant « {value} » invalide : un nombre en dirhams "
                         "(12500.50)", "budget.format")
            return None
        if amount < 0:
            self.problem(sheet, cell.row, cell.column, code, f"budget négatif ({amount})", "budget.negatif")
            return None
        if amount != amount.quantize(Decimal("0.01")):
            self.problem(sheet, cell.row, cell.column, code, f"montant « {value} » : au plus deux décimales "
                         "(centimes)", "budget.format")
            return None
        return amount

    def _read_echeance(self, sheet, code, cells) -> Echeance | None:
        cell = cells[""]
        value = self._value(sheet, cell, code)
        if value is None:
            if cell.value is None:
                self.problem(sheet, cell.row, cell.column, code, "échéance absente", "echeance.format")
            return None
        try:
            return Echeance.parse(str(value).strip())
        except ValueError as exc:
            self.problem(sheet, cell.row, cell.column, code, f"échéance « {value} » invalide : {exc}",
                         "echeance.format")
            return None


# --- import: editing plan.yaml --------------------------------------------------------------------


def _yaml(text: str) -> YAML:
    """A round-trip YAML that writes back exactly what it read, at the file's own indentation."""
    offset = _sequence_offset(text)
    rt = YAML(typ="rt")
    rt.width = 4096
    rt.preserve_quotes = True
    rt.indent(mapping=2, sequence=offset + 2, offset=offset)
    rt.representer.add_representer(
        Decimal, lambda rep, value: rep.represent_scalar("tag:yaml.org,2002:float", format(value, "f")))
    return rt


def _sequence_offset(text: str) -> int:
    """How far a block list's dash sits right of its key (2 in the example plan, 0 in ruamel's default)."""
    match = re.search(r"^( *)[^\s#-][^\n]*:[ \t]*\n(?:[ \t]*(?:#[^\n]*)?\n)*( *)- ", text, re.MULTILINE)
    return max(0, len(match.group(2)) - len(match.group(1))) if match else 0


def _styled(template: Any, text: str) -> Any:
    """``text`` in the quoting of ``template`` (double quotes for a new text, as the example plan)."""
    if isinstance(template, ScalarString):
        return type(template)(text)
    if isinstance(template, str):
        return text
    return DoubleQuotedScalarString(text)


def _text_node(pair: tuple, like: Any = None, flow: bool = True) -> Any:
    """A bilingual text for plan.yaml, in the style of ``like`` (its quoting, flow or block)."""
    fr, ar = pair
    if isinstance(like, str) and fr == ar and fr is not None:
        return _styled(like, fr)  # a proper name written once for both languages stays so
    template = like.get("fr", like.get("ar")) if isinstance(like, dict) else None
    node = CommentedMap()
    for lang, text in (("fr", fr), ("ar", ar)):
        if text is not None:
            node[lang] = _styled(template, text)
    if isinstance(like, CommentedMap):
        if like.fa.flow_style():
            node.fa.set_flow_style()
    elif flow:
        node.fa.set_flow_style()
    return node


def _same(old: Any, pair: tuple) -> bool:
    """Whether a raw YAML text already reads as ``pair`` (so that it is left exactly as written)."""
    if old is None:
        return pair == (None, None)
    if isinstance(old, str):
        name = re.sub(r"\s*\n\s*", " ", old).strip() or None
        return pair == (name, name)
    if isinstance(old, dict):
        fold = [re.sub(r"\s*\n\s*", " ", old.get(k) or "").strip() or None
                if isinstance(old.get(k), str) else old.get(k) for k in ("fr", "ar")]
        return tuple(fold) == pair
    return False


def _set_text(parent: CommentedMap, key: str, pair: tuple, flow: bool = True) -> None:
    old = parent.get(key)
    if _same(old, pair):
        return
    if pair == (None, None):
        parent.pop(key, None)
        return
    if isinstance(old, CommentedMap):
        _update_map(old, pair)
        return
    parent[key] = _text_node(pair, old, flow)


def _update_map(old: CommentedMap, pair: tuple) -> None:
    """Change only the language(s) that differ in a ``{fr, ar}`` map, in their own quoting."""
    for lang, text in (("fr", pair[0]), ("ar", pair[1])):
        if text is None:
            old.pop(lang, None)
        elif not _same(old.get(lang), (text, text)):
            old[lang] = _styled(old.get(lang, old.get("fr", old.get("ar"))), text)


def _set_seq(parent: CommentedMap, key: str, items: list, update, make) -> None:
    """Edit a list in place: ``update(old_item, new) -> replacement or None``, ``make(new, like)`` for new items."""
    seq = parent.get(key)
    if not isinstance(seq, list):
        seq = CommentedSeq()
        parent[key] = seq
    for i, item in enumerate(items):
        if i < len(seq):
            replacement = update(seq[i], item)
            if replacement is not None:
                seq[i] = replacement
        else:
            seq.append(make(item, seq[0] if seq else None))
    del seq[len(items):]


def _set_texts(parent: CommentedMap, key: str, pairs: tuple) -> None:
    def update(old, pair):
        if _same(old, pair):
            return None
        if isinstance(old, CommentedMap):
            _update_map(old, pair)
            return None
        return _text_node(pair, old, flow=False)

    def make(pair, like):
        return _text_node(pair, like if isinstance(like, CommentedMap) else None, flow=False)

    if not pairs and key not in parent:
        return
    _set_seq(parent, key, list(pairs), update, make)


def _set_pilotes(action: CommentedMap, pilotes: tuple) -> None:
    def fill(node: CommentedMap, pilote: tuple) -> None:
        acteur, nom, fonction = pilote[0], pilote[1:3], pilote[3:5]
        _set_text(node, "nom", nom)
        _set_text(node, "fonction", fonction)
        if acteur is None:
            node.pop("acteur", None)
        elif node.get("acteur") != acteur:
            node["acteur"] = acteur

    def update(old, pilote):
        if isinstance(old, CommentedMap):
            fill(old, pilote)
            return None
        node = CommentedMap()
        fill(node, pilote)
        return node

    def make(pilote, like):
        node = CommentedMap()
        fill(node, pilote)
        return node

    _set_seq(action, "pilotes", list(pilotes), update, make)


def _set_keys(action: CommentedMap, key: str, keys: tuple) -> None:
    seq = action.get(key)
    if isinstance(seq, CommentedSeq):
        del seq[:]
        seq.extend(keys)
    else:
        seq = CommentedSeq(keys)
        seq.fa.set_flow_style()
        action[key] = seq


def _set_amount(budget: CommentedMap, amount: Decimal) -> None:
    budget["montant"] = int(amount) if amount == amount.to_integral_value() and "." not in str(amount) else amount


def _echeance_node(due: Echeance) -> Any:
    text = str(due)
    return dt.date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else text


_ACTION_KEYS = ("code", "intitule", "rang", "resultats_attendus", "pilotes", "partenaires", "ressources", "budget",
                "indicateurs", "echeance", "suivi", "fiche")


def _apply(node: CommentedMap, name: str, value: Any) -> None:
    """Write one field of an action into its YAML node, keeping what is unchanged as written."""
    if name == "intitule":
        _set_text(node, "intitule", value, flow=False)
    elif name in ("resultats_attendus", "indicateurs"):
        _set_texts(node, name, value)
    elif name.startswith("ressources."):
        if value and "ressources" not in node:
            node["ressources"] = CommentedMap()
        if "ressources" in node:
            _set_texts(node["ressources"], name.split(".")[1], value)
    elif name == "pilotes":
        _set_pilotes(node, value)
    elif name == "partenaires":
        _set_keys(node, "partenaires", value)
    elif name == "budget.montant":
        if "budget" not in node:
            node["budget"] = CommentedMap()
        _set_amount(node["budget"], value)
    elif name == "budget.source":
        _set_text(node.setdefault("budget", CommentedMap()), "source", value)
    elif name == "echeance":
        node["echeance"] = _echeance_node(value)
    elif name == "suivi":
        _set_text(node, "suivi", value, flow=False)
    _reorder(node)


def _reorder(node: CommentedMap) -> None:
    """A key added to an action goes to its place in the format's order, not at the end."""
    keys = list(node.keys())
    ordered = sorted(keys, key=lambda k: _ACTION_KEYS.index(k) if k in _ACTION_KEYS else len(_ACTION_KEYS))
    if keys != ordered:
        for key in ordered:
            node.move_to_end(key)


# --- import: the whole -----------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did: the changes (the tableau des modifications), whether plan.yaml was written."""

    before: Plan
    after: Plan
    changes: list[diff.Change]
    written: bool
    warnings: list[Diagnostic]
    notes: list[str]


def import_file(xlsx: Path | str, root: Path | str, remove: bool = False) -> ImportReport:
    """Apply a workbook to the plan folder ``root``; raise :class:`PlanError` and write nothing on any problem.

    A three-way import: a cell the partner left as exported is never written, whatever plan.yaml holds now;
    a cell changed in the workbook is applied where plan.yaml still holds the exported value, and is a
    conflict (the whole workbook refused) where plan.yaml changed it too, to another value.
    """
    xlsx, root = Path(xlsx), Path(root)
    if not xlsx.is_file():
        raise UsageError(f"{xlsx} : classeur introuvable")
    before = load_checked(root)
    plan = before.plan
    reader = _Reader(xlsx, plan)
    reader.read()
    if any(d.severity is ERROR for d in reader.problems):
        raise PlanError(_ordered(reader, reader.problems))
    read_warnings = _ordered(reader, reader.problems)
    notes = []
    stale = reader.digest != _digest(root)
    if reader.exported is None:
        if stale:
            raise PlanError([reader.at(f"{GUIDE[FR]}!B{IDENTITY_ROWS['digest']}", "-", _OLDER_WORKBOOK,
                                       "classeur.conflit")])
        reader.exported = _as_exported(plan, reader)  # plan.yaml is as exported: comparing with it is exact
    elif stale:
        notes.append("plan.yaml a changé depuis l'export de ce classeur : seules les cellules modifiées dans le "
                     "classeur sont reportées")
    models = {node.code: node for _, node in plan.walk()}
    kept = {row.code for row in reader.actions}
    gone = [code for code, row in reader.exported.items()
            if row.level == ACTION_LEVEL and code not in kept and isinstance(models.get(code), Action)]
    if gone and not remove:
        notes.append(f"{len(gone)} action(s) absente(s) du classeur conservée(s) : {', '.join(gone)} "
                     "(--supprimer pour les retirer du plan)")
    edits, conflicts = _edits(plan, reader, gone if remove else [])
    if conflicts:
        raise PlanError(_ordered(reader, conflicts + read_warnings))
    if not edits:
        return ImportReport(plan, plan, [], False, read_warnings, notes)  # nothing differs: plan.yaml untouched
    raw = (root / PLAN_FILE).read_bytes()
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    text = raw[len(bom):].decode("utf-8")
    source = _Source(text)
    for edit in edits:
        edit(source)
    new_text = source.result()
    if new_text == text:
        return ImportReport(plan, plan, [], False, read_warnings, notes)
    cells = {key: cell for row in reader.headers + reader.actions for key, cell in _row_cells(row)}
    after, warnings = _check_staged(root, new_text, cells, reader, before.diagnostics)
    changes = diff.compare(plan, after)
    if changes:
        _write_atomic(root / PLAN_FILE, bom + new_text.encode("utf-8"))
    return ImportReport(plan, after, changes, bool(changes), _ordered(reader, read_warnings + warnings), notes)


_OLDER_WORKBOOK = ("classeur exporté par une version antérieure de publisher, sans les valeurs de l'export, et "
                   "plan.yaml a changé depuis son export : ses cellules ne peuvent pas être comparées à l'export, il "
                   "écraserait des modifications faites depuis ; exportez-le de nouveau et reportez-y les "
                   "modifications du partenaire")


def _as_exported(plan: Plan, reader: _Reader) -> dict[str, Exported]:
    """What a workbook without exported values held at export, when plan.yaml has not changed since: the plan."""
    codes = {a.code for a in in_scope(plan, reader.acteur)}
    exported = {}
    for prio in plan.priorites:
        for node in _sheet_rows(prio, codes):
            level = _LEVEL.get(type(node), ACTION_LEVEL)
            values = reader.as_read(node)
            exported[node.code] = Exported(prio.code, level, reader.parent.get(node.code), values)
    return exported


def _ordered(reader: _Reader, problems: list[Diagnostic]) -> list[Diagnostic]:
    order = {name: i for i, name in enumerate(reader.wb.sheetnames)}

    def key(d: Diagnostic):
        sheet = d.location.cell.split("!")[0] if d.location.cell else ""
        return (d.location.file != reader.file, order.get(sheet, len(order)), d.location.line, d.location.col,
                d.rule)

    return sorted(dict.fromkeys(problems), key=key)


def _row_cells(row: Row):
    """(code, field) -> cell for every cell of a row; (code, "") is the row's code cell."""
    yield (row.code, ""), f"{row.sheet}!{get_column_letter(CODE_COL)}{row.row}"
    for name, cell in row.cells.items():
        yield (row.code, name), cell


_ABSENT = object()  # a field of a row the workbook did not hold at export


def _edits(plan: Plan, reader: _Reader, removed: list[str]) -> tuple[list, list[Diagnostic]]:
    """The workbook's changes since export, as edits to apply to plan.yaml in workbook order, and the conflicts:
    fields changed both in the workbook and in plan.yaml since export, to different values.

    ``removed``: the exported actions the workbook no longer holds, to take out of the plan (``--supprimer``).
    """
    models = {node.code: node for _, node in plan.walk()}
    exported = reader.exported or {}
    edits: list = []
    conflicts: list[Diagnostic] = []
    for row in reader.headers:
        changed = _merge(reader, row, exported.get(row.code), reader.as_read(models[row.code]), conflicts)
        if changed:
            edits.append(lambda source, row=row, changed=changed: source.set_fields(row.code, changed))
    previous: dict[str, str | None] = {}  # objectif spécifique -> the code of the last action row read under it
    for row in reader.gone + reader.actions:
        model, was = models.get(row.code), exported.get(row.code)
        if model is None and was is not None:  # removed from plan.yaml since the export: stays removed
            changed = [name for name, value in row.values.items() if value != was.values.get(name)]
            if changed:
                conflicts.append(_conflict(reader, row, changed[0], was.values[changed[0]], _ABSENT,
                                           row.values[changed[0]], was.level))
            continue
        if model is None and row.parent not in models:
            conflicts.append(reader.at(f"{row.sheet}!{get_column_letter(CODE_COL)}{row.row}", row.code,
                                       f"conflit : nouvelle action sous {row.parent}, retiré de plan.yaml depuis "
                                       "l'export ; placez-la sous un autre objectif spécifique", "classeur.conflit"))
            continue
        if model is None:
            after = previous.get(row.parent)
            previous[row.parent] = row.code
            edits.append(lambda source, row=row, after=after: source.add(row.parent, after, row.code, row.values))
            continue
        if reader.parent.get(row.code) == row.parent:  # not moved elsewhere in plan.yaml since the export
            previous[row.parent] = row.code
        changed = _merge(reader, row, was, reader.as_read(model), conflicts)
        if changed:
            edits.append(lambda source, row=row, changed=changed: source.set_fields(row.code, changed))
    for code in removed:
        was, now = exported[code], reader.as_read(models[code])
        changed = [name for name, value in now.items() if value != was.values.get(name)]
        if changed:
            name = changed[0]
            part = _differing_part(name, was.values[name], now[name])
            conflicts.append(reader.at(was.sheet, code, f"conflit : action absente du classeur (--supprimer) mais "
                                       f"modifiée dans plan.yaml depuis l'export : « {_field_label(name, part)} » "
                                       f"vaut {_shown(name, part, now[name])} dans plan.yaml "
                                       f"({_shown(name, part, was.values[name])} à l'export)", "classeur.conflit"))
        else:
            edits.append(lambda source, code=code: source.remove(code))
    return edits, conflicts


def _merge(reader: _Reader, row: Row, was: Exported | None, now: dict[str, Any],
           conflicts: list[Diagnostic]) -> list[tuple[str, Any]]:
    """The fields of ``row`` to write: changed in the workbook since export (``was``), not in plan.yaml (``now``).

    A bilingual text merges language by language: a French text corrected in the workbook and an Arabic one
    in plan.yaml are both kept. A field changed on both sides to different values is a conflict.
    """
    out = []
    for name, mine in row.values.items():
        base, current = (was.values.get(name, _ABSENT) if was is not None else _ABSENT), now[name]
        if mine == base or mine == current:
            continue
        if base == current:
            out.append((name, mine))
            continue
        if name in TEXT_FIELDS and base is not _ABSENT:
            merged = tuple(c if m == b else m for m, b, c in zip(mine, base, current))
            if all(c in (b, m) or m == b for m, b, c in zip(mine, base, current)):
                out.append((name, merged))
                continue
        conflicts.append(_conflict(reader, row, name, base, current, mine))
    return out


def _differing_part(name: str, one: Any, other: Any, third: Any = _ABSENT) -> str:
    """The first column of field ``name`` whose cell differs between the values given, all of them if it can."""
    parts = [column.part for column in COLUMNS if column.field == name] or ["fr", "ar"]  # a header's intitulé

    def differ(part: str, values: tuple) -> bool:
        return len({_shown(name, part, value) for value in values}) == len(values)

    return next((p for p in parts if third is not _ABSENT and differ(p, (one, other, third))),
                next((p for p in parts if differ(p, (one, other))), parts[0]))


_REMOVED = {ACTION_LEVEL: "action retirée", _LEVEL[ObjectifSpecifique]: "objectif spécifique retiré",
            _LEVEL[ObjectifGeneral]: "objectif général retiré"}


def _conflict(reader: _Reader, row: Row, name: str, base: Any, current: Any, mine: Any,
              level: str = ACTION_LEVEL) -> Diagnostic:
    """A field changed in the workbook and in plan.yaml since export, located at the cell where they differ."""
    part = (_differing_part(name, current, mine, base) if current is not _ABSENT
            else _differing_part(name, base, mine))
    cell = row.part_cells.get((name, part)) or row.cells[name]
    field_ = f"« {_field_label(name, part)} »"
    at_export = (f"{_shown(name, part, base)} à l'export" if base is not _ABSENT
                 else "action absente du classeur à l'export")
    if current is _ABSENT:
        message = (f"conflit : {_REMOVED[level]} de plan.yaml depuis l'export, modifié"
                   f"{'e' if level == ACTION_LEVEL else ''} dans le classeur : {field_} "
                   f"vaut {_shown(name, part, mine)} dans le classeur ({at_export})")
    else:
        message = (f"conflit : {field_} vaut {_shown(name, part, current)} dans plan.yaml et "
                   f"{_shown(name, part, mine)} dans le classeur ({at_export})")
    return reader.at(cell, row.code, message, "classeur.conflit")


_FIELD_NAMES = {"budget.montant": label("budget", FR), "budget.source": label("champ_source", FR),
                "ressources.humaines": "Ressources humaines", "ressources.materielles": "Ressources matérielles"}


def _field_label(name: str, part: str) -> str:
    """A field as a conflict names it: « Budget », « Intitulé (ar) », « Pilote(s) : nom (fr) »."""
    text = _FIELD_NAMES.get(name) or label(diff.FIELD_LABELS[name], FR)
    if name == "pilotes":
        kind, _, lang = part.partition(".")
        return f"{text} : {kind}" + (f" ({lang})" if lang else "")
    return f"{text} ({part})" if part in ("fr", "ar") else text


def _shown(name: str, part: str, value: Any) -> str:
    """One cell of a field's value as a message shows it: an amount grouped, a text in guillemets."""
    if value is _ABSENT or value is None:
        return "(vide)"
    cell = _cell_value(name, part, value)
    if cell is None:
        return "(vide)"
    if isinstance(cell, Decimal):
        return format_amount(cell, FR)
    if name == "echeance":
        return str(cell)
    return "« " + cell.replace("\n", " ; ") + " »"


class _Source:
    """plan.yaml as lines, edited in small round-trip fragments: one key of one node at a time.

    libyaml's composer (fast, in C) locates every node; only the lines of a changed key are read and
    written again by ruamel.yaml, so that a large plan imports quickly and every other line stays as it is.
    """

    def __init__(self, text: str):
        self.newline = "\r\n" if "\r\n" in text else "\n"  # what the file uses, for the lines written
        self.lines = text.splitlines(keepends=True)
        self.unterminated = bool(self.lines) and not self.lines[-1].endswith("\n")
        if self.unterminated:
            self.lines[-1] += self.newline
        self.yaml = _yaml(text)
        self.nodes: dict[str, Any] = {}  # code -> its mapping node
        self.actions: dict[str, Any] = {}  # code of an objectif spécifique -> its actions' sequence node
        self.replacements: list[tuple[int, int, int, list[str]]] = []  # (first line, end line, order, new lines)
        self.inserted: dict[str, int] = {}  # a new action's code -> the line it goes before
        self._find(yaml.compose(text, Loader=_COMPOSER))

    def _find(self, node: Any) -> None:
        if isinstance(node, yaml.MappingNode):
            pairs = {key.value: value for key, value in node.value}
            code = pairs.get("code")
            if isinstance(code, yaml.ScalarNode):
                self.nodes[code.value] = node
                if isinstance(pairs.get("actions"), yaml.SequenceNode):
                    self.actions[code.value] = pairs["actions"]
            for key in ("priorites", "objectifs_generaux", "objectifs_specifiques", "actions"):
                if isinstance(pairs.get(key), yaml.SequenceNode):
                    for item in pairs[key].value:
                        self._find(item)

    # -- spans of lines

    @staticmethod
    def _last_line(node: Any) -> int:
        """The last line (0-based) that holds part of ``node``."""
        if isinstance(node, yaml.CollectionNode) and not node.flow_style and node.value:
            last = node.value[-1]
            return _Source._last_line(last[1] if isinstance(last, tuple) else last)
        end = node.end_mark
        return end.line if end.column > 0 else end.line - 1

    def _span(self, first: int, node: Any) -> tuple[int, int]:
        last = self._last_line(node)
        while last > first and not self.lines[last].strip():
            last -= 1  # blank lines a block scalar swallowed belong to the layout, not to the value
        return first, last + 1

    def _replace(self, first: int, end: int, lines: list[str]) -> None:
        self.replacements.append((first, end, len(self.replacements), lines))

    # -- fragments

    def _fragment(self, first: int, end: int, column: int) -> CommentedMap:
        text = "".join(line[column:] if not line[:column].strip() or i == first else line.lstrip()
                       for i, line in ((i, self.lines[i]) for i in range(first, end)))
        return self.yaml.load(text) or CommentedMap()

    def _dump(self, node: Any, prefix: str, column: int) -> list[str]:
        out = io.StringIO()
        self.yaml.dump(node, out)
        lines = [line + self.newline for line in out.getvalue().splitlines()]
        return [(prefix if i == 0 else " " * column) + line if line.strip() else line
                for i, line in enumerate(lines)]

    def set_fields(self, code: str, fields: list[tuple[str, Any]]) -> None:
        """Write the fields of the node ``code`` that changed, each key's lines in one fragment."""
        node = self.nodes[code]
        by_key: dict[str, list[tuple[str, Any]]] = {}
        for name, value in fields:
            by_key.setdefault(name.split(".")[0], []).append((name, value))
        pairs = [(key.value, key, value) for key, value in node.value]
        column = node.start_mark.column
        for key, group in by_key.items():
            found = next(((k, v) for name, k, v in pairs if name == key), None)
            if found is not None:
                first, end = self._span(found[0].start_mark.line, found[1])
                prefix = self.lines[first][:column]
                fragment = self._fragment(first, end, column)
            else:  # a key the node did not have: after the key that precedes it in the format's order
                order = _ACTION_KEYS.index(key) if key in _ACTION_KEYS else len(_ACTION_KEYS)
                before = [(k, v) for name, k, v in pairs
                          if name in _ACTION_KEYS and _ACTION_KEYS.index(name) < order] or [pairs[0][1:]]
                first = end = self._span(before[-1][0].start_mark.line, before[-1][1])[1]
                prefix, fragment = " " * column, CommentedMap()
            for name, value in group:
                _apply(fragment, name, value)
            self._replace(first, end, self._dump(fragment, prefix, column) if fragment else [])

    def add(self, os_code: str, after: str | None, code: str, values: dict[str, Any]) -> None:
        """A new action under ``os_code``, after the action ``after`` (first when ``None``)."""
        items = self.actions[os_code].value
        if after in self.inserted:  # after another new action: the same place, later in order
            line = self.inserted[after]
        elif after is not None:
            line = self._span(self.nodes[after].start_mark.line, self.nodes[after])[1]
        else:
            line = items[0].start_mark.line
        self.inserted[code] = line
        dash = self.lines[items[0].start_mark.line].index("-")
        node = CommentedMap(code=code)
        for name, value in values.items():
            _apply(node, name, value)
        dumped = self._dump(CommentedSeq([node]), "", 0)
        shift = min(len(item) - len(item.lstrip(" ")) for item in dumped if item.strip())
        self._replace(line, line, [" " * dash + item[shift:] if item.strip() else item for item in dumped])

    def remove(self, code: str) -> None:
        """Take an action's lines out of its list."""
        node = self.nodes[code]
        self._replace(*self._span(node.start_mark.line, node), [])

    def result(self) -> str:
        """The edited text: the replacements applied from the bottom up, so that line numbers hold."""
        lines = list(self.lines)
        for first, end, _, new in sorted(self.replacements, key=lambda r: (r[0], r[2]), reverse=True):
            lines[first:end] = new
        text = "".join(lines)
        return text[: -len(self.newline)] if self.unterminated and text.endswith(self.newline) else text


_COMPOSER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)

_FIELD_PATHS = {  # an action's field -> its path under the action in plan.yaml
    "intitule": ("intitule",), "resultats_attendus": ("resultats_attendus",), "pilotes": ("pilotes",),
    "partenaires": ("partenaires",), "ressources.humaines": ("ressources", "humaines"),
    "ressources.materielles": ("ressources", "materielles"), "budget.montant": ("budget", "montant"),
    "budget.source": ("budget", "source"), "indicateurs": ("indicateurs",), "echeance": ("echeance",),
    "suivi": ("suivi",),
}


def _check_staged(root: Path, text: str, cells: dict[tuple[str, str], str], reader: _Reader,
                  known: list[Diagnostic]) -> tuple[Plan, list[Diagnostic]]:
    """Check the edited plan in a copy of the folder; its errors, located at their cells, refuse it."""
    with tempfile.TemporaryDirectory(prefix="publisher-import-") as tmp:
        staged = Path(tmp) / root.name
        shutil.copytree(root, staged, ignore=shutil.ignore_patterns(".*"))
        (staged / PLAN_FILE).write_text(text, encoding="utf-8")
        raw = load(staged)
        result = check(raw)
    cells = _cells_by_path(raw.data, cells)
    paths: dict[Location, list[tuple]] = {}
    for source in (raw.value_locs, raw.key_locs):
        for path, loc in source.items():
            paths.setdefault(loc, []).append(path)
    seen = {(d.code, d.message, d.rule) for d in known}
    located, warnings = [], []
    for diag in result.diagnostics:
        if (diag.code, diag.message, diag.rule) in seen:
            continue  # already there before the import, not the workbook's doing
        cell = _cell_for(paths.get(diag.location, []), cells)
        if cell:
            sheet, ref = cell.split("!")
            col = re.match(r"[A-Z]+", ref).group()
            where = Location(reader.file, int(ref[len(col):]), _column_index(col), cell)
            diag = Diagnostic(where, diag.severity, diag.code, diag.message, diag.rule)
        else:
            diag = Diagnostic(diag.location, diag.severity, diag.code, f"{diag.message} (plan.yaml après import)",
                              diag.rule)
        (located if diag.severity is ERROR else warnings).append(diag)
    if located or result.plan is None:
        raise PlanError(_ordered(reader, located + warnings))
    return result.plan, _ordered(reader, warnings)


def _cells_by_path(data: Any, cells: dict[tuple[str, str], str]) -> dict[tuple, str]:
    """The workbook's cells by their path in the edited plan.yaml: (code, field) found where the code now is."""
    where: dict[str, tuple] = {}

    def walk(node: Any, path: tuple) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("code"), str):
                where.setdefault(node["code"], path)
            for key in ("priorites", "objectifs_generaux", "objectifs_specifiques", "actions"):
                if isinstance(node.get(key), list):
                    for i, item in enumerate(node[key]):
                        walk(item, (*path, key, i))

    walk(data, ())
    out = {}
    for (code, key), cell in cells.items():
        name, _, lang = key.partition("@")
        if code not in where or (name and name not in _FIELD_PATHS):
            continue
        sub = _FIELD_PATHS[name] if name else ()
        out[(*where[code], *sub, *((lang,) if lang and name in TEXT_FIELDS else ()))] = cell
    return out


def _cell_for(paths: list[tuple], cells: dict[tuple, str]) -> str:
    best, size = "", -1
    for path in paths:
        for n in range(len(path), -1, -1):
            if path[:n] in cells and n > size:
                best, size = cells[path[:n]], n
                break
    return best


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n
