"""The orchestrator: editions x formats, the fiche annexes, atomic writes.

``build`` checks the plan, lists the outputs to produce (:class:`Job`), renders each one to bytes
and only then moves them into place, so that a build that fails (bad content, a renderer error,
Ctrl-C) leaves every previous output exactly as it was. Only this module writes outputs.
"""

from __future__ import annotations

import importlib
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .check import CheckResult, load_checked
from .errors import UsageError
from .model import Lang, Plan
from .render.context import plan_stem

FORMATS = ("docx", "pdf")
EDITIONS = ("fr", "ar")
RENDERERS = {"pdf": "publisher.render.pdf:PdfRenderer", "docx": "publisher.render.docx:DocxRenderer"}


def renderer(fmt: str):
    """The renderer of a format, from the registry."""
    module, name = RENDERERS[fmt].split(":")
    return getattr(importlib.import_module(module), name)()


def _safe(code: str) -> str:
    """An action code as it may appear in a file name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", code).strip("._") or "action"


@dataclass(frozen=True)
class Job:
    """One output file: what to render, in which language and format, and where it goes."""

    kind: str  # "plan" or "fiche"
    lang: Lang
    fmt: str
    target: str  # relative to the output folder
    action: str | None = None

    def render(self, plan: Plan) -> bytes:
        """The bytes of this output."""
        engine = renderer(self.fmt)
        if self.kind == "plan":
            return engine.plan(plan, self.lang)
        return engine.fiche(plan, plan.action(self.action), self.lang)


def jobs(plan: Plan, editions: Iterable[str] = EDITIONS, formats: Iterable[str] = FORMATS) -> list[Job]:
    """Every output of a build, in a stable order: per edition, the plan then its fiches."""
    stem = plan_stem(plan)
    out = []
    for edition in editions:
        lang = Lang(edition)
        for fmt in formats:
            out.append(Job("plan", lang, fmt, f"{edition}/plan-{stem}-{edition}.{fmt}"))
            for action in plan.actions:
                name = f"fiche-{_safe(action.code)}-{stem}-{edition}.{fmt}"
                out.append(Job("fiche", lang, fmt, f"{edition}/annexes/{name}", action.code))
    return out


@dataclass
class BuildReport:
    """What a build wrote, for the summary."""

    out: Path
    written: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    check: CheckResult | None = None

    @property
    def size(self) -> int:
        """Total bytes written."""
        return sum(path.stat().st_size for path in self.written)


def parse_list(value: str | None, allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    """``"fr,ar"`` -> ``("fr", "ar")``, refusing unknown names."""
    if not value:
        return allowed
    names = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    unknown = [n for n in names if n not in allowed]
    if unknown or not names:
        raise UsageError(f"{what} inconnu(e) : {', '.join(unknown) or value} (attendu : {', '.join(allowed)})")
    return names


def build(
    plan_dir: Path | str,
    out: Path | str | None = None,
    editions: Iterable[str] = EDITIONS,
    formats: Iterable[str] = FORMATS,
    strict: bool = False,
) -> BuildReport:
    """Check the plan, render every output, then move them all into ``out`` at once."""
    started = time.perf_counter()
    plan_dir = Path(plan_dir)
    result = load_checked(plan_dir, strict=strict)
    plan = result.plan
    out = Path(out) if out else Path("build") / plan_dir.resolve().name
    report = BuildReport(out=out, check=result)
    staged: list[tuple[Path, Path]] = []
    try:
        for job in jobs(plan, editions, formats):
            data = job.render(plan)
            staged.append((_stage(out / job.target, data), out / job.target))
        for temp, target in staged:
            os.replace(temp, target)
            report.written.append(target)
    finally:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
    report.seconds = time.perf_counter() - started
    return report


def _stage(target: Path, data: bytes) -> Path:
    """Write ``data`` beside ``target`` under a temporary name; the caller renames it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(name, 0o644)  # mkstemp makes it private; an output is an ordinary file
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)

