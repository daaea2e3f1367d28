"""Where a build's time goes: each group of jobs rendered in one process, timed per kind of output.

    python -m benchmarks.groups /tmp/plan-90      # a plan folder, e.g. from benchmarks.synth

Prints, per group (format, edition or plan documents), the seconds spent on plan documents, the
bilingual volume, fiches and bundles, rendered in the order and grouping the build uses.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from publisher.build import groups, jobs
from publisher.check import load_checked
from publisher.render import renderer


def main(argv: list[str] | None = None) -> None:
    """Time every group of jobs of a plan, serially, in this process."""
    args = argv if argv is not None else sys.argv[1:]
    plan = load_checked(args[0]).plan
    todo = [(job, "") for job in jobs(plan)]
    from publisher.render.partcache import PartCache

    renderer("pdf").use_cache(PartCache(Path(tempfile.mkdtemp(prefix="publisher-parts-"))))  # as a cold build
    total = 0.0
    for group in groups(todo, len(plan.actions)):
        first = group[0][0]
        editions = {job.edition for job, _ in group}
        name = f"{first.fmt} {first.edition if len(editions) == 1 else 'plans'}"
        times: dict[str, float] = {}
        for job, _ in group:
            started = time.perf_counter()
            renderer(job.fmt).render(job.spec(plan))
            kind = "bilingual" if job.edition == "bilingue" else job.kind
            times[kind] = times.get(kind, 0.0) + time.perf_counter() - started
        renderer(first.fmt).clear()  # as the build does after each group
        total += sum(times.values())
        detail = ", ".join(f"{kind} {seconds:.1f} s" for kind, seconds in times.items())
        print(f"{name:<14} {len(group):>4} outputs  {sum(times.values()):>7.1f} s  ({detail})", flush=True)
    print(f"{'all':<14} {len(todo):>4} outputs  {total:>7.1f} s  (one process, no parallelism)")


if __name__ == "__main__":
    main()
