"""The edition view: computed once per plan and language, shared by every document of a build."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from docx import Document

from publisher.build import build
from publisher.check import load_checked
from publisher.i18n import label
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


    "role", "page", "cachet", "suite",
