"""The canevas workbook: export, edits by a partner, import back into plan.yaml (and refusals, located)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from publisher import workbook
from publisher.check import load_checked
from publisher.cli import main
from publisher.scaffold import new_plan

from .conftest import EXAMPLE

COL = {key: get_column_letter(col) for key, col in workbook.COL.items()}


def _copy(tmp: Path, name: str = "plan") -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp / name))


def _row(ws, code: str) -> int:
    for row in range(workbook.FIRST_ROW, ws.max_row + 1):
        if ws.cell(row=row, column=1).value == code:
            return row
    raise KeyError(code)


def _cell(wb, sheet: str, code: str, field: str, part: str = ""):
    ws = wb[sheet]
    return ws[f"{COL[(field, part)]}{_row(ws, code)}"]


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[Path, Path]:
    """The example plan copied once, and its workbook exported once (tests copy the workbook to edit it)."""
    tmp = tmp_path_factory.mktemp("classeur")
    plan = _copy(tmp)
    xlsx = tmp / "canevas.xlsx"
    assert main(["export", str(plan), "-o", str(xlsx)]) == 0
    return plan, xlsx


def _edited(src: Path, dest: Path, edit) -> Path:
    wb = load_workbook(src)
    edit(wb)
    wb.save(dest)
    return dest


def _four_edits(wb) -> None:
    """One budget, one échéance, one partner list, one Arabic text: what a partner sends back."""
    _cell(wb, "P1", "A1.1.1.2", "budget.montant").value = 185000
    _cell(wb, "P1", "A1.1.2.1", "echeance").value = "2025-10"
    _cell(wb, "P1", "A1.1.1.1", "partenaires").value = "parquet\nsante\namal"
    _cell(wb, "P2", "A2.1.1.2", "suivi", "ar").value = "تقرير فصلي يعرض على اللجنة التقنية"


def test_round_trip_leaves_plan_yaml_byte_identical(exported, tmp_path: Path, capsys) -> None:
    plan, xlsx = exported
    before = (plan / "plan.yaml").read_bytes()
    assert main(["import", str(xlsx), str(plan)]) == 0
    assert "aucune modification" in capsys.readouterr().out
    assert (plan / "plan.yaml").read_bytes() == before == (EXAMPLE / "plan.yaml").read_bytes()
    again = tmp_path / "encore.xlsx"
    assert main(["export", str(plan), "-o", str(again)]) == 0
    assert again.read_bytes() == xlsx.read_bytes()  # the same plan gives the same bytes


def test_workbook_reads_as_the_guides_canevas(exported) -> None:
    _, xlsx = exported
    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["Mode d'emploi", "طريقة الاستعمال", "P1", "P2", "P3", "Valeurs exportées"]
    assert [ws.sheet_state for ws in wb] == ["visible"] * 5 + ["veryHidden"]  # the exported values: hidden
    assert wb["Valeurs exportées"].protection.sheet
    assert not wb["Mode d'emploi"].sheet_view.rightToLeft and wb["طريقة الاستعمال"].sheet_view.rightToLeft
    guide = [c.value for c in wb["Mode d'emploi"]["A"] if c.value]
    assert {"cape", "sante", "ghrass"} <= set(guide)  # the acteurs are listed
    ws = wb["P1"]
    assert [ws.cell(row=r, column=1).value for r in (4, 5, 6, 7)] == ["P1", "OG1.1", "OS1.1.1", "A1.1.1.1"]
    titles = [ws.cell(row=2, column=c).value for c in range(1, ws.max_column + 1)]
    assert titles[:3] == ["Code", "Moyens / actions (fr)", "Moyens / actions (ar)"]
    assert "Échéance" in titles and "Suivi / Révision (ar)" in titles and "Budget (MAD)" in titles
    assert ws.cell(row=3, column=3).value == "الوسائل / الإجراءات (بالعربية)"
    row = _row(ws, "A1.1.1.1")
    assert _cell(wb, "P1", "A1.1.1.1", "partenaires").value == "parquet\nsurete\nsante"
    assert _cell(wb, "P1", "A1.1.1.1", "resultats_attendus", "fr").value.count("\n") == 1  # two résultats
    assert _cell(wb, "P1", "A1.1.1.1", "budget.montant").value == 45000
    assert _cell(wb, "P1", "A1.1.1.1", "intitule", "ar").alignment.horizontal == "right"
    assert ws.cell(row=row, column=1).protection.locked and not ws.cell(row=row, column=2).protection.locked
    assert ws.protection.sheet and ws.freeze_panes == "B4" and ws.print_title_rows == "$1:$3"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4 and ws.sheet_properties.pageSetUpPr.fitToPage
    kinds = {dv.type: str(dv.sqref) for dv in ws.data_validations.dataValidation}
    assert kinds["list"].startswith(f"{COL[('pilotes', 'acteur')]}4:")
    assert kinds["decimal"].startswith(f"{COL[('budget.montant', '')]}4:") and kinds["custom"]
    assert "acteurs" in wb.defined_names


def test_four_edits_come_back_as_exactly_those_changes(exported, tmp_path: Path, capsys) -> None:
    source, xlsx = exported
    plan = Path(shutil.copytree(source, tmp_path / "plan"))
    edited = _edited(xlsx, tmp_path / "modifie.xlsx", _four_edits)
    assert main(["import", str(edited), str(plan)]) == 0
    out = capsys.readouterr().out
    assert "4 modification(s)" in out
    assert "A1.1.1.2 | Action modifiée | Budget | 180\u202f000\u00a0MAD | 185\u202f000\u00a0MAD" in out
    assert "A2.1.1.2 | Action modifiée | Suivi / Révision | (ar) تقييم استعمال الشبكة بعد ستة أشهر من التكوين | " \
           "(ar) تقرير فصلي يعرض على اللجنة التقنية" in out  # an Arabic edit alone shows in Arabic
    after = load_checked(plan).plan
    assert after.action("A1.1.1.2").budget.montant == Decimal(185000)
    assert str(after.action("A1.1.2.1").echeance) == "2025-10"
    assert after.action("A1.1.1.1").partenaires == ["parquet", "sante", "amal"]
    assert after.action("A2.1.1.2").suivi.ar == "تقرير فصلي يعرض على اللجنة التقنية"
    old = (EXAMPLE / "plan.yaml").read_text(encoding="utf-8").splitlines()
    new = (plan / "plan.yaml").read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(old, new) if a != b]
    assert len(old) == len(new) and len(changed) == 4  # comments, order and quoting kept everywhere else
    assert ("                partenaires: [parquet, surete, sante]",
            "                partenaires: [parquet, sante, amal]") in changed
    assert ("                  montant: 180000", "                  montant: 185000") in changed


def _soffice_resave(out: Path, *workbooks: Path) -> list[Path]:
    """What a partner's LibreOffice Calc writes back: ``soffice --convert-to xlsx``, private profile."""
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice (soffice) is required: ./setup.sh --test installs it"
    out.mkdir()
    profile = out.parent / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "xlsx",
                    "--outdir", str(out), *map(str, workbooks)], check=True, capture_output=True, timeout=180,
                   env={**os.environ, "HOME": str(out.parent)})
    results = [out / xlsx.name for xlsx in workbooks]
    assert all(result.is_file() for result in results), "LibreOffice wrote no workbook"
    return results


@pytest.mark.slow
def test_libreoffice_resaved_workbook_imports_identically(exported, tmp_path: Path, capsys) -> None:
    source, xlsx = exported
    edited = _edited(xlsx, tmp_path / "modifie.xlsx", _four_edits)
    resaved, untouched = _soffice_resave(tmp_path / "calc", edited, xlsx)
    assert resaved.read_bytes() != edited.read_bytes()
    direct, through_calc = (Path(shutil.copytree(source, tmp_path / name)) for name in ("direct", "calc-plan"))
    assert main(["import", str(untouched), str(through_calc)]) == 0
    assert "aucune modification" in capsys.readouterr().out
    assert (through_calc / "plan.yaml").read_bytes() == (EXAMPLE / "plan.yaml").read_bytes()
    assert main(["import", str(edited), str(direct)]) == 0
    assert main(["import", str(resaved), str(through_calc)]) == 0
    assert capsys.readouterr().out.count("4 modification(s)") == 2
    assert (through_calc / "plan.yaml").read_bytes() == (direct / "plan.yaml").read_bytes()
    wb = load_workbook(resaved)  # what Calc kept of the workbook's rules (headless, it drops the frozen panes)
    assert wb["P1"].protection.sheet and wb["طريقة الاستعمال"].sheet_view.rightToLeft
    assert {dv.type for dv in wb["P1"].data_validations.dataValidation} >= {"list", "decimal", "custom"}


def _move_action(wb) -> None:
    ws = wb["P1"]
    source, target = _row(ws, "A1.1.1.2"), _row(ws, "A1.1.2.1")
    for col in range(1, ws.max_column + 1):
        ws.cell(row=target, column=col).value = ws.cell(row=source, column=col).value
        ws.cell(row=source, column=col).value = None


def _set(field: str, value, code: str = "A1.1.1.2", part: str = ""):
    def edit(wb) -> None:
        _cell(wb, "P1", code, field, part).value = value
    return edit


BUDGET, ECHEANCE, PARTNERS = COL[("budget.montant", "")], COL[("echeance", "")], COL[("partenaires", "")]

BAD = {
    "budget": (_set("budget.montant", "beaucoup"),
               f"P1!{BUDGET}8: erreur: A1.1.1.2: montant « beaucoup » invalide : un nombre en dirhams (12500.50) "
               "[budget.format]"),
    "acteur": (_set("partenaires", "das\nsant"),
               f"P1!{PARTNERS}8: erreur: A1.1.1.2: acteur « sant » inconnu"),
    "echeance": (_set("echeance", "2025-13"),
                 f"P1!{ECHEANCE}8: erreur: A1.1.1.2: échéance « 2025-13 » invalide : le mois 13 n'existe pas "
                 "[echeance.format]"),
    "date Excel": (_set("echeance", dt.datetime(2025, 6, 30)),
                   f"P1!{ECHEANCE}8: erreur: A1.1.1.2: date Excel (2025-06-30) : saisissez-la comme texte"),
    "formule": (_set("budget.montant", "=170000+10000"),
                f"P1!{BUDGET}8: erreur: A1.1.1.2: formule « =170000+10000 » refusée"),
    "deplacement": (_move_action, "P1!A10: erreur: A1.1.1.2: A1.1.1.2 déplacée de OS1.1.1 vers OS1.1.2"),
    "fusion": (lambda wb: wb["P1"].merge_cells("B2:C2"), "P1!B2: erreur: -: cellules fusionnées (B2:C2)"),
    "entete supprime": (lambda wb: wb["P1"].delete_rows(3),
                        "P1!A3: erreur: -: en-tête « الرمز » attendu, trouvé « P1 »"),
    "feuille renommee": (lambda wb: setattr(wb["P2"], "title", "Priorité 2"),
                         "Priorité 2!A1: erreur: -: feuille « Priorité 2 » inconnue"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_cell_refuses_the_whole_workbook_located(case: str, exported, tmp_path: Path, capsys) -> None:
    plan, xlsx = exported
    edit, expected = BAD[case]
    bad = _edited(xlsx, tmp_path / "c.xlsx", lambda wb: (_four_edits(wb), edit(wb)))
    before = (plan / "plan.yaml").read_bytes()
    assert main(["import", str(bad), str(plan)]) == 1
    out = capsys.readouterr()
    assert f"c.xlsx:{expected}" in out.out
    assert "Traceback" not in out.out + out.err
    assert (plan / "plan.yaml").read_bytes() == before  # nothing written, not even the good edits


def test_a_note_beside_the_canevas_is_ignored_with_a_warning(exported, tmp_path: Path, capsys) -> None:
    source, xlsx = exported
    plan = Path(shutil.copytree(source, tmp_path / "plan"))

    def note(wb) -> None:
        _four_edits(wb)
        wb["P1"].cell(row=8, column=len(workbook.COLUMNS) + 2).value = "à revoir avec le parquet"

    assert main(["import", str(_edited(xlsx, tmp_path / "note.xlsx", note)), str(plan)]) == 0
    out = capsys.readouterr().out
    assert "note.xlsx:P1!Y8: avertissement: A1.1.1.2: cellule hors du canevas ignorée (« à revoir avec le parquet »)" \
           " [classeur.hors_canevas]" in out
    assert "4 modification(s)" in out


def _new_action(wb) -> None:
    ws = wb["P1"]
    after = _row(ws, "A1.1.1.2")
    ws.insert_rows(after + 1)
    row = after + 1
    values = {
        ("code", ""): "A1.1.1.3",
        ("intitule", "fr"): "Former les référents au protocole de signalement",
        ("intitule", "ar"): "تكوين المرجعيين في بروتوكول التبليغ",
        ("resultats_attendus", "fr"): "Trente référents formés\nUn guide remis à chaque référent",
        ("resultats_attendus", "ar"): "ثلاثون مرجعيا مكونا\nدليل لكل مرجعي",
        ("pilotes", "acteur"): "cape",
        ("pilotes", "nom.fr"): "Mme Samira Lahlou",
        ("pilotes", "nom.ar"): "السيدة سميرة لحلو",
        ("partenaires", ""): "parquet",
        ("ressources.humaines", "fr"): "Deux formateurs du CAPE",
        ("ressources.humaines", "ar"): "مكونان من المركز",
        ("budget.montant", ""): 12000,
        ("indicateurs", "fr"): "Nombre de référents formés",
        ("indicateurs", "ar"): "عدد المرجعيين المكونين",
        ("echeance", ""): "2025-W45",
    }
    for key, value in values.items():
        ws[f"{COL[key]}{row}"] = value
    ws.insert_rows(row + 1)  # and a second one right after it
    for key, value in values.items():
        ws[f"{COL[key]}{row + 1}"] = value
    ws[f"A{row + 1}"] = "A1.1.1.4"
    ws[f"{COL[('intitule', 'fr')]}{row + 1}"] = "Évaluer le protocole après un an"
    ws[f"{COL[('intitule', 'fr')]}{_row(ws, 'OS1.1.1')}"] = "Mettre en place un circuit unique de signalement"


def test_new_action_is_placed_under_its_objectif_specifique(tmp_path: Path, capsys) -> None:
    plan = new_plan(tmp_path / "projet")  # a draft: a new action without its fiche is only a warning
    xlsx = tmp_path / "c.xlsx"
    assert main(["export", str(plan), "-o", str(xlsx)]) == 0
    edited = _edited(xlsx, tmp_path / "nouveau.xlsx", _new_action)
    assert main(["import", str(edited), str(plan)]) == 0
    out = capsys.readouterr().out
    assert "A1.1.1.3 | Action ajoutée" in out and "A1.1.1.4 | Action ajoutée" in out
    assert "OS1.1.1 | Intitulé reformulé | Intitulé | Mettre en place un circuit unifié de signalement entre les " \
           "acteurs de la province | Mettre en place un circuit unique de signalement" in out
    assert "3 modification(s)" in out
    assert "nouveau.xlsx:P1!A9: avertissement: A1.1.1.3: fiche action incomplète" in out  # at its row
    after = load_checked(plan).plan
    codes = [a.code for a in after.objectifs_specifiques[0].actions]
    assert codes == ["A1.1.1.1", "A1.1.1.2", "A1.1.1.3", "A1.1.1.4"]
    action = after.action("A1.1.1.3")
    assert [t.ar for t in action.resultats_attendus] == ["ثلاثون مرجعيا مكونا", "دليل لكل مرجعي"]
    assert action.pilotes[0].acteur == "cape" and action.budget.montant == 12000
    text = (plan / "plan.yaml").read_text(encoding="utf-8")
    assert text.index("code: A1.1.1.3") < text.index("code: OS1.1.2")
    assert 'fr: "Former les référents au protocole de signalement"' in text


def test_new_action_in_a_validated_plan_is_refused_at_its_row(exported, tmp_path: Path, capsys) -> None:
    plan, xlsx = exported
    edited = _edited(xlsx, tmp_path / "nouveau.xlsx", _new_action)
    before = (plan / "plan.yaml").read_bytes()
    assert main(["import", str(edited), str(plan)]) == 1
    assert "nouveau.xlsx:P1!A9: erreur: A1.1.1.3: fiche action incomplète" in capsys.readouterr().out
    assert (plan / "plan.yaml").read_bytes() == before


def test_acteur_extract_and_removal_only_when_asked(tmp_path: Path, capsys) -> None:
    plan = _copy(tmp_path)
    xlsx = tmp_path / "sante.xlsx"
    assert main(["export", str(plan), "--acteur", "sante", "-o", str(xlsx)]) == 0
    full = load_checked(plan).plan
    wb = load_workbook(xlsx)
    codes = [c.value for name in wb.sheetnames[2:-1] for c in wb[name]["A"][3:] if c.value in
             {a.code for a in full.actions}]
    assert codes == [a.code for a in full.actions if "sante" in full.acteurs_of(a)]
    assert len(codes) < len(full.actions)
    assert main(["import", str(xlsx), str(plan)]) == 0  # the other acteurs' actions are not "missing"
    assert "aucune modification" in capsys.readouterr().out
    gone = codes[-1]

    def drop(wb) -> None:
        for name in wb.sheetnames[2:-1]:  # the priority sheets: the partner sees no other
            for cell in wb[name]["A"]:
                if cell.value == gone:
                    for c in wb[name][cell.row]:
                        c.value = None

    without = _edited(xlsx, tmp_path / "sans.xlsx", drop)
    assert main(["import", str(without), str(plan)]) == 0
    assert f"1 action(s) absente(s) du classeur conservée(s) : {gone}" in capsys.readouterr().out
    assert (plan / "plan.yaml").read_bytes() == (EXAMPLE / "plan.yaml").read_bytes()
    assert main(["import", "--supprimer", str(without), str(plan)]) == 0
    assert f"{gone} | Action supprimée" in capsys.readouterr().out
    after = load_checked(plan).plan
    assert gone not in {a.code for a in after.actions} and len(after.actions) == len(full.actions) - 1


def test_unknown_acteur_or_missing_workbook_is_a_usage_error(exported, tmp_path: Path, capsys) -> None:
    plan, _ = exported
    assert main(["export", str(plan), "--acteur", "ministere", "-o", str(tmp_path / "x.xlsx")]) == 2
    assert "acteur « ministere » inconnu" in capsys.readouterr().err
    assert main(["import", str(tmp_path / "absent.xlsx"), str(plan)]) == 2
    (tmp_path / "faux.xlsx").write_text("pas un classeur")
    assert main(["import", str(tmp_path / "faux.xlsx"), str(plan)]) == 2
    assert "illisible" in capsys.readouterr().err


def test_import_keeps_a_byte_order_mark_and_windows_line_ends(exported, tmp_path: Path) -> None:
    source, xlsx = exported
    plan = Path(shutil.copytree(source, tmp_path / "plan"))
    original = b"\xef\xbb\xbf" + (EXAMPLE / "plan.yaml").read_bytes().replace(b"\n", b"\r\n")
    (plan / "plan.yaml").write_bytes(original)
    assert main(["import", str(_edited(xlsx, tmp_path / "modifie.xlsx", _four_edits)), str(plan)]) == 0
    after = (plan / "plan.yaml").read_bytes()
    assert after.startswith(b"\xef\xbb\xbf") and after.count(b"\n") == after.count(b"\r\n") == original.count(b"\n")
    assert sum(a != b for a, b in zip(original.split(b"\r\n"), after.split(b"\r\n"))) == 4


# --- several partners: the three-way import -------------------------------------------------------


@pytest.fixture(scope="module")
def partners(tmp_path_factory) -> tuple[Path, dict[str, Path]]:
    """The workbooks of two partners sharing actions (sante and parquet), exported once from the same plan."""
    tmp = tmp_path_factory.mktemp("partenaires")
    plan = _copy(tmp)
    books = {key: tmp / f"canevas-{key}.xlsx" for key in ("sante", "parquet")}
    for key, xlsx in books.items():
        assert main(["export", str(plan), "--acteur", key, "-o", str(xlsx)]) == 0
    return plan, books


def _sante(wb) -> None:
    """The Délégation de la Santé: a budget and a French text of a shared action, an échéance of its own."""
    _cell(wb, "P1", "A1.2.1.1", "budget.montant").value = 165000
    _cell(wb, "P1", "A1.1.1.1", "suivi", "fr").value = "Bilan trimestriel présenté au comité provincial"
    _cell(wb, "P3", "A3.2.1.1", "echeance").value = "2026-01"


def _parquet(wb) -> None:
    """The parquet: the échéance and the Arabic text of the same shared actions, a budget of its own."""
    _cell(wb, "P1", "A1.2.1.1", "echeance").value = "2026-03"
    _cell(wb, "P1", "A1.1.1.1", "suivi", "ar").value = "حصيلة فصلية تعرض على اللجنة الإقليمية"
    _cell(wb, "P2", "A2.1.2.1", "budget.montant").value = 60000


@pytest.mark.parametrize("order", [("sante", "parquet"), ("parquet", "sante")])
def test_two_partners_imported_in_either_order_keep_both_sets_of_edits(order, partners, tmp_path: Path,
                                                                        capsys) -> None:
    source, books = partners
    plan = Path(shutil.copytree(source, tmp_path / "plan"))
    edits = {"sante": _sante, "parquet": _parquet}
    for key in order:
        edited = _edited(books[key], tmp_path / books[key].name, edits[key])
        assert main(["import", str(edited), str(plan)]) == 0
        out = capsys.readouterr().out
        assert "3 modification(s)" in out  # its own edits, nothing of the other partner's undone
    assert "plan.yaml a changé depuis l'export" in out
    after = load_checked(plan).plan
    shared = after.action("A1.2.1.1")
    assert shared.budget.montant == Decimal(165000) and str(shared.echeance) == "2026-03"
    suivi = after.action("A1.1.1.1").suivi
    assert (suivi.fr, suivi.ar) == ("Bilan trimestriel présenté au comité provincial",
                                    "حصيلة فصلية تعرض على اللجنة الإقليمية")  # one language each, both kept
    assert str(after.action("A3.2.1.1").echeance) == "2026-01"
    assert after.action("A2.1.2.1").budget.montant == Decimal(60000)
    old = (EXAMPLE / "plan.yaml").read_text(encoding="utf-8").splitlines()
    new = (plan / "plan.yaml").read_text(encoding="utf-8").splitlines()
    assert len(old) == len(new) and sum(a != b for a, b in zip(old, new)) == 6


def test_untouched_stale_workbook_writes_nothing(partners, tmp_path: Path, capsys) -> None:
    source, books = partners
    plan = Path(shutil.copytree(source, tmp_path / "plan"))
    text = (plan / "plan.yaml").read_text(encoding="utf-8")
    assert text.count("montant: 150000") == 2
    (plan / "plan.yaml").write_text(text.replace("montant: 150000", "montant: 155000", 1), encoding="utf-8")
    assert main(["import", str(_edited(books["parquet"], tmp_path / "p.xlsx", _parquet)), str(plan)]) == 0
    changed = (plan / "plan.yaml").read_bytes()
    capsys.readouterr()
    assert main(["import", str(books["sante"]), str(plan)]) == 0  # as exported, before both changes
    assert "aucune modification" in capsys.readouterr().out
    assert (plan / "plan.yaml").read_bytes() == changed
    after = load_checked(plan).plan
    assert after.action("A1.2.1.1").budget.montant == Decimal(155000)  # the CAPE's own edit, kept
    assert str(after.action("A1.2.1.1").echeance) == "2026-03"


def test_a_conflict_refuses_the_whole_workbook_every_conflict_located(partners, tmp_path: Path, capsys) -> None:
    source, books = partners
    plan = Path(shutil.copytree(source, tmp_path / "plan"))
    assert main(["import", str(_edited(books["sante"], tmp_path / "s.xlsx", _sante)), str(plan)]) == 0
    before = (plan / "plan.yaml").read_bytes()

    def clash(wb) -> None:
        _parquet(wb)
        _cell(wb, "P1", "A1.2.1.1", "budget.montant").value = 170000
        _cell(wb, "P1", "A1.1.1.1", "suivi", "fr").value = "Bilan semestriel"

    edited = _edited(books["parquet"], tmp_path / "canevas-parquet.xlsx", clash)
    capsys.readouterr()
    assert main(["import", str(edited), str(plan)]) == 1
    out = capsys.readouterr()
    wb = load_workbook(edited)
    budget = _cell(wb, "P1", "A1.2.1.1", "budget.montant").coordinate
    suivi = _cell(wb, "P1", "A1.1.1.1", "suivi", "fr").coordinate
    assert (f"canevas-parquet.xlsx:P1!{budget}: erreur: A1.2.1.1: conflit : « Budget » vaut 165\u202f000 dans "
            "plan.yaml et 170\u202f000 dans le classeur (150\u202f000 à l'export) [classeur.conflit]") in out.out
    assert (f"canevas-parquet.xlsx:P1!{suivi}: erreur: A1.1.1.1: conflit : « Suivi / Révision (fr) » vaut « Bilan "
            "trimestriel présenté au comité provincial » dans plan.yaml et « Bilan semestriel » dans le classeur "
            "(« ") in out.out
    assert out.out.count("[classeur.conflit]") == 2 and "Traceback" not in out.out + out.err
    assert (plan / "plan.yaml").read_bytes() == before  # nothing written, not even the edits without conflict


def test_the_same_new_value_on_both_sides_is_no_conflict(partners, tmp_path: Path, capsys) -> None:
    source, books = partners
    plan = Path(shutil.copytree(source, tmp_path / "plan"))
    assert main(["import", str(_edited(books["sante"], tmp_path / "s.xlsx", _sante)), str(plan)]) == 0

    def same(wb) -> None:
        _cell(wb, "P1", "A1.2.1.1", "budget.montant").value = 165000  # what sante wrote already
        _cell(wb, "P1", "A1.2.1.1", "echeance").value = "2026-03"

    capsys.readouterr()
    assert main(["import", str(_edited(books["parquet"], tmp_path / "p.xlsx", same)), str(plan)]) == 0
    out = capsys.readouterr().out
    assert "1 modification(s)" in out and "A1.2.1.1 | Action modifiée | Échéance" in out
    shared = load_checked(plan).plan.action("A1.2.1.1")
    assert shared.budget.montant == Decimal(165000) and str(shared.echeance) == "2026-03"


def _without_action(code: str):
    """plan.yaml with the action ``code`` taken out, as a CAPE deletes it (the import's own removal)."""
    def remove(plan: Path, tmp: Path) -> None:
        xlsx = tmp / "tout.xlsx"
        assert main(["export", str(plan), "-o", str(xlsx)]) == 0

        def drop(wb) -> None:
            ws = wb["P1"]
            for c in ws[_row(ws, code)]:
                c.value = None

        assert main(["import", "--supprimer", str(_edited(xlsx, tmp / "sans.xlsx", drop)), str(plan)]) == 0
    return remove


def test_action_removed_from_the_plan_since_export(partners, tmp_path: Path, capsys) -> None:
    source, books = partners
    plan = Path(shutil.copytree(source, tmp_path / "plan"))
    _without_action("A1.2.1.2")(plan, tmp_path)
    removed = (plan / "plan.yaml").read_bytes()
    capsys.readouterr()
    assert main(["import", str(books["sante"]), str(plan)]) == 0  # untouched there: not added back
    assert "aucune modification" in capsys.readouterr().out and (plan / "plan.yaml").read_bytes() == removed
    edited = _edited(books["sante"], tmp_path / "s.xlsx", _set("echeance", "2026-05", "A1.2.1.2"))
    assert main(["import", str(edited), str(plan)]) == 1
    cell = _cell(load_workbook(edited), "P1", "A1.2.1.2", "echeance").coordinate
    assert (f"s.xlsx:P1!{cell}: erreur: A1.2.1.2: conflit : action retirée de plan.yaml depuis l'export, modifiée "
            "dans le classeur : « Échéance » vaut 2026-05 dans le classeur (2026-W14 à l'export) "
            "[classeur.conflit]") in capsys.readouterr().out
    assert (plan / "plan.yaml").read_bytes() == removed


def test_removal_asked_of_an_action_changed_in_the_plan_since_export(partners, tmp_path: Path, capsys) -> None:
    source, books = partners
    plan = Path(shutil.copytree(source, tmp_path / "plan"))

    def drop(code: str):
        def edit(wb) -> None:
            ws = wb[f"P{code[1]}"]
            for c in ws[_row(ws, code)]:
                c.value = None
        return edit

    without = _edited(books["parquet"], tmp_path / "sans.xlsx", drop("A2.1.2.1"))
    assert main(["import", str(_edited(books["parquet"], tmp_path / "p.xlsx", _parquet)), str(plan)]) == 0
    changed = (plan / "plan.yaml").read_bytes()
    capsys.readouterr()
    assert main(["import", "--supprimer", str(without), str(plan)]) == 1  # its budget changed meanwhile
    assert ("sans.xlsx:P2: erreur: A2.1.2.1: conflit : action absente du classeur (--supprimer) mais modifiée "
            "dans plan.yaml depuis l'export : « Budget » vaut 60\u202f000 dans plan.yaml (55\u202f000 à l'export)"
            ) in capsys.readouterr().out
    assert (plan / "plan.yaml").read_bytes() == changed
    untouched = _edited(books["parquet"], tmp_path / "sans2.xlsx", drop("A1.2.2.1"))
    assert main(["import", "--supprimer", str(untouched), str(plan)]) == 0  # unchanged since export: removed
    assert "A1.2.2.1 | Action supprimée" in capsys.readouterr().out
    after = load_checked(plan).plan
    assert "A1.2.2.1" not in {a.code for a in after.actions} and after.action("A2.1.2.1")


def test_older_workbook_without_exported_values(partners, tmp_path: Path, capsys) -> None:
    """A workbook exported before the exported values were kept: imported as before while plan.yaml is as it
    was exported (the comparison with the plan is then exact), refused once plan.yaml changed."""
    source, books = partners

    def older(wb) -> None:
        _sante(wb)
        wb.remove(wb[workbook.EXPORTED])

    edited = _edited(books["sante"], tmp_path / "ancien.xlsx", older)
    plan = Path(shutil.copytree(source, tmp_path / "plan"))
    assert main(["import", str(edited), str(plan)]) == 0
    assert "3 modification(s)" in capsys.readouterr().out
    stale = Path(shutil.copytree(source, tmp_path / "stale"))
    assert main(["import", str(_edited(books["parquet"], tmp_path / "p.xlsx", _parquet)), str(stale)]) == 0
    before = (stale / "plan.yaml").read_bytes()
    capsys.readouterr()
    assert main(["import", str(edited), str(stale)]) == 1
    assert "ancien.xlsx:Mode d'emploi!B6: erreur: -: classeur exporté par une version antérieure de publisher" \
           in capsys.readouterr().out
    assert (stale / "plan.yaml").read_bytes() == before


@pytest.mark.slow
def test_partners_workbooks_resaved_by_libreoffice_merge_as_the_originals(partners, tmp_path: Path, capsys) -> None:
    source, books = partners
    edited = [_edited(books["sante"], tmp_path / "canevas-sante.xlsx", _sante),
              _edited(books["parquet"], tmp_path / "canevas-parquet.xlsx", _parquet)]
    untouched = Path(shutil.copy(books["sante"], tmp_path / "intact.xlsx"))
    *resaved, resaved_untouched = _soffice_resave(tmp_path / "calc", *edited, untouched)
    wb = load_workbook(resaved[0])
    assert wb[workbook.EXPORTED].sheet_state in ("hidden", "veryHidden")  # Calc knows only "hidden"
    direct, through_calc = (Path(shutil.copytree(source, tmp_path / name)) for name in ("direct", "calc-plan"))
    for xlsx in edited:
        assert main(["import", str(xlsx), str(direct)]) == 0
    for xlsx in resaved:
        assert main(["import", str(xlsx), str(through_calc)]) == 0
    assert capsys.readouterr().out.count("3 modification(s)") == 4
    assert (through_calc / "plan.yaml").read_bytes() == (direct / "plan.yaml").read_bytes()
    assert main(["import", str(resaved_untouched), str(through_calc)]) == 0  # stale and untouched: nothing
    assert "aucune modification" in capsys.readouterr().out
    assert (through_calc / "plan.yaml").read_bytes() == (direct / "plan.yaml").read_bytes()


def test_an_objective_reworded_on_both_sides_merges_by_language(partners, tmp_path: Path, capsys) -> None:
    source, books = partners
    plan = Path(shutil.copytree(source, tmp_path / "plan"))
    text = (plan / "plan.yaml").read_text(encoding="utf-8")
    old_fr = "Améliorer l'assistance immédiate et le diagnostic initial des enfants victimes"
    new_fr = "Améliorer l'assistance immédiate et le diagnostic des enfants victimes"
    (plan / "plan.yaml").write_text(text.replace(old_fr, new_fr), encoding="utf-8")  # the CAPE, in plan.yaml

    def title(lang: str, value: str):
        def edit(wb) -> None:
            ws = wb["P1"]
            ws.cell(row=_row(ws, "OS1.2.1"), column=workbook.TITLE_COLS[workbook.Lang(lang)]).value = value
        return edit

    new_ar = "تحسين المساعدة الفورية والتشخيص الأولي للأطفال ضحايا العنف"
    assert main(["import", str(_edited(books["sante"], tmp_path / "ar.xlsx", title("ar", new_ar))), str(plan)]) == 0
    assert "1 modification(s)" in capsys.readouterr().out
    after = load_checked(plan).plan.objectifs_specifiques[2]
    assert (after.code, after.intitule.fr, after.intitule.ar) == ("OS1.2.1", new_fr, new_ar)
    before = (plan / "plan.yaml").read_bytes()
    clash = _edited(books["sante"], tmp_path / "fr.xlsx", title("fr", "Assister les enfants victimes"))
    assert main(["import", str(clash), str(plan)]) == 1
    assert (f"fr.xlsx:P1!B{_row(load_workbook(clash)['P1'], 'OS1.2.1')}: erreur: OS1.2.1: conflit : « Intitulé (fr) » "
            f"vaut « {new_fr} » dans plan.yaml et « Assister les enfants victimes » dans le classeur (« {old_fr} » "
            "à l'export) [classeur.conflit]") in capsys.readouterr().out
    assert (plan / "plan.yaml").read_bytes() == before


def test_an_objective_removed_from_the_plan_since_export(partners, tmp_path: Path, capsys) -> None:
    source, books = partners
    plan = Path(shutil.copytree(source, tmp_path / "plan"))
    lines = (plan / "plan.yaml").read_text(encoding="utf-8").splitlines(keepends=True)
    first = lines.index("          - code: OS1.2.2\n")
    end = lines.index("  - code: P2\n")
    (plan / "plan.yaml").write_text("".join(lines[:first] + lines[end:]), encoding="utf-8")  # with A1.2.2.*
    removed = (plan / "plan.yaml").read_bytes()
    assert main(["import", str(books["parquet"]), str(plan)]) == 0  # untouched: its rows stay removed
    assert "aucune modification" in capsys.readouterr().out and (plan / "plan.yaml").read_bytes() == removed

    def edits(wb) -> None:
        ws = wb["P1"]
        ws[f"C{_row(ws, 'OS1.2.2')}"] = "تعديل"
        _cell(wb, "P1", "A1.2.1.1", "budget.montant").value = 151000  # no conflict, but not written either
        new = _row(ws, "A1.2.2.1") + 1  # the first spare row: a new action under the removed objective
        for key, value in {("code", ""): "A1.2.2.9", ("budget.montant", ""): 0, ("echeance", ""): "continu"}.items():
            ws[f"{COL[key]}{new}"] = value

    edited = _edited(books["parquet"], tmp_path / "e.xlsx", edits)
    assert main(["import", str(edited), str(plan)]) == 1
    out = capsys.readouterr().out
    ws = load_workbook(edited)["P1"]
    assert f"e.xlsx:P1!C{_row(ws, 'OS1.2.2')}: erreur: OS1.2.2: conflit : objectif spécifique retiré de plan.yaml " \
           "depuis l'export, modifié dans le classeur : « Intitulé (ar) » vaut « تعديل » dans le classeur" in out
    assert f"e.xlsx:P1!A{_row(ws, 'A1.2.2.9')}: erreur: A1.2.2.9: conflit : nouvelle action sous OS1.2.2, retiré " \
           "de plan.yaml depuis l'export" in out
    assert (plan / "plan.yaml").read_bytes() == removed


def test_one_code_added_on_both_sides(partners, tmp_path: Path, capsys) -> None:
    """A partner's new action whose code the plan took meanwhile: the same action is fine, another a conflict."""
    source, books = partners
    plan = Path(shutil.copytree(source, tmp_path / "plan"))
    text = (plan / "plan.yaml").read_text(encoding="utf-8")
    (plan / "plan.yaml").write_text(text.replace("\nstatut: valide\n", "\nstatut: projet\n"), encoding="utf-8")

    def add(budget: int):
        def edit(wb) -> None:
            ws = wb["P1"]
            new = _row(ws, "A1.2.1.2") + 1
            ws.insert_rows(new)
            for c in range(1, len(workbook.COLUMNS) + 1):
                ws.cell(row=new, column=c).value = ws.cell(row=new - 1, column=c).value
            ws[f"A{new}"] = "A1.2.1.3"
            ws[f"{COL[('budget.montant', '')]}{new}"] = budget
        return edit

    assert main(["import", str(_edited(books["sante"], tmp_path / "s.xlsx", add(9000))), str(plan)]) == 0
    assert "A1.2.1.3 | Action ajoutée" in capsys.readouterr().out
    added = (plan / "plan.yaml").read_bytes()
    assert main(["import", str(_edited(books["parquet"], tmp_path / "same.xlsx", add(9000))), str(plan)]) == 0
    assert "aucune modification" in capsys.readouterr().out
    other = _edited(books["parquet"], tmp_path / "other.xlsx", add(8000))
    assert main(["import", str(other), str(plan)]) == 1
    assert f"other.xlsx:P1!{COL[('budget.montant', '')]}{_row(load_workbook(other)['P1'], 'A1.2.1.3')}: erreur: " \
           "A1.2.1.3: conflit : « Budget » vaut 9\u202f000 dans plan.yaml et 8\u202f000 dans le classeur (action " \
           "absente du classeur à l'export) [classeur.conflit]" in capsys.readouterr().out
    assert (plan / "plan.yaml").read_bytes() == added


def test_the_sheet_of_exported_values_is_hidden_and_locked_with_a_password(exported) -> None:
    """What the three-way import compares with cannot be edited by mistake: hidden, and protected by a
    password (the visible sheets are protected without one, so that partners may insert rows)."""
    workbook = load_workbook(exported[1])
    sheet = workbook[workbook.sheetnames[-1]]
    assert sheet.title == "Valeurs exportées" and sheet.sheet_state in ("hidden", "veryHidden")
    assert sheet.protection.sheet and sheet.protection.password
    assert all(not workbook[name].protection.password for name in workbook.sheetnames[:-1])
