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


def test_bundle_entries_give_each_fiche_the_acteurs_role() -> None:
    """The cover of an acteur's fiches, shared by both formats: code, title and role, in written order."""
    plan = load_checked(EXAMPLE).plan
    for lang in Lang:
        entries = context.bundle_entries(plan, "sante", lang)
        assert [e.code for e in entries] == [a.code for a in plan.actions_of("sante")]
        for entry, action in zip(entries, plan.actions_of("sante")):
            assert entry.title == context.edition(plan, lang).actions[plan.actions.index(action)].intitule
            pilot = any(p.acteur == "sante" for p in action.pilotes)
            assert entry.role == label("role_pilote_partenaire" if pilot and "sante" in action.partenaires
                                       else "role_pilote" if pilot else "role_partenaire", lang)
    arabic = {e.role for e in context.bundle_entries(plan, "sante", Lang.AR)}
    assert arabic <= {"المسؤول عن الإجراء", "شريك", "المسؤول عن الإجراء وشريك"} and len(arabic) >= 2


def test_joint_title_reads_french_then_arabic() -> None:
    """The bilingual volume's title page and properties, both formats alike."""
    plan = load_checked(EXAMPLE).plan
    joint = context.joint_title(plan)
    assert joint.langs == (Lang.FR, Lang.AR)
    for block, lang in zip(joint.blocks, Lang):
        edition = context.edition(plan, lang)
        assert block.lines[:2] == [edition.title, edition.territory] and block.lines[3] == edition.version
        assert block.periode in block.periode_line and edition.labels["periode"] in block.periode_line
    assert joint.title.index(joint.blocks[0].title) < joint.title.index(joint.blocks[1].title)
