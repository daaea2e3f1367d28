"""The command line, called in-process with argv, for each exit code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from publisher.cli import main

from .conftest import PLANS


def test_clean_plan_exits_0_with_summary(capsys) -> None:
    assert main(["check", str(PLANS / "minimal")]) == 0
    out = capsys.readouterr().out
    assert "1 priorités, 1 objectifs généraux, 1 objectifs spécifiques, 1 actions" in out
    assert "budget total : 12\u202f500,50 MAD" in out
    assert "arabe : 22/22 textes" in out


def test_errors_exit_1_and_print_located_diagnostics(capsys) -> None:
    assert main(["check", str(PLANS / "pilote-requis")]) == 1
    out = capsys.readouterr().out
    assert "plan.yaml:23:17: erreur: A1.1.1.1: action sans pilote [pilote.requis]" in out


def test_warnings_exit_0_but_1_with_strict(capsys) -> None:
    assert main(["check", str(PLANS / "intitule-infinitif")]) == 0
    assert main(["check", "--strict", str(PLANS / "intitule-infinitif")]) == 1


@pytest.mark.parametrize("case", ["octets-aleatoires", "plan-vide", "yaml-syntaxe"])
def test_unreadable_plans_exit_1_without_traceback(case: str, capsys) -> None:
    assert main(["check", str(PLANS / case)]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err


def test_missing_folder_exits_2_with_one_line(tmp_path: Path, capsys) -> None:
    assert main(["check", str(tmp_path / "absent")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "introuvable" in err


def test_file_instead_of_folder_exits_2(capsys) -> None:
    assert main(["check", str(PLANS / "minimal" / "plan.yaml")]) == 2
    assert "pas un dossier" in capsys.readouterr().err


def test_unknown_command_or_option_exits_2(capsys) -> None:
    assert main(["publish"]) == 2
    assert main(["check", "--fast", str(PLANS / "minimal")]) == 2


def test_a_build_into_a_log_says_how_far_it_is(tmp_path: Path, capsys) -> None:
    """stderr not a terminal (CI, a script): no progress bar, plain lines, the last one when all is rendered."""
    out = tmp_path / "out"
    assert main(["build", str(PLANS / "minimal"), "-o", str(out), "--edition", "fr", "--format", "docx", "-j", "1"]) == 0
    written = len(list(out.rglob("*.docx")))
    lines = [line for line in capsys.readouterr().err.splitlines() if "rendu(s)" in line]
    assert lines[-1] == f"publisher : {written}/{written} fichier(s) rendu(s)"
    assert all(re.fullmatch(r"publisher : \d+/\d+ fichier\(s\) rendu\(s\)", line) for line in lines)
