"""Reading a plan folder (publisher/load.py): YAML 1.2 with locations, UTF-8, narrative files, nothing constructed."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.check import check
from publisher.errors import UsageError
from publisher.load import load

from .conftest import PLANS, copy_minimal, variant


def test_values_and_keys_keep_their_line_and_column() -> None:
    raw = load(PLANS / "minimal")
    assert raw.diagnostics == []
    assert raw.data["statut"] == "projet"
    status = raw.where(("statut",))
    assert (status.file, status.line, status.col) == ("plan.yaml", 4, 9)
    action = ("priorites", 0, "objectifs_generaux", 0, "objectifs_specifiques", 0, "actions", 0)
    budget = raw.where(action + ("budget", "montant"))
    lines = (PLANS / "minimal" / "plan.yaml").read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "montant: 12500.50" in text)
    assert (budget.line, budget.col) == (line, lines[line - 1].index("12500.50") + 1)
    assert raw.data_at(action + ("budget", "montant")) == 12500.50
    assert raw.code_at(action + ("budget", "montant")) == "A1.1.1.1"
    # an absent key is reported where its parent is
    assert raw.where_key(action + ("absent",)).line == raw.where_key(action).line


def test_narrative_files_are_read_in_both_languages_with_their_place() -> None:
    raw = load(PLANS / "minimal")
    for lang in ("fr", "ar"):
        source = raw.narratives["contexte"][lang]
        assert source.text == (PLANS / "minimal" / lang / "contexte.md").read_text(encoding="utf-8")
        assert source.location.file == f"{lang}/contexte.md"


@pytest.mark.parametrize("given", ["absent", "a-file"])
def test_a_plan_that_is_not_a_folder_is_a_usage_error(tmp_path: Path, given: str) -> None:
    path = tmp_path / given
    if given == "a-file":
        path.write_text("province: x\n")
    with pytest.raises(UsageError):
        load(path)


def test_a_file_not_in_utf8_is_located_at_the_byte(tmp_path: Path) -> None:
    folder = copy_minimal(tmp_path)
    text = (folder / "fr" / "contexte.md").read_bytes()
    (folder / "fr" / "contexte.md").write_bytes(text + "\nDeuxième ligne é\n".encode("latin-1"))
    found = [(d.location.file, d.location.line, d.rule) for d in load(folder).diagnostics]
    assert ("fr/contexte.md", text.count(b"\n") + 2, "fichier.encodage") in found


def test_bom_is_accepted(tmp_path: Path) -> None:
    folder = copy_minimal(tmp_path)
    (folder / "plan.yaml").write_bytes(b"\xef\xbb\xbf" + (PLANS / "minimal" / "plan.yaml").read_bytes())
    assert check(load(folder)).diagnostics == []


def test_yaml_is_read_as_yaml_1_2(tmp_path: Path) -> None:
    # "no" is a string in YAML 1.2 (a boolean in 1.1): here a wrong statut, not a wrong type.
    result = check(load(variant(tmp_path, "statut: projet", "statut: no")))
    assert [(d.rule, d.location.line) for d in result.diagnostics] == [("statut.inconnu", 4)]


def test_python_tags_are_refused_not_constructed(tmp_path: Path) -> None:
    folder = variant(tmp_path, 'statut: projet', 'statut: !!python/object/apply:os.system ["true"]')
    found = [(d.rule, d.location.line) for d in check(load(folder)).diagnostics]
    assert ("yaml.syntaxe", 4) in found


def test_an_empty_key_is_an_absent_key(tmp_path: Path) -> None:
    # "pilotes:" left empty reads as null: reported as an action without pilote, not as a wrong type.
    folder = variant(tmp_path, "                pilotes:\n", "                pilotes:\n                pilotes_old:\n")
    text = (folder / "plan.yaml").read_text()
    start = text.index("                pilotes_old:\n")
    end = text.index("                partenaires:")
    (folder / "plan.yaml").write_text(text[:start] + text[end:])
    found = [(d.rule, d.code) for d in check(load(folder)).diagnostics]
    assert found == [("pilote.requis", "A1.1.1.1")]
