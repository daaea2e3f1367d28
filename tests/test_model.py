"""The model's value types and totals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from publisher.check import check
from publisher.i18n import format_amount, format_echeance
from publisher.load import load
from publisher.model import Echeance, EcheanceKind, Lang

from .conftest import EXAMPLE, PLANS


@pytest.mark.parametrize(
    "value, kind, start, end",
    [
        (dt.date(2025, 6, 30), EcheanceKind.JOUR, dt.date(2025, 6, 30), dt.date(2025, 6, 30)),
        ("2025-06-30", EcheanceKind.JOUR, dt.date(2025, 6, 30), dt.date(2025, 6, 30)),
        ("2026-W14", EcheanceKind.SEMAINE, dt.date(2026, 3, 30), dt.date(2026, 4, 5)),
        ("2026-W53", EcheanceKind.SEMAINE, dt.date(2026, 12, 28), dt.date(2027, 1, 3)),
        ("2024-02", EcheanceKind.MOIS, dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
        ("2025-12", EcheanceKind.MOIS, dt.date(2025, 12, 1), dt.date(2025, 12, 31)),
        ("continu", EcheanceKind.CONTINU, None, None),
    ],
)
def test_echeance_forms(value, kind, start, end) -> None:
    due = Echeance.parse(value)
    assert (due.kind, due.start, due.end) == (kind, start, end)


@pytest.mark.parametrize("value", ["2025-W53", "2025-13", "2025-02-30", "bientôt", "2025/06"])
def test_invalid_echeances_are_refused(value) -> None:
    with pytest.raises(ValueError):
        Echeance.parse(value)


def test_amounts_are_exact_decimals() -> None:
    plan = check(load(PLANS / "minimal")).plan
    assert plan.actions[0].budget.montant == Decimal("12500.50")
    assert format_amount(plan.budget_total, Lang.FR) == "12\u202f500,50"
    assert format_amount(plan.budget_total, Lang.AR) == "12.500,50"


def test_echeance_labels() -> None:
    assert format_echeance(Echeance.parse("2025-11"), Lang.FR) == "novembre 2025"
    assert format_echeance(Echeance.parse("2025-11"), Lang.AR) == "نونبر 2025"
    assert format_echeance(Echeance.parse("continu"), Lang.AR) == "بشكل مستمر"
    assert format_echeance(Echeance.parse("2026-W14"), Lang.FR) == "semaine 14 de 2026"


def test_totals_add_up_at_every_level() -> None:
    plan = check(load(EXAMPLE)).plan
    assert plan.budget_total == sum((a.budget.montant for a in plan.actions), Decimal(0))
    for prio in plan.priorites:
        assert prio.budget_total == sum((og.budget_total for og in prio.objectifs_generaux), Decimal(0))
        for og in prio.objectifs_generaux:
            assert og.budget_total == sum((a.budget.montant for a in og.actions), Decimal(0))


def test_model_is_frozen() -> None:
    plan = check(load(PLANS / "minimal")).plan
    with pytest.raises(Exception):
        plan.actions[0].code = "X"


def test_actions_of_an_acteur_are_those_it_pilots_or_partners_in_written_order() -> None:
    plan = check(load(EXAMPLE)).plan
    codes = [a.code for a in plan.actions_of("sante")]
    # partner of A1.1.1.1 and A1.1.2.1, pilot of A1.2.1.1 and A1.2.1.2 (content/plan.yaml)
    assert codes[:4] == ["A1.1.1.1", "A1.1.2.1", "A1.2.1.1", "A1.2.1.2"]
    written = [a.code for a in plan.actions]
    assert codes == sorted(codes, key=written.index)
    for action in plan.actions:
        concerned = {p.acteur for p in action.pilotes} | set(action.partenaires)
        assert (action.code in codes) == ("sante" in concerned)
    assert plan.actions_of("absent") == []
