"""Where a one-change rebuild's time goes: the build's timeline, group by group, worker by worker.

    python -m benchmarks.rebuild /tmp/plan-90      # a plan folder, e.g. from benchmarks.synth

Copies the plan into a temporary folder, builds it cold (its PDF parts in a cache folder of its own),
changes the first action's budget (as ``benchmarks.run`` does), builds again, and prints for the second
build: the seconds before the workers start, then each group of jobs with the worker that rendered it,
when it started and ended, and the PDF parts it laid out again (not taken from the cache).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from publisher import build as building
from publisher.render import renderer

_LOG = Path(tempfile.gettempdir()) / f"publisher-rebuild-{os.getpid()}.jsonl"  # the workers' records
_STARTED = [0.0]
_render_group = building._render_group


def _timed_group(group, plan, cache=None):
    """The build's ``_render_group``, recording when it ran, where, and the parts it laid out."""
    started = time.time()
    pdf = renderer("pdf") if any(job.fmt == "pdf" for job in group) else None
    if pdf is not None:
        pdf.laid_out.clear()
    try:
        return _render_group(group, plan, cache)
    finally:
        record = {"pid": os.getpid(), "start": started - _STARTED[0], "end": time.time() - _STARTED[0],
                  "group": f"{group[0].fmt} {'/'.join(dict.fromkeys(job.edition for job in group))}",
                  "outputs": len(group), "laid_out": list(pdf.laid_out) if pdf is not None else []}
        with _LOG.open("a", encoding="utf-8") as log:
            log.write(json.dumps(record) + "\n")


def main(argv: list[str] | None = None) -> None:
    """Build a copy of the plan cold, change one budget, and print the timeline of the rebuild."""
    args = argv if argv is not None else sys.argv[1:]
    work = Path(tempfile.mkdtemp(prefix="publisher-rebuild-"))
    os.environ["XDG_CACHE_HOME"] = str(work / "cache")  # this run's parts only
    plan, out = work / "plan", work / "out"
    shutil.copytree(args[0], plan)
    try:
        started = time.perf_counter()
        building.build(plan, out)
        print(f"cold build: {time.perf_counter() - started:.2f} s")
        yaml = plan / "plan.yaml"
        text = yaml.read_text(encoding="utf-8")
        yaml.write_text(re.sub(r"(montant:\s*)[0-9.]+", r"\g<1>123457", text, count=1), encoding="utf-8")
        building._render_group = _timed_group
        _LOG.unlink(missing_ok=True)
        _STARTED[0] = time.time()
        report = building.build(plan, out)
        total = time.time() - _STARTED[0]
        records = sorted((json.loads(line) for line in _LOG.read_text(encoding="utf-8").splitlines()),
                         key=lambda r: r["start"])
        print(f"one-change rebuild: {total:.2f} s, {len(report.written)} outputs written")
        print(f"  before the first group: {records[0]['start']:.2f} s; after the last: "
              f"{total - max(r['end'] for r in records):.2f} s")
        workers = {pid: n for n, pid in enumerate(dict.fromkeys(r["pid"] for r in records), start=1)}
        for r in records:
            parts = f"  laid out: {', '.join(r['laid_out'])}" if r["laid_out"] else ""
            print(f"  worker {workers[r['pid']]}  {r['start']:6.2f} -> {r['end']:6.2f} s  {r['end'] - r['start']:5.2f} s  "
                  f"{r['group']:<18} {r['outputs']:>3} outputs{parts}")
    finally:
        building._render_group = _render_group
        _LOG.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
