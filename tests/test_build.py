"""The publishing workflow: every edition, bundles per acteur, manifest, incremental and safe builds."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from publisher import build as build_module
from publisher import stamp
from publisher.build import build, bundle_acteurs, jobs
from publisher.check import load_checked
from publisher.cli import main
from publisher.model import Lang
from publisher.render.pdf import PdfRenderer

from .conftest import PLANS
from .pdftools import pdftotext, squeeze

V1, V2 = PLANS / "revision-v1", PLANS / "revision-v2"

pytestmark = pytest.mark.slow  # whole builds


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file of a folder: its bytes and its mtime (ns)."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """revision-v1 built once, PDF only, in parallel."""
    out = tmp_path_factory.mktemp("build") / "out"
    build(V1, out, formats=("pdf",), workers=2)
    return out


def test_every_output_is_written_with_its_name(built) -> None:
    plan = load_checked(V1).plan
    stem = "assafa-2025-03-18"
    expected = {job.target for job in jobs(plan, formats=("pdf",))}
    written = {p.relative_to(built).as_posix() for p in built.rglob("*.pdf")}
    assert written == expected
    assert f"fr/plan-{stem}-fr.pdf" in written and f"bilingue/plan-{stem}-bilingue.pdf" in written
    assert f"ar/annexes/fiche-A1.1.1.2-{stem}-ar.pdf" in written
    assert f"fr/acteurs/fiches-sante-{stem}-fr.pdf" in written
    assert not list(built.rglob("*.tmp"))


def test_manifest_lists_every_input_and_output(built) -> None:
    manifest = json.loads((built / "manifest.json").read_text())["publications"]["assafa-2025-03-18"]
    assert manifest["plan"]["version"] == "2025-03-18"
    assert set(manifest["inputs"]) == {"plan.yaml", "charte.toml", "fr/contexte.md", "ar/contexte.md"}
    for target, entry in manifest["outputs"].items():
        data = (built / target).read_bytes()
        assert entry["bytes"] == len(data)
        assert entry["pages"] == len(PdfReader(io.BytesIO(data)).pages) >= 1  # as laid out, told by the renderer


def test_bilingual_volume_holds_both_parts_completely(built) -> None:
    plan = load_checked(V1).plan
    text = squeeze(pdftotext(next((built / "bilingue").glob("*.pdf"))))
    for lang in Lang:
        for action in plan.actions:
            # canevas, summary, fiche (the bold Arabic titles too, since the exact text layer: render/pdftext.py)
            assert text.count(squeeze(action.intitule[lang])) >= 3
        assert squeeze(plan.sections[0][lang].splitlines()[-1]) in text
    # Each part has its cover and its sommaire, French first.
    assert text.find("RoyaumeduMaroc") < text.find("المملكةالمغربية")
    assert text.find("Sommaire") < text.find("الفهرس")


def test_each_acteur_bundle_holds_exactly_its_fiches(built) -> None:
    plan = load_checked(V1).plan
    assert bundle_acteurs(plan) == ["cape", "sante"]
    for key in bundle_acteurs(plan):
        for lang in Lang:
            path = next((built / lang.value / "acteurs").glob(f"fiches-{key}-*"))
            text = squeeze(pdftotext(path))
            mine = [a for a in plan.actions if key in plan.acteurs_of(a)]
            fiche = squeeze({Lang.FR: "Fiche action", Lang.AR: "بطاقة الإجراء"}[lang])
            for action in plan.actions:
                assert text.count(f"{fiche}{action.code}") == (1 if action in mine else 0)
                assert (squeeze(action.intitule[lang]) in text) == (action in mine)


def test_nothing_changed_writes_nothing(built) -> None:
    before = snapshot(built)
    report = build(V1, built, formats=("pdf",), workers=1)
    assert report.written == [] and len(report.unchanged) == len(before) - 1  # all but manifest.json
    assert snapshot(built) == before


def test_same_sources_same_bytes(tmp_path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    build(V1, first, editions=("ar",), workers=1)
    build(V1, second, editions=("ar",), workers=2)
    assert {k: v[0] for k, v in snapshot(first).items()} == {k: v[0] for k, v in snapshot(second).items()}


def test_one_changed_action_rerenders_only_what_depends_on_it(built, tmp_path) -> None:
    out = tmp_path / "out"
    shutil.copytree(built, out)
    plan_dir = tmp_path / "plan"
    shutil.copytree(V1, plan_dir)
    yaml = plan_dir / "plan.yaml"
    yaml.write_text(yaml.read_text().replace("montant: 30000", "montant: 35000"))  # A1.1.1.2 only
    before = snapshot(out)
    report = build(plan_dir, out, formats=("pdf",), workers=1)
    changed = {p.relative_to(out).as_posix() for p in report.written}
    assert changed == {
        "fr/plan-assafa-2025-03-18-fr.pdf", "ar/plan-assafa-2025-03-18-ar.pdf",
        "bilingue/plan-assafa-2025-03-18-bilingue.pdf",
        "fr/annexes/fiche-A1.1.1.2-assafa-2025-03-18-fr.pdf", "ar/annexes/fiche-A1.1.1.2-assafa-2025-03-18-ar.pdf",
        "fr/acteurs/fiches-cape-assafa-2025-03-18-fr.pdf", "ar/acteurs/fiches-cape-assafa-2025-03-18-ar.pdf",
    }
    after = snapshot(out)
    unrelated = "fr/annexes/fiche-A1.1.1.1-assafa-2025-03-18-fr.pdf"
    assert after[unrelated] == before[unrelated]  # same bytes, same mtime: not rewritten
    assert after["fr/annexes/fiche-A1.1.1.2-assafa-2025-03-18-fr.pdf"][0] != before[
        "fr/annexes/fiche-A1.1.1.2-assafa-2025-03-18-fr.pdf"][0]


@pytest.mark.parametrize("failure", [RuntimeError("le moteur a échoué"), KeyboardInterrupt()])
def test_failing_build_leaves_previous_outputs_byte_identical(built, tmp_path, monkeypatch, failure) -> None:
    out = tmp_path / "out"
    shutil.copytree(built, out)
    plan_dir = tmp_path / "plan"
    shutil.copytree(V1, plan_dir)
    yaml = plan_dir / "plan.yaml"
    yaml.write_text(yaml.read_text().replace("Rapport trimestriel", "Rapport mensuel"))
    before = snapshot(out)
    calls = []
    original = PdfRenderer.fiche

    def fiche_then_fail(self, plan, action, lang):
        calls.append(action.code)
        if len(calls) == 1:  # after other outputs were rendered and staged
            raise failure
        return original(self, plan, action, lang)

    monkeypatch.setattr(PdfRenderer, "fiche", fiche_then_fail)
    with pytest.raises(type(failure)):
        build(plan_dir, out, formats=("pdf",), workers=1)
    assert snapshot(out) == before
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def test_failing_content_leaves_previous_outputs(built, tmp_path, capsys) -> None:
    out = tmp_path / "out"
    shutil.copytree(built, out)
    before = snapshot(out)
    assert main(["build", str(PLANS / "pilote-requis"), "-o", str(out), "--format", "pdf"]) == 1
    assert "action sans pilote [pilote.requis]" in capsys.readouterr().out
    assert snapshot(out) == before


def test_build_since_puts_the_table_after_the_history(tmp_path) -> None:
    out = tmp_path / "out"
    build(V2, out, editions=("fr", "ar"), formats=("pdf",), since=V1, workers=2)
    for lang, title in ((Lang.FR, "Tableau des modifications"), (Lang.AR, "جدول التعديلات")):
        text = squeeze(pdftotext(next((out / lang.value).glob("plan-*.pdf"))))
        history = {Lang.FR: "Historiquedesrévisions", Lang.AR: "سجلالمراجعات"}[lang]
        assert text.rfind(history) < text.rfind(squeeze(title))
        table = text[text.rfind(squeeze(title)):]
        assert "A1.1.1.3" in table and "A1.1.1.2" in table and "OS1.1.1" in table


def test_a_new_version_keeps_every_file_of_the_previous_one(built, tmp_path) -> None:
    out = tmp_path / "out"
    shutil.copytree(built, out)
    report = build(V2, out, formats=("pdf",), workers=2)
    names = {p.name for p in out.rglob("*.pdf")}
    assert report.removed == []
    assert "fiche-A1.1.1.2-assafa-2025-03-18-fr.pdf" in names  # the signed version stays in the archive
    assert "fiche-A1.1.1.3-assafa-2025-09-01-fr.pdf" in names
    assert not any("A1.1.1.2-assafa-2025-09-01" in name for name in names)


def test_new_plan_from_the_example(tmp_path, capsys) -> None:
    folder = tmp_path / "tanger"
    assert main(["new", str(folder)]) == 0
    plan = load_checked(folder).plan
    assert plan.statut.value == "projet" and plan.validation is None
    assert len(plan.actions) >= 24
    assert main(["new", str(folder)]) == 2  # never over an existing plan


def test_unknown_edition_is_a_usage_error(capsys) -> None:
    assert main(["build", str(V1), "--edition", "es"]) == 2


def test_jobs_cover_every_edition_format_action_and_acteur() -> None:
    plan = load_checked(V1).plan
    all_jobs = jobs(plan)
    # (plan + 2 fiches + 2 bundles) x 2 languages + 1 bilingual, in each of the 2 formats
    assert len(all_jobs) == (2 * (1 + 2 + 2) + 1) * 2
    assert build_module.EDITIONS == ("fr", "ar", "bilingue")


def test_an_output_edited_by_hand_is_published_again(built, tmp_path) -> None:
    out = tmp_path / "out"
    shutil.copytree(built, out)
    fiche = out / "fr/annexes/fiche-A1.1.1.1-assafa-2025-03-18-fr.pdf"
    original = fiche.read_bytes()
    fiche.write_bytes(original[:-1] + b"X")  # same size, other bytes, newer than the manifest
    report = build(V1, out, formats=("pdf",), workers=1)
    assert report.written == [fiche]
    assert fiche.read_bytes() == original


def test_a_new_library_version_or_font_file_renders_everything_again(tmp_path, monkeypatch) -> None:
    """The fingerprint of every output names the versions of the libraries that shape it and the
    bytes of the font files: upgrading WeasyPrint or a font package invalidates every output."""
    plan = load_checked(PLANS / "minimal").plan
    wanted = jobs(plan)

    def keys() -> list[str]:
        stamp.engine_fingerprint.cache_clear()
        prints = build_module.Fingerprints(plan)
        return [prints.of(job) for job in wanted]

    before = keys()
    assert keys() == before  # stable when nothing changes
    real = stamp._library_version
    monkeypatch.setattr(stamp, "_library_version", lambda name: "999" if name == "weasyprint" else real(name))
    upgraded = keys()
    assert all(a != b for a, b in zip(before, upgraded))
    monkeypatch.setattr(stamp, "_library_version", real)

    face = stamp.fonts.faces("Amiri")[0]
    changed = tmp_path / face.path.name
    changed.write_bytes(face.path.read_bytes() + b"\0")
    faces = stamp.fonts.faces
    monkeypatch.setattr(stamp.fonts, "faces", lambda family: tuple(
        f if f != face else type(f)(f.family, f.name, f.weight, f.style, changed) for f in faces(family)))
    other_font = keys()
    assert all(a != b for a, b in zip(before, other_font))
    monkeypatch.undo()
    stamp.engine_fingerprint.cache_clear()


def test_weasyprint_warnings_are_printed_by_output(tmp_path, monkeypatch, capsys) -> None:
    """What WeasyPrint reports while laying out a document is printed, located by output, not lost.

    Every input WeasyPrint could complain of is refused by check first, so the warning is made here
    as WeasyPrint makes its own: on its logger, during the layout.
    """
    import logging

    from publisher.render import pdf

    class HTML(pdf.HTML):
        def render(self, *args, **kwargs):
            logging.getLogger("weasyprint").warning("Failed to load image at %r", "file:///plan/assets/x.png")
            return super().render(*args, **kwargs)

    monkeypatch.setattr(pdf, "HTML", HTML)
    out = tmp_path / "out"
    assert main(["build", str(PLANS / "minimal"), "-o", str(out), "--edition", "fr", "--format", "pdf", "-j", "1"]) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if "WeasyPrint" in line]
    plan_pdf = next((out / "fr").glob("plan-*-fr.pdf")).relative_to(out).as_posix()
    assert f"publisher : attention : {plan_pdf} : WeasyPrint : Failed to load image at 'file:///plan/assets/x.png'" \
        in lines, lines

def test_a_machine_that_forks_no_process_still_publishes(tmp_path, monkeypatch) -> None:
    """Workers that cannot be forked (a process limit reached): the build renders in its own process,
    the same files, no traceback."""
    class NoFork(build_module.ProcessPoolExecutor):
        def submit(self, *args, **kwargs):
            raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(build_module, "ProcessPoolExecutor", NoFork)
    report = build(PLANS / "minimal", tmp_path / "out", formats=("docx",), workers=2)
    assert report.written and all(path.is_file() for path in report.written)
    expected = build(PLANS / "minimal", tmp_path / "alone", formats=("docx",), workers=1)
    assert sorted(p.name for p in report.written) == sorted(p.name for p in expected.written)
