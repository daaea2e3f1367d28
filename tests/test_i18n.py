"""What both formats print, decided once in ``publisher.i18n`` and ``publisher.render.context``:
French typography, one number format per language, the wording of totals and headings.

The rendered documents are read back in ``test_pdf.py`` and ``test_docx.py``; here the rules
themselves, each on the strings a reader finds in both formats.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from publisher.i18n import format_date, format_money, format_period, label, typography
from publisher.model import Lang
from publisher.render import context


NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.fixture(scope="module")
def editions(example_plan):
    plan = example_plan
    return plan, {lang: context.edition(plan, lang) for lang in Lang}


@pytest.mark.parametrize("written, printed", [
    ("le « comment » de chaque action", f"le «{NNBSP}comment{NNBSP}» de chaque action"),
    ("le «comment»", f"le «{NNBSP}comment{NNBSP}»"),
    ("les ressources : humaines ; matérielles ! vraiment ?",
     f"les ressources{NBSP}: humaines{NNBSP}; matérielles{NNBSP}! vraiment{NNBSP}?"),
    ("139 300 enfants (33,8 %), 40% des cas", f"139{NNBSP}300 enfants (33,8{NNBSP}%), 40{NNBSP}% des cas"),
    ("en 48 h, pour 150 000 MAD", f"en 48{NBSP}h, pour 150{NNBSP}000{NBSP}MAD"),
    ("aujourd’hui l’enfance", "aujourd'hui l'enfance"),  # one apostrophe: the straight one of the labels
    ("sur 2023-2024 puis 2025 - 2027", "sur 2023\u20132024 puis 2025\u20132027"),
    ("le 0800 00 47 47", f"le 0800{NBSP}00{NBSP}47{NBSP}47"),  # a phone number is not an amount
    ("https://exemple.ma/a:b", "https://exemple.ma/a:b"),  # no space before the colon: nothing added
])
def test_french_typography(written, printed) -> None:
    assert typography(written, Lang.FR) == printed


@pytest.mark.parametrize("written, printed", [
    # one number format in the Arabic edition: Babel's ar_MA, Latin digits, dots between thousands
    ("1 250 000 درهم", f"1.250.000{NBSP}درهم"),
    ("12 500,50", "12.500,50"),
    ("«كيفية» 40 %", f"«كيفية» 40{NNBSP}%"),  # no space added inside Arabic quotes
    ("2025-2027", "2025\u20132027"),
])
def test_arabic_numbers_and_punctuation(written, printed) -> None:
    assert typography(written, Lang.AR) == printed


def test_amounts_dates_and_periods() -> None:
    assert format_money(Decimal("150000"), Lang.FR) == f"150{NNBSP}000{NBSP}MAD"
    assert format_money(Decimal("12500.50"), Lang.AR) == f"12.500,50{NBSP}درهم"
    assert format_money(Decimal(0), Lang.FR) == f"0{NBSP}MAD"
    assert format_date(dt.date(2025, 9, 1), Lang.FR) == "1er septembre 2025"
    assert format_date(dt.date(2025, 3, 18), Lang.FR) == "18 mars 2025"
    assert format_period(2025, 2027) == "2025\u20132027"


def test_totals_and_headings_wording(editions) -> None:
    plan, by_lang = editions
    fr, ar = by_lang[Lang.FR], by_lang[Lang.AR]
    p, og = ar.priorites[0], ar.priorites[0].objectifs[0]
    assert og.total_label == f"مجموع الهدف العام {og.code}"
    assert p.total_label == f"مجموع الأولوية {p.code}"
    assert ar.total_line.startswith("المجموع العام: ")
    assert str(p.heading) == f"الأولوية {p.code}: {p.intitule}"  # Arabic: no space before the colon
    p, og = fr.priorites[0], fr.priorites[0].objectifs[0]
    assert og.total_label == f"Total de l'objectif général {og.code}"
    assert p.total_label == f"Total de la priorité {p.code}"
    assert str(p.heading) == f"Priorité {p.code}{NBSP}: {p.intitule}"
    assert fr.total_line.startswith(f"Total général{NBSP}: ") and fr.total_line.endswith(f"{NBSP}MAD")
    assert fr.periode_line == f"Période concernée{NBSP}: {plan.periode.debut}\u2013{plan.periode.fin}"
    assert label("budget_colonne", Lang.FR) == "Budget (MAD)" and label("budget_colonne", Lang.AR) == "الميزانية (درهم)"


def test_no_label_is_typed_outside_i18n() -> None:
    """Every label is defined once, in i18n.LABELS: no module of the engine types one of them again (the
    names of the DOCX styles, which may read like a label, are names, not printed text)."""
    import ast
    from pathlib import Path

    import publisher
    from publisher.i18n import LABELS
    from publisher.render.docx import STYLES

    values = {text: key for key, pair in LABELS.items() for text in pair if len(text) >= 3 and "{" not in text}
    styles = set(STYLES) | set(STYLES.values())
    typed = []
    for path in sorted(Path(publisher.__file__).parent.rglob("*.py")):
        if path.name == "i18n.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in values and node.value not in styles:
                typed.append(f"{path.name}:{node.lineno}: {node.value!r} (label {values[node.value]!r})")
    assert typed == []
