"""The tableau des modifications (publisher/diff.py): what changed between two versions of a plan,
in code order, with units and both versions named; the `diff` command and its DOCX and PDF."""

from __future__ import annotations

from publisher.check import load_checked
from publisher.cli import main
from publisher.diff import compare, table_rows
from publisher.model import Lang

from .conftest import PLANS
from .pdftools import in_order, pdftotext, squeeze

V1, V2 = PLANS / "revision-v1", PLANS / "revision-v2"


def test_diff_reports_exactly_the_changes() -> None:
    old, new = load_checked(V1).plan, load_checked(V2).plan
    rows = table_rows(compare(old, new), Lang.FR)
    assert rows == [
        ("OS1.1.1", "Intitulé reformulé", "Intitulé", "Renforcer le signalement", "Renforcer et simplifier le signalement"),
        ("A1.1.1.1", "Action modifiée", "Partenaires", "Délégation provinciale de la Santé",
         "Délégation provinciale de la Santé, CAPE"),
        ("A1.1.1.1", "Action modifiée", "Budget", "12\u202f500,50\u00a0MAD", "20\u202f000\u00a0MAD"),
        # the removed action in its code's place, before the one added after it
        ("A1.1.1.2", "Action supprimée", "", "Former les enseignants au signalement (30\u202f000\u00a0MAD)", ""),
        ("A1.1.1.3", "Action ajoutée", "", "", "Former les enseignants au signalement (30\u202f000\u00a0MAD)"),
    ]
    assert compare(old, old) == []
    draft = new.model_copy(update={"province": new.province.model_copy(update={"fr": "Tanger-Assilah"})})
    assert table_rows(compare(new, draft), Lang.FR) == [("-", "Plan modifié", "Province", "Assafa", "Tanger-Assilah")]
    ar = table_rows(compare(old, new), Lang.AR)
    assert ar[2] == ("A1.1.1.1", "إجراء معدل", "الميزانية", "12.500,50\u00a0درهم", "20.000\u00a0درهم")


def test_diff_reports_a_change_of_fonction_with_name_and_fonction() -> None:
    plan = load_checked(V2).plan
    action = plan.action("A1.1.1.1")
    pilote = action.pilotes[0]
    moved = pilote.model_copy(update={"fonction": pilote.fonction.model_copy(update={"fr": "Directrice"})})
    changed = _with_action(plan, action.model_copy(update={"pilotes": [moved]}))
    assert table_rows(compare(plan, changed), Lang.FR) == [
        ("A1.1.1.1", "Action modifiée", "Pilote(s)", "Mme Samira El Idrissi (Coordinatrice, CAPE)",
         "Mme Samira El Idrissi (Directrice, CAPE)"),
    ]


def _with_action(plan, action):
    """``plan`` with the action of the same code replaced by ``action``."""
    def swap(node):
        for name in ("objectifs_generaux", "objectifs_specifiques"):
            if hasattr(node, name):
                return node.model_copy(update={name: [swap(x) for x in getattr(node, name)]})
        return node.model_copy(update={"actions": [action if a.code == action.code else a for a in node.actions]})
    return plan.model_copy(update={"priorites": [swap(p) for p in plan.priorites]})


def test_diff_command_prints_the_table(capsys) -> None:
    assert main(["diff", str(V1), str(V2)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == ("Tableau des modifications de la version du 18 mars 2025 "
                                   "à la version du 1er septembre 2025")
    assert "A1.1.1.1 | Action modifiée | Budget | 12\u202f500,50\u00a0MAD | 20\u202f000\u00a0MAD" in out
    assert "5 modification(s)" in out


def test_diff_writes_the_table_as_docx_and_pdf_in_both_languages(tmp_path, capsys) -> None:
    out = tmp_path / "modifications"
    assert main(["diff", str(V1), str(V2), "-o", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"modifications-assafa-2025-09-01-depuis-2025-03-18-{lang}.{fmt}"
                     for lang in ("ar", "fr") for fmt in ("docx", "pdf")]
    text = squeeze(pdftotext(out / "modifications-assafa-2025-09-01-depuis-2025-03-18-fr.pdf"))
    assert "Actionajoutée" in text and "A1.1.1.3" in text and "Actionsupprimée" in text
    # its title names both versions; amounts carry their unit; a removed action sits in its code's place
    assert squeeze("Tableau des modifications de la version du 18 mars 2025 à la version du 1er septembre 2025") in text
    assert in_order(text, ["12500,50MAD", "20000MAD", "A1.1.1.2", "A1.1.1.3"]) == [] and text.count("(30000MAD)") == 2
    arabic = squeeze(pdftotext(out / "modifications-assafa-2025-09-01-depuis-2025-03-18-ar.pdf"))
    assert squeeze("جدول التعديلات من نسخة بتاريخ") in arabic and "درهم" in arabic
