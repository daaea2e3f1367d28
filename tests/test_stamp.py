"""A build with nothing to do: told from the manifest and the sources alone, and never wrong."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from publisher import stamp
from publisher.build import build
from publisher.cli import main

from .conftest import PLANS

EDITIONS, DOCX = ("fr", "ar", "bilingue"), ("docx",)


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> tuple[Path, Path]:
    """The minimal plan (with one narrative file missing in Arabic) and its DOCX publication."""
    root = tmp_path_factory.mktemp("stamp")
    plan = root / "plan"
    shutil.copytree(PLANS / "minimal", plan)
    (plan / "ar" / "contexte.md").unlink()
    build(plan, root / "out", formats=DOCX, workers=1)
    return plan, root / "out"


@pytest.fixture
def copy(published, tmp_path) -> tuple[Path, Path]:
    """A copy of the plan and of its publication that a test may change (the manifest names the copy)."""
    plan, out = tmp_path / "plan", tmp_path / "out"
    shutil.copytree(published[0], plan)
    shutil.copytree(published[1], out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for section in manifest["publications"].values():
        section["plan_dir"] = str(plan.resolve())
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    return plan, out


def test_an_unchanged_plan_is_fresh_and_its_warnings_are_printed_again(copy, capsys) -> None:
    plan, out = copy
    diagnostics = stamp.fresh(plan, out, EDITIONS, DOCX)
    assert diagnostics is not None and any("[traduction.manquante]" in line for line in diagnostics)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert main(["build", str(plan), "-o", str(out), "--format", "docx"]) == 0
    printed = capsys.readouterr().out
    assert "[traduction.manquante]" in printed and "est à jour" in printed
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_the_no_op_build_imports_no_model_checker_or_renderer(copy) -> None:
    plan, out = copy
    probe = (
        "import sys\nfrom publisher.cli import main\n"
        f"code = main(['build', {str(plan)!r}, '-o', {str(out)!r}, '--format', 'docx'])\n"
        "heavy = [m for m in ('publisher.model', 'publisher.check', 'publisher.render.docx', 'pydantic',"
        " 'weasyprint', 'docx') if m in sys.modules]\n"
        "print(code, heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "0 []"


@pytest.mark.parametrize("change", [
    "plan.yaml", "narrative file written", "narrative file edited", "charte.toml written", "output edited", "output deleted",
    "other format", "strict with warnings", "engine",
])
def test_any_change_makes_the_full_build_decide(copy, change, monkeypatch) -> None:
    plan, out = copy
    formats, strict = DOCX, False
    if change == "plan.yaml":
        path = plan / "plan.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("montant: 12500.50", "montant: 12500.75"),
                        encoding="utf-8")
    elif change == "narrative file written":  # absent at the last build: noticed all the same
        (plan / "ar" / "contexte.md").write_text("# السياق\n\nنص.\n", encoding="utf-8")
    elif change == "charte.toml written":  # a province's colours, absent at the last build
        (plan / "charte.toml").write_text('[couleurs]\ntitres = "#7a1f3d"\n', encoding="utf-8")
    elif change == "narrative file edited":
        (plan / "fr" / "contexte.md").write_text("# Contexte\n\nUn autre texte.\n", encoding="utf-8")
    elif change == "output edited":
        fiche = next((out / "fr" / "annexes").glob("*.docx"))
        fiche.write_bytes(fiche.read_bytes() + b"\0")
    elif change == "output deleted":
        next((out / "ar" / "acteurs").glob("*.docx")).unlink()
    elif change == "other format":
        formats = ("pdf",)
    elif change == "strict with warnings":
        strict = True
    else:
        monkeypatch.setattr(stamp, "engine_fingerprint", lambda: "another engine")
    assert stamp.fresh(plan, out, EDITIONS, formats, strict) is None


def test_a_build_of_other_editions_keeps_what_is_still_current(copy) -> None:
    plan, out = copy
    build(plan, out, editions=("fr",), formats=("pdf",), workers=1)
    assert stamp.fresh(plan, out, ("fr",), ("pdf",)) is not None
    assert stamp.fresh(plan, out, EDITIONS, DOCX) is not None  # same sources: the DOCX are still current
    assert stamp.fresh(plan, out, ("ar",), ("pdf",)) is None  # never built


def test_library_versions_are_read_as_their_metadata_says() -> None:
    import importlib.metadata

    for name in stamp.SHAPING_LIBRARIES:
        assert stamp._library_version(name) == importlib.metadata.version(name)
