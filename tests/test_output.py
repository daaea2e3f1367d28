"""The output folder: a build removes only what it wrote, commits all or nothing, and fails in one French line."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publisher import output
from publisher.build import build
from publisher.cli import main
from publisher.errors import EnvironmentFailure
from publisher.render.docx import DocxRenderer

from .conftest import PLANS, messages

MINIMAL = PLANS / "minimal"
STEM = "assafa-2025-03-18"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below a folder (hidden ones included) and its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def built_docx(tmp_path_factory) -> Path:
    """The minimal plan built once, DOCX only."""
    out = tmp_path_factory.mktemp("docx") / "out"
    build(MINIMAL, out, formats=("docx",), workers=1)
    return out


@pytest.fixture
def out(built_docx, tmp_path) -> Path:
    """A copy of the built folder that a test may change."""
    copy = tmp_path / "out"
    shutil.copytree(built_docx, copy)
    return copy


@pytest.fixture
def plan(tmp_path) -> Path:
    """A copy of the minimal plan that a test may edit."""
    copy = tmp_path / "plan"
    shutil.copytree(MINIMAL, copy)
    return copy


def edit(plan: Path, old: str, new: str) -> None:
    path = plan / "plan.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def rewrite_manifest(out: Path, change) -> None:
    data = manifest(out)
    change(data["publications"][STEM]["outputs"])
    (out / "manifest.json").write_text(json.dumps(data), encoding="utf-8")


# --- deletion: only what this build wrote, for this publication, with the bytes it wrote -----------


def test_manifest_naming_paths_outside_the_folder_deletes_nothing(out, tmp_path) -> None:
    # Each entry records the file's true bytes: only the path rules protect these files.
    victim = tmp_path / "victim.txt"
    victim.write_text("précieux")
    inside = out / "notes.txt"
    inside.write_text("à garder")
    other = out / "fr" / "plan-tiznit-2025-03-18-fr.docx"  # another publication's file
    other.write_text("signé")

    def entry(path: Path) -> dict:
        data = path.read_bytes()
        return {"sha256": hashlib.sha256(data).hexdigest(), "source": "x", "bytes": len(data), "pages": 0}

    rewrite_manifest(out, lambda outputs: outputs.update({
        "../victim.txt": entry(victim), str(victim): entry(victim), "notes.txt": entry(inside),
        "fr/../../victim.txt": entry(victim), "fr/plan-tiznit-2025-03-18-fr.docx": entry(other),
        "fr/annexes/fiche-Z9-assafa-2025-03-18-fr.docx\n": entry(inside),
    }))
    report = build(MINIMAL, out, formats=("docx",), workers=1)
    assert victim.read_text() == "précieux" and inside.read_text() == "à garder" and other.read_text() == "signé"
    assert report.removed == [] and len(report.warnings) == 5
    assert all("n'est pas retiré" in w and "\n" not in w for w in report.warnings)  # the newline escaped
    assert "../victim.txt" not in json.dumps(manifest(out))  # forgotten once warned


def test_two_provinces_share_an_output_folder(out, plan) -> None:
    edit(plan, 'province: {fr: "Assafa", ar: "أسافة"}', 'province: {fr: "Tiznit", ar: "تيزنيت"}')
    before = snapshot(out)
    report = build(plan, out, formats=("docx",), workers=1)
    assert report.removed == []
    after = snapshot(out)
    for name, data in before.items():
        if name != "manifest.json":
            assert after[name] == data  # Assafa's publication untouched
    assert any("tiznit-2025-03-18" in name for name in after)
    assert set(manifest(out)["publications"]) == {STEM, "tiznit-2025-03-18"}


def test_a_new_version_keeps_the_signed_one(out, plan) -> None:
    edit(plan, "version: 2025-03-18", "version: 2025-04-02")
    signed = {k: v for k, v in snapshot(out).items() if STEM in k}
    report = build(plan, out, formats=("docx",), workers=1)
    assert report.removed == []
    after = snapshot(out)
    assert {k: after[k] for k in signed} == signed
    assert set(manifest(out)["publications"]) == {STEM, "assafa-2025-04-02"}


def test_a_removed_action_is_removed_only_if_its_file_is_still_ours(out, plan, capsys) -> None:
    # A second action, built, then deleted from the plan: its outputs go.
    text = (plan / "plan.yaml").read_text(encoding="utf-8")
    block = text[text.index("              - code: A1.1.1.1"):]
    (plan / "plan.yaml").write_text(text + block.replace("A1.1.1.1", "A1.1.1.2"), encoding="utf-8")
    build(plan, out, formats=("docx",), workers=1)
    fiche_fr = out / f"fr/annexes/fiche-A1.1.1.2-{STEM}-fr.docx"
    fiche_ar = out / f"ar/annexes/fiche-A1.1.1.2-{STEM}-ar.docx"
    assert fiche_fr.is_file() and fiche_ar.is_file()
    fiche_ar.write_bytes(fiche_ar.read_bytes() + b"annotated by hand")  # no longer what was published
    (plan / "plan.yaml").write_text(text, encoding="utf-8")
    report = build(plan, out, formats=("docx",), workers=1)
    assert fiche_fr in report.removed and not fiche_fr.exists()
    assert fiche_ar.exists() and fiche_ar not in report.removed
    assert any("fiche-A1.1.1.2" in w and "n'est pas retiré" in w for w in report.warnings)


def test_remove_command_retires_one_publication_on_purpose(out, plan, capsys) -> None:
    edit(plan, "version: 2025-03-18", "version: 2025-04-02")
    build(plan, out, formats=("docx",), workers=1)
    assert main(["remove", str(out), STEM]) == 0
    assert not any(STEM in name for name in snapshot(out))
    assert any("assafa-2025-04-02" in name for name in snapshot(out))
    assert set(manifest(out)["publications"]) == {"assafa-2025-04-02"}
    assert main(["remove", str(out), STEM]) == 2
    assert "publications : assafa-2025-04-02" in capsys.readouterr().err


# --- reading: only the files the plan uses ------------------------------------------------------


def test_only_the_files_the_plan_uses_are_hashed(plan, tmp_path) -> None:
    (plan / "assets").mkdir()
    (plan / "assets" / "video-brute.bin").write_bytes(b"\0" * 1_000_000)
    (plan / "notes-internes.txt").write_text("brouillon")
    out = plan / "build"  # an output folder inside the plan folder is never an input
    build(plan, out, formats=("docx",), editions=("fr",), workers=1)
    build(plan, out, formats=("docx",), editions=("fr",), workers=1)
    inputs = manifest(out)["publications"][STEM]["inputs"]
    assert set(inputs) == {"plan.yaml", "charte.toml", "fr/contexte.md", "ar/contexte.md"}
    assert inputs["charte.toml"] is None  # looked for, absent: one written later is noticed


def test_an_image_replaced_under_the_same_name_is_published_again(plan, tmp_path) -> None:
    from PIL import Image

    (plan / "assets").mkdir()
    Image.new("RGB", (8, 8), "red").save(plan / "assets" / "carte.png")
    edit(plan, 'contexte: {fr: "Les signalements sont **rares**."',
         'contexte: {fr: "Les signalements sont **rares**. ![Carte](assets/carte.png)"')
    out = tmp_path / "out"
    build(plan, out, formats=("docx",), editions=("fr",), workers=1)
    Image.new("RGB", (8, 8), "blue").save(plan / "assets" / "carte.png")
    report = build(plan, out, formats=("docx",), editions=("fr",), workers=1)
    written = {p.name for p in report.written}
    assert f"fiche-A1.1.1.1-{STEM}-fr.docx" in written and f"plan-{STEM}-fr.docx" in written


# --- environment failures: one French line, exit 3, nothing changed --------------------------------


def test_a_corrupt_manifest_stops_the_build(out, capsys) -> None:
    (out / "manifest.json").write_text("[]")
    before = snapshot(out)
    assert main(["build", str(MINIMAL), "-o", str(out), "--format", "docx"]) == 3
    err = capsys.readouterr().err.strip()
    assert len(messages(err)) == 1 and "manifest.json" in err and "Traceback" not in err
    assert snapshot(out) == before


def test_out_is_a_file(tmp_path, capsys) -> None:
    target = tmp_path / "sortie"
    target.write_text("un fichier")
    assert main(["build", str(MINIMAL), "-o", str(target), "--format", "docx"]) == 3
    assert main(["diff", str(PLANS / "revision-v1"), str(PLANS / "revision-v2"), "-o", str(target)]) == 3
    err = capsys.readouterr().err
    assert err.count("un fichier porte déjà ce nom") == 2 and "Traceback" not in err
    assert target.read_text() == "un fichier"


@pytest.mark.parametrize("where", ["stage", "commit"])
def test_disk_full_or_read_only_leaves_everything_as_it_was(out, plan, monkeypatch, capsys, where) -> None:
    edit(plan, "Mettre en place une cellule d'écoute", "Mettre en place une cellule d'écoute mobile")
    before = snapshot(out)
    if where == "stage":  # the disk fills up while the new outputs are written
        original = Path.open

        def open_full(self, mode="r", *args, **kwargs):
            if "w" in mode and self.name.startswith(output.TEMP_PREFIX):
                raise OSError(errno.ENOSPC, "No space left on device", str(self))
            return original(self, mode, *args, **kwargs)

        monkeypatch.setattr(Path, "open", open_full)
        reason = "disque plein"
    else:  # the manifest, renamed last, cannot be: every output already renamed goes back
        original = os.replace

        def replace(src, dst):
            if str(dst).endswith("manifest.json"):
                raise OSError(errno.EROFS, "Read-only file system", str(dst))
            return original(src, dst)

        monkeypatch.setattr(os, "replace", replace)
        reason = "lecture seule"
    assert main(["build", str(plan), "-o", str(out), "--format", "docx"]) == 3
    err = capsys.readouterr().err
    assert reason in err and len(messages(err)) == 1
    assert snapshot(out) == before  # no output replaced, no temporary file left


def test_another_build_in_the_same_folder_is_refused(out) -> None:
    fd = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(EnvironmentFailure, match="une autre publication est en cours"):
            build(MINIMAL, out, formats=("docx",), workers=1)
    finally:
        os.close(fd)


def test_a_dead_worker_is_one_line_and_nothing_published(out, plan, monkeypatch, capsys) -> None:
    edit(plan, "Mettre en place une cellule d'écoute", "Mettre en place une cellule d'écoute mobile")
    before = snapshot(out)
    monkeypatch.setattr(DocxRenderer, "fiche", lambda *args: os._exit(9))  # as if killed (OOM)
    assert main(["build", str(plan), "-o", str(out), "--format", "docx", "-j", "2"]) == 3
    err = capsys.readouterr().err
    assert "processus de rendu s'est arrêté" in err and "Traceback" not in err
    assert snapshot(out) == before


def test_temporary_files_of_a_killed_build_are_swept(out) -> None:
    debris = [out / "fr" / f"{output.TEMP_PREFIX}plan-x.docx.abc.tmp", out / "ar/annexes/.fiche-A1.docx.k2j.tmp"]
    for path in debris:
        path.write_bytes(b"half written")
    foreign = out / "fr" / ".notes.tmp"  # not of our naming
    foreign.write_text("à garder")
    build(MINIMAL, out, formats=("docx",), workers=1)
    assert not any(path.exists() for path in debris)
    assert foreign.exists()


# --- signals: one line, workers die with their parent ----------------------------------------------

_SLOW_BUILD = """
import sys, time
from publisher.render.docx import DocxRenderer
original = DocxRenderer.fiche
def slow(self, plan, action, lang):  # the Arabic fiche hangs, once the French outputs are staged
    if lang.value == "ar":
        time.sleep(30)
    return original(self, plan, action, lang)
DocxRenderer.fiche = slow
from publisher.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in found]


def _as_from_a_terminal() -> None:
    """Ctrl-C as a terminal delivers it, even when the tests run in the background (where the shell
    starts them with SIGINT ignored, and Python keeps it ignored in every child)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_slow_build(plan: Path, out: Path) -> tuple[subprocess.Popen, list[int]]:
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_BUILD, "build", str(plan), "-o", str(out),
                             "--format", "docx", "-j", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=_as_from_a_terminal)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        workers = _children(proc.pid)
        if len(workers) >= 2 and list(out.rglob(f"{output.TEMP_PREFIX}*")):
            return proc, workers
        time.sleep(0.2)
    proc.kill()
    raise AssertionError("the build did not start its workers")


def _gone(pids: list[int], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = []
        for pid in pids:
            try:
                os.kill(pid, 0)
                with open(f"/proc/{pid}/stat") as stat:
                    if stat.read().split(") ")[1].startswith("Z"):
                        continue  # a zombie has exited
                alive.append(pid)
            except (ProcessLookupError, FileNotFoundError):
                pass
        if not alive:
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_build_prints_one_line_and_leaves_nothing(out, plan, sig) -> None:
    edit(plan, "Mettre en place une cellule d'écoute", "Mettre en place une cellule d'écoute mobile")
    before = snapshot(out)
    proc, workers = _start_slow_build(plan, out)
    if sig == signal.SIGINT:  # Ctrl-C reaches the whole foreground process group
        os.killpg(proc.pid, sig)
    else:
        proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert messages(err) == ["publisher : interrompu ; les publications précédentes sont intactes"]
    assert _gone(workers)
    assert snapshot(out) == before


@pytest.mark.slow
def test_workers_die_with_a_killed_parent(out, plan) -> None:
    edit(plan, "Mettre en place une cellule d'écoute", "Mettre en place une cellule d'écoute mobile")
    proc, workers = _start_slow_build(plan, out)
    proc.kill()
    proc.communicate(timeout=30)
    assert _gone(workers), "orphaned workers still running"
    build(plan, out, formats=("docx",), workers=1)  # the next build sweeps what the killed one left
    assert not list(out.rglob(f"{output.TEMP_PREFIX}*"))


# --- usage errors in French ---------------------------------------------------------------------


@pytest.mark.parametrize("argv, expected", [
    (["publish"], "commande inconnue : publish"),
    (["check", "--fast", "x"], "option inconnue : --fast"),
    (["build"], "argument manquant : PLAN"),
    (["build", "x", "-o"], "l'option -o attend une valeur"),
    (["build", str(MINIMAL), "-j", "0"], "-j : « 0 » n'est pas un nombre de processus"),
])
def test_usage_errors_are_french_and_one_line(argv, expected, capsys) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert expected in err and len(err.splitlines()) == 1


# --- any manifest: never a traceback, never a removal outside the publication -----------------------

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
_targets = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["../victim.txt", "/etc/passwd", "fr/../../victim.txt", "fr/annexes/../../victim.txt",
                     f"fr/plan-{STEM}-fr.docx", f"fr/annexes/fiche-A1.1.1.1-{STEM}-fr.docx",
                     "fr/plan-tiznit-2025-03-18-fr.docx", f"fr/annexes/fiche-Z-{STEM}-fr.docx"]),
)
_entries = st.one_of(_json_values, st.fixed_dictionaries({
    "sha256": st.sampled_from(["0" * 64, "zz", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]),
    "bytes": st.integers(-2, 10**6), "source": st.text(max_size=5), "pages": st.integers(0, 3)}))
_manifests = st.one_of(
    _json_values,
    st.fixed_dictionaries({"format": st.sampled_from([1, 2, "2"]), "publications": st.dictionaries(
        st.sampled_from([STEM, "tiznit-2025-03-18", "x"]),
        st.one_of(_json_values, st.fixed_dictionaries({"outputs": st.dictionaries(_targets, _entries, max_size=6)})),
        max_size=3)}),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_manifests)
def test_any_manifest_is_read_or_refused_and_never_names_a_file_outside(data, tmp_path) -> None:
    out = tmp_path / "out"
    (out / "fr" / "annexes").mkdir(parents=True, exist_ok=True)
    for name in ("../victim.txt", f"fr/plan-{STEM}-fr.docx", "fr/plan-tiznit-2025-03-18-fr.docx"):
        (out / name).write_bytes(b"")  # empty: the sha256 of b"" is among the entries drawn
    (out / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    try:
        manifest = output.Manifest.read(out)
    except EnvironmentFailure as exc:
        assert "\n" not in str(exc)
        return
    with output.OutputFolder(out) as folder:
        for target, entry in manifest.outputs(STEM).items():
            path = folder.removable(target, entry, STEM)
            if path is not None:
                assert path.resolve().parent.is_relative_to(out.resolve()) and STEM in path.name
    assert all("\n" not in warning for warning in manifest.warnings)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_manifests)
def test_a_build_over_any_manifest_ends_in_a_publication_or_one_line(data, built_docx, tmp_path_factory) -> None:
    out = tmp_path_factory.mktemp("any") / "out"
    shutil.copytree(built_docx, out)
    victim = out.parent / "victim.txt"
    victim.write_bytes(b"")
    (out / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    try:
        build(MINIMAL, out, formats=("docx",), editions=("fr",), workers=1)
    except EnvironmentFailure:
        pass
    assert victim.exists()
    assert not list(out.rglob(f"{output.TEMP_PREFIX}*"))
