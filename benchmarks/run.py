"""The benchmark table: cold builds, rebuilds, LibreOffice side by side, growth.

    python -m benchmarks.run                 # sizes 30, 90, 360; 3 runs each (1 for 360)
    python -m benchmarks.run --sizes 30,90 --runs 5
    python -m benchmarks.run --sizes 90 --runs 1 --rebuild-runs 9 --no-peer   # the rebuilds' spread

Every figure is the median of several runs of a separate process (``python -m publisher``), so that
imports, font loading and process start-up count as they do for a user. CPU time and peak memory
come from the kernel's accounting of the process and of its workers (``os.wait4``). LibreOffice is
installed with apt-get when it is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .synth import generate

PYTHON = sys.executable


def ensure_libreoffice() -> str:
    """The soffice command, installed from Debian's packages when missing."""
    found = shutil.which("soffice")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", "libreoffice-writer-nogui"],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    return shutil.which("soffice")


def measure(args: list[str], cwd: Path | None = None) -> dict:
    """Run a command; its wall time, CPU time (with its children) and peak RSS of the largest process.
    The files earlier commands wrote are written back to disk first (``os.sync``): a rebuild measured
    right after a cold build would otherwise pay for the cold build's writing (a second or two here)."""
    os.sync()
    started = time.perf_counter()
    process = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    err = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{err}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss": usage.ru_maxrss / 1024}


def median(runs: list[dict], key: str) -> float:
    """The median of one figure over runs."""
    return statistics.median(run[key] for run in runs)


def pages(out: Path) -> int:
    """Pages written, from the manifest."""
    manifest = json.loads((out / "manifest.json").read_text())
    return sum(entry.get("pages", 0) for section in manifest["publications"].values()
               for entry in section["outputs"].values())


def publish(plan: Path, out: Path, *extra: str) -> dict:
    """One ``publisher build`` in its own process."""
    return measure([PYTHON, "-m", "publisher", "build", str(plan), "-o", str(out), *extra])


def cold(plan: Path, work: Path, runs: int) -> tuple[list[dict], int]:
    """Cold builds of everything: every edition, both formats, annexes, bundles."""
    from publisher.render.partcache import folder_for

    results = []
    for i in range(runs):
        out = work / f"cold-{plan.name}-{i}"
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(folder_for(out), ignore_errors=True)  # the PDF parts an earlier run kept: cold means none
        results.append(publish(plan, out))
    return results, pages(out)


def rebuilds(plan: Path, work: Path, runs: int) -> tuple[list[dict], list[dict]]:
    """Rebuilds with nothing changed, and after one action's budget changed."""
    out = work / f"cold-{plan.name}-0"
    nothing = [publish(plan, out) for _ in range(runs)]
    yaml = plan / "plan.yaml"
    text = yaml.read_text(encoding="utf-8")
    marker = "montant: "
    start = text.index(marker) + len(marker)
    end = text.index("\n", start)
    one = []
    for i in range(runs):
        yaml.write_text(text[:start] + str(123457 + i) + text[end:], encoding="utf-8")
        one.append(publish(plan, out))
    yaml.write_text(text, encoding="utf-8")
    return nothing, one


def peer(plan: Path, work: Path, runs: int, soffice: str) -> tuple[list[dict], list[dict], int]:
    """LibreOffice converting our plan and fiche DOCX (fr, ar) to PDF, against our PDF stage for the same."""
    docx = work / "peer-docx"
    shutil.rmtree(docx, ignore_errors=True)
    publish(plan, docx, "--edition", "fr,ar", "--format", "docx")
    files = sorted(str(p) for p in docx.rglob("*.docx") if "/acteurs/" not in str(p))
    theirs = []
    for i in range(runs):
        target = work / f"peer-lo-{i}"
        profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
        theirs.append(measure([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                               "--convert-to", "pdf", "--outdir", str(target), *files]))
        shutil.rmtree(profile, ignore_errors=True)
    ours = []
    script = ("import sys; from benchmarks.run import _our_pdf_stage; _our_pdf_stage(sys.argv[1], sys.argv[2])")
    for i in range(runs):
        ours.append(measure([PYTHON, "-c", script, str(plan), str(work / f"peer-ours-{i}")],
                            cwd=Path(__file__).resolve().parent.parent))
    return theirs, ours, len(files)


def _our_pdf_stage(plan_dir: str, out: str) -> None:
    """Render the same documents as the peer: the fr and ar plans and every fiche, as PDF."""
    from publisher.build import _render_all, _Workers, jobs
    from publisher.check import load_checked

    with _Workers.start(None, ("pdf",)) as pool:  # as a build: the workers start first
        plan = load_checked(plan_dir).plan
        todo = [(job, "") for job in jobs(plan, ("fr", "ar"), ("pdf",)) if job.kind in ("plan", "fiche")]
        Path(out).mkdir(parents=True, exist_ok=True)
        for job, _, rendered in _render_all(plan, todo, pool, None):
            (Path(out) / Path(job.target).name).write_bytes(rendered.data)


def main(argv: list[str] | None = None) -> None:
    """Print the benchmark table."""
    parser = argparse.ArgumentParser(description="publisher benchmarks")
    parser.add_argument("--sizes", default="30,90,360")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (the median is printed)")
    parser.add_argument("--big-runs", type=int, default=1, help="runs for plans over 100 actions")
    parser.add_argument("--rebuild-runs", type=int, help="runs of each rebuild (default: --runs); their range "
                        "is printed too, the machine's noise being larger than a rebuild's differences")
    parser.add_argument("--no-peer", action="store_true", help="skip the LibreOffice comparison")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    work = args.work or Path(tempfile.mkdtemp(prefix="publisher-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; work folder {work}")
    print(f"{'measure':<52} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} {'pages':>6}")

    colds = {}
    for size in sizes:
        plan = work / f"plan-{size}"
        shutil.rmtree(plan, ignore_errors=True)
        generate(size, plan)
        runs = args.big_runs if size > 100 else args.runs
        results, count = cold(plan, work, runs)
        colds[size] = median(results, "wall")
        print(f"{f'cold build, {size} actions (median of {runs})':<52} {median(results, 'wall'):>8.2f} "
              f"{median(results, 'cpu'):>8.2f} {median(results, 'rss'):>8.0f} {count:>6}")
        if size == 90 or (90 not in sizes and size == sizes[0]):
            again = args.rebuild_runs or args.runs
            nothing, one = rebuilds(plan, work, again)
            for label, results in (("rebuild, nothing changed", nothing), ("rebuild, one action's budget changed", one)):
                print(f"{f'{label}, {size} actions (median of {again})':<52} {median(results, 'wall'):>8.2f} "
                      f"{median(results, 'cpu'):>8.2f} {median(results, 'rss'):>8.0f}")
                if again > 1:
                    walls = [run["wall"] for run in results]
                    print(f"{'  wall, least and most':<52} {min(walls):>8.2f} {max(walls):>8.2f}")
            print(f"{'  one-change rebuild / cold build':<52} {median(one, 'wall') / colds[size]:>8.1%}")
            if not args.no_peer:
                soffice = ensure_libreoffice()
                theirs, ours, files = peer(plan, work, args.runs, soffice)
                print(f"{f'LibreOffice: {files} DOCX -> PDF, one invocation':<52} {median(theirs, 'wall'):>8.2f} "
                      f"{median(theirs, 'cpu'):>8.2f} {median(theirs, 'rss'):>8.0f}")
                print(f"{f'publisher PDF stage: the same {files} documents':<52} {median(ours, 'wall'):>8.2f} "
                      f"{median(ours, 'cpu'):>8.2f} {median(ours, 'rss'):>8.0f}")
                print(f"{'  ours / LibreOffice (wall)':<52} {median(ours, 'wall') / median(theirs, 'wall'):>8.2f}")
    if 90 in colds and 360 in colds:
        print(f"{'growth: cold 360 / cold 90 (linear would be 4.0)':<52} {colds[360] / colds[90]:>8.2f}")


if __name__ == "__main__":
    main()
