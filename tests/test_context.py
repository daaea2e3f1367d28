"""The edition view: computed once per plan and language, shared by every document of a build."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from docx import Document

from publisher.build import build
from publisher.check import load_checked
from publisher.model import Lang
from publisher.render import context

from .conftest import EXAMPLE, PLANS


def _counting(monkeypatch) -> Counter:
    """Count the editions actually built, with an empty cache."""
    calls: Counter = Counter()
    real = context._edition

    def counted(plan, lang):
        calls[lang] += 1
        return real(plan, lang)

    monkeypatch.setattr(context, "_edition", counted)
    monkeypatch.setattr(context, "_EDITIONS", {})
    return calls


def test_a_build_computes_each_edition_once(tmp_path, monkeypatch) -> None:
    calls = _counting(monkeypatch)
    report = build(PLANS / "revision-v1", tmp_path / "out", formats=("docx",), workers=1)
    names = [p.name for p in report.written]
    for lang in ("fr", "ar"):  # the documents that read the edition: plan, fiches, bundles
        assert any(n.startswith("fiche-") and n.endswith(f"-{lang}.docx") for n in names), names
        assert any(n.startswith("fiches-") and n.endswith(f"-{lang}.docx") for n in names), names
    assert calls == {Lang.FR: 1, Lang.AR: 1}
    fiche = next(p for p in report.written if p.name.startswith("fiche-") and p.name.endswith("-fr.docx"))
    text = "\n".join(p.text for p in Document(fiche).paragraphs)
    assert load_checked(PLANS / "revision-v1").plan.actions[0].code in text


def test_another_plan_gets_its_own_edition(monkeypatch) -> None:
    calls = _counting(monkeypatch)
    plan = load_checked(PLANS / "revision-v1").plan
    first = context.edition(plan, Lang.FR)
    assert context.edition(plan, Lang.FR) is first
    later = plan.model_copy(update={"version": plan.version + dt.timedelta(days=1)})
    assert context.edition(later, Lang.FR).version_date != first.version_date
    assert calls == {Lang.FR: 2}
    for _ in range(6):  # the cache stays small: the oldest editions go
        context.edition(plan.model_copy(), Lang.AR)
    assert len(context._EDITIONS) <= context._EDITIONS_KEPT


def test_validation_line_names_the_place_and_the_date(tmp_path) -> None:
    """"Fait à <lieu>, le <date>", composed once for both formats: the province unless validation.lieu."""
    plan = load_checked(EXAMPLE).plan
    assert context.edition(plan, Lang.FR).fait_a == "Fait à Assafa, le 2 avril 2025"
    assert context.edition(plan, Lang.AR).fait_a == "حرر بأسافة في 2 أبريل 2025"
    validation = plan.validation.model_copy(update={"lieu": plan.province.model_copy(update={"fr": "Bir Assafa",
                                                                                             "ar": "بئر أسافة"})})
    elsewhere = plan.model_copy(update={"validation": validation})
    assert context.edition(elsewhere, Lang.FR).fait_a == "Fait à Bir Assafa, le 2 avril 2025"
    assert context.edition(elsewhere, Lang.AR).fait_a == "حرر ببئر أسافة في 2 أبريل 2025"
    undated = plan.model_copy(update={"validation": validation.model_copy(update={"date": None})})
    assert context.edition(undated, Lang.FR).fait_a == "Fait à Bir Assafa, le"  # dated by hand


def test_the_sommaire_lists_each_section_s_sub_headings() -> None:
    plan = load_checked(EXAMPLE).plan
    section = context.edition(plan, Lang.FR).sections[0]
    assert section.outline[0] == ("Le cadre national\u00a0: la PPIPEM et sa territorialisation", "section-contexte-1")
    assert [anchor for _, anchor in section.outline] == [f"section-contexte-{n}" for n in range(1, 6)]
