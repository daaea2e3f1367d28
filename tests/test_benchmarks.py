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


def test_the_rebuild_timeline_names_the_parts_a_budget_lays_out_again(capsys) -> None:
    from benchmarks.rebuild import main

    from .conftest import PLANS

    main([str(PLANS / "revision-v1")])
    lines = capsys.readouterr().out.splitlines()
    groups = {" ".join(line.split()[8:10]): line for line in lines if line.startswith("  worker ")}
    assert {"pdf fr", "pdf ar", "pdf bilingue", "docx fr", "docx ar", "docx fr/ar/bilingue"} == set(groups)
    laid_out = groups["pdf fr"].split("laid out: ")[1].split(", ")
    assert sorted(laid_out) == ["canevas-OG1.1-fr", "fiche-A1.1.1.1-fr", "synthese-fr"]
    assert "laid out" not in groups["pdf bilingue"]  # the volume is assembled from the parts the others left
