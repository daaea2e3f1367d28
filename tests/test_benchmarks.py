"""The benchmarks' plan generator makes plans that check clean, of the size asked."""

from __future__ import annotations

import pytest

from benchmarks.synth import generate
from publisher.check import check
from publisher.load import load

pytestmark = pytest.mark.slow  # whole builds


@pytest.mark.parametrize("size", [1, 30, 91])
def test_generated_plan_checks_clean(tmp_path, size) -> None:
    result = check(load(generate(size, tmp_path / f"plan-{size}")))
    assert [str(d) for d in result.diagnostics] == []
    plan = result.plan
    assert len(plan.actions) == size
    assert len({a.code for a in plan.actions}) == size
    assert {p.volet.value for p in plan.priorites} <= {"detection", "prevention", "promotion"}
    for action in plan.actions:
        assert action.fiche.modalites.fr and action.fiche.modalites.ar
        assert action.indicateurs and action.pilotes and action.resultats_attendus


def test_the_benchmark_counts_the_pages_the_build_wrote(tmp_path) -> None:
    from pypdf import PdfReader

    from benchmarks.run import pages
    from publisher.build import build

    from .conftest import PLANS

    out = tmp_path / "out"
    build(PLANS / "minimal", out, editions=("fr",), formats=("pdf",), workers=1)
    assert pages(out) == sum(len(PdfReader(path).pages) for path in out.rglob("*.pdf")) > 0
