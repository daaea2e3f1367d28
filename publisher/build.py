"""The orchestrator: editions x formats, annexes and bundles, manifest, atomic writes, parallelism.

``build`` checks the plan and lists the outputs to produce (:class:`Job`). Each job has a
fingerprint: a hash of exactly what it prints (its formatted content), of the templates and of the
engine. An output whose fingerprint and bytes match ``manifest.json`` is not rendered again, so a
build with nothing changed writes nothing, and a build after one action changed renders only that
action's fiches, its acteurs' bundles and the plan documents. Jobs render in parallel across the
cores (workers, forked as the build starts, import the renderers while the plan is checked; they
ignore Ctrl-C, which the parent reports once, and die with their parent); each
result is handed to :class:`publisher.output.OutputFolder`, which stages it and commits every output
with the manifest only when every job succeeded: a build that fails (bad content, a renderer error, a
full disk, Ctrl-C) leaves every previous output exactly as it was. Only this module and
:mod:`publisher.output` write outputs.
"""

from __future__ import annotations

import ctypes
import dataclasses
import hashlib
import json
import multiprocessing
import os
import pickle
import signal
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from . import __version__
from .charte import PLAN_FILE as CHARTE_FILE
from .check import CheckResult, load_checked
from .errors import EnvironmentFailure, UsageError
from .model import Lang, Plan
from .names import file_name  # the one function that names outputs, shared with check
from .output import MANIFEST, Manifest, OutputFolder, intact, printable
from .render import Spec, context, renderer
from .stamp import EDITIONS, FORMATS, default_out, engine_fingerprint, file_hash, pairs

Progress = Callable[[int, int, str], None]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _json(value) -> str:
    def default(obj):
        if dataclasses.is_dataclass(obj):
            return dataclasses.asdict(obj)
        return str(obj)

    return json.dumps(value, default=default, sort_keys=True, ensure_ascii=False)


@dataclass(frozen=True)
class Job:
    """One output file: what to render, in which edition and format, and where it goes."""

    kind: str  # "plan", "fiche" or "bundle"
    edition: str  # "fr", "ar" or "bilingue"
    fmt: str
    target: str  # relative to the output folder
    key: str | None = None  # the action's code (fiche) or the acteur's key (bundle)

    @property
    def lang(self) -> Lang:
        """The language of a one-language output."""
        return Lang(self.edition)

    def spec(self, plan: Plan) -> Spec:
        """What the renderer is asked to print for this output."""
        if self.edition == "bilingue":
            return Spec(plan, "bilingual")
        return Spec(plan, self.kind, self.lang, self.key)


def _stem(plan: Plan) -> str:
    return context.plan_stem(plan)


def jobs(plan: Plan, editions: Iterable[str] = EDITIONS, formats: Iterable[str] = FORMATS) -> list[Job]:
    """Every output of a build, in a stable order: per edition, the plan, its fiches, its bundles."""
    stem = _stem(plan)
    out = []
    for edition in editions:
        for fmt in formats:
            out.append(Job("plan", edition, fmt, f"{edition}/plan-{stem}-{edition}.{fmt}"))
            if edition == "bilingue":
                continue
            for action in plan.actions:
                name = f"fiche-{file_name(action.code)}-{stem}-{edition}.{fmt}"
                out.append(Job("fiche", edition, fmt, f"{edition}/annexes/{name}", action.code))
            for key in bundle_acteurs(plan):
                name = f"fiches-{file_name(key)}-{stem}-{edition}.{fmt}"
                out.append(Job("bundle", edition, fmt, f"{edition}/acteurs/{name}", key))
    return out


def bundle_acteurs(plan: Plan) -> list[str]:
    """The acteurs that pilot or partner at least one action, in the order of ``acteurs``."""
    concerned = {key for action in plan.actions for key in plan.acteurs_of(action)}
    return [key for key in plan.acteurs if key in concerned]


class Fingerprints:
    """What each job prints, hashed: the key of the incremental build.

    Each action's formatted content is hashed once per language; a fiche's key is its action's hash
    with the edition's header, a bundle's the hashes of its actions, a plan document's the whole plan.
    """

    def __init__(self, plan: Plan):
        self.plan = plan
        dump = plan.model_dump_json()
        extra = _json([[s.key, s.fr, s.ar] for s in plan.sections])
        images = {k: _sha256(v) for k, v in sorted(plan.assets.items())}  # the bytes of every image printed
        previous = plan.previous.model_dump_json() if plan.previous else ""
        style = plan.charte.fingerprint()  # the house style with the plan's charte.toml merged over it
        self.whole = _sha256(f"{dump}{extra}{_json(images)}{previous}{style}".encode())
        self.headers, self.actions = {}, {}
        logos = [images.get(logo) for logo in plan.logos]
        for lang in Lang:
            e = context.edition(plan, lang)
            self.headers[lang] = _sha256(
                _json([e.title, e.territory, e.periode, e.version, e.draft, e.statut, e.royaume, e.labels, logos, style])
                .encode()
            )
            # repr of the view dataclasses: deterministic, and much faster than asdict + JSON; the bytes
            # of the images a fiche shows, since an image replaced under the same name prints anew
            self.actions[lang] = {
                view.code: _sha256((repr(view) + _json([images.get(src) for doc in view.fiche.values()
                                                        for _, src in doc.images])).encode())
                for view in e.actions
            }

    def of(self, job: Job) -> str:
        """The fingerprint of a job's output."""
        if job.kind == "plan":
            payload = self.whole
        elif job.kind == "fiche":
            payload = f"{self.headers[job.lang]}|{self.actions[job.lang][job.key]}"
        else:
            acteur = self.plan.acteurs[job.key].model_dump_json()
            codes = [a.code for a in self.plan.actions_of(job.key)]
            payload = _json([self.headers[job.lang], acteur, [self.actions[job.lang][c] for c in codes]])
        return _sha256(f"{engine_fingerprint()}|{job.kind}|{job.edition}|{job.fmt}|{payload}".encode())


@dataclass
class BuildReport:
    """What a build did, for the summary."""

    out: Path
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # the manifest's, and what renderers' libraries reported
    pages: int = 0
    bytes: int = 0
    seconds: float = 0.0
    check: CheckResult | None = None


def input_files(plan: Plan) -> list[str]:
    """The files of the plan folder that shape its publication: plan.yaml, its charte.toml and the
    narrative files it lists (in both languages; present or not, since one written later must be
    noticed), its images."""
    used = ["plan.yaml", CHARTE_FILE]
    for section in plan.sections:
        used += [f"{lang.value}/{section.key}.md" for lang in Lang]
    return used + sorted(plan.assets)


def input_hashes(plan_dir: Path, plan: Plan) -> dict[str, str | None]:
    """The SHA-256 of every file that shapes the publication (None for an absent narrative file),
    never of anything else in the plan folder; files read in chunks, images from the bytes printed."""
    hashes = {}
    for relative in input_files(plan):
        if relative in plan.assets:
            hashes[relative] = _sha256(plan.assets[relative])
        else:
            hashes[relative] = file_hash(plan_dir, relative)
    return dict(sorted(hashes.items()))


def build(
    plan_dir: Path | str,
    out: Path | str | None = None,
    editions: Iterable[str] = EDITIONS,
    formats: Iterable[str] = FORMATS,
    strict: bool = False,
    since: Path | str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Check the plan, render what changed, then commit every new output into ``out`` at once."""
    started = time.perf_counter()
    editions, formats = tuple(editions), tuple(formats)
    with _Workers.start(workers, formats) as pool:
        return _build(started, Path(plan_dir), out, editions, formats, strict, since, pool, progress)


def _build(started: float, plan_dir: Path, out, editions, formats, strict: bool, since, pool: _Workers | None,
           progress: Progress | None) -> BuildReport:
    result = load_checked(plan_dir, strict=strict)
    plan = result.plan
    if since is not None:
        plan = plan.model_copy(update={"previous": load_checked(since).plan})
    out = Path(out) if out else default_out(plan_dir)
    report = BuildReport(out=out, check=result)
    if plan.previous is not None and plan.previous.version == plan.version:
        report.warnings.append(f"--depuis : {since} porte la même date de version ({plan.version.isoformat()}) "
                               f"que le plan publié")
    stem = context.plan_stem(plan)

    with OutputFolder(out) as folder:
        manifest = Manifest.read(out)
        old_outputs = manifest.outputs(stem)
        todo, entries = _what_changed(plan, out, jobs(plan, editions, formats), old_outputs, report)
        cache, cache_started = _part_cache(out, todo), time.time()
        written = []
        for job, key, done in _render_all(plan, todo, pool, progress, report.warnings, cache):
            folder.stage(job.target, done.data)
            entries[job.target] = {"sha256": _sha256(done.data), "source": key, "bytes": len(done.data),
                                   "pages": done.pages}
            written.append(out / job.target)
        if cache is not None:
            cache.prune(cache_started, {(job.kind, job.edition) for job, _ in todo if job.fmt == "pdf"} >= {
                ("plan", "fr"), ("plan", "ar")})
        _remove_stale(plan, folder, stem, old_outputs, entries, report)
        section = {
            "engine": __version__,
            "plan": {"province": plan.province.fr, "version": plan.version.isoformat(),
                     "statut": plan.statut.value},
            "plan_dir": str(plan_dir.resolve()),
            "since": plan.previous.version.isoformat() if plan.previous else None,
            "inputs": input_hashes(plan_dir, plan),
            "outputs": dict(sorted(entries.items())),
        }
        section["stamp"] = _stamp(manifest.publications.get(stem), section, editions, formats, result)
        folder.commit(manifest.with_section(stem, section))
    report.written = written
    report.warnings[:0] = manifest.warnings
    report.pages = sum(entries[job.target].get("pages", 0) for job, _ in todo)
    report.bytes = sum(entries[job.target]["bytes"] for job, _ in todo)
    report.seconds = time.perf_counter() - started
    return report


def _part_cache(out: Path, todo: list[tuple[Job, str]]):
    """The PDF parts of ``out`` kept between builds, in the user's cache folder (see
    :mod:`publisher.render.partcache`), handed to the PDF renderer by each process that renders PDF (the
    renderer is imported there, in parallel, not here before the workers start)."""
    if not any(job.fmt == "pdf" for job, _ in todo):
        return None
    from .render.partcache import PartCache

    return PartCache.of(out)


def _stamp(previous, section: dict, editions, formats, result: CheckResult) -> dict:
    """What :func:`publisher.stamp.fresh` needs to tell, next time, that nothing changed: the engine,
    the edition/format pairs whose outputs are all current, and the diagnostics to print again."""
    built = set(pairs(editions, formats))
    old = previous.get("stamp") if isinstance(previous, dict) else None
    if isinstance(old, dict) and isinstance(old.get("built"), list) and old.get("engine") == engine_fingerprint() \
            and all(previous.get(key) == section[key] for key in ("inputs", "since", "plan_dir")):
        built |= {pair for pair in old["built"] if isinstance(pair, str)}  # still current: same sources
    return {"engine": engine_fingerprint(), "built": sorted(built),
            "diagnostics": [str(d) for d in result.diagnostics]}


def _what_changed(plan: Plan, out: Path, wanted: list[Job], old_outputs: dict, report: BuildReport):
    """The jobs to render (with their fingerprints), and the manifest entries of the outputs kept."""
    prints = Fingerprints(plan)
    manifest = out / MANIFEST
    since = manifest.stat().st_mtime_ns if manifest.is_file() else -1
    todo, entries = [], {}
    for job in wanted:
        key = prints.of(job)
        known = old_outputs.get(job.target, {})
        target = out / job.target
        if known.get("source") == key and intact(target, known, since):
            entries[job.target] = known
            report.unchanged.append(target)
        else:
            todo.append((job, key))
    return todo, entries


def _remove_stale(plan: Plan, folder: OutputFolder, stem: str, old_outputs: dict, entries: dict,
                  report: BuildReport) -> None:
    """Keep the entries of outputs this build did not ask for; remove the outputs of what no longer exists.

    Only a file of this publication, named as this engine names it and still holding the bytes the
    manifest records, is removed; another is left where it is, with a warning, and forgotten.
    """
    complete = {job.target for job in jobs(plan)}
    for target, entry in old_outputs.items():
        if target in entries:
            continue
        if target in complete:
            entries[target] = entry  # outside this build's --edition/--format: kept as it was
            continue
        path = folder.removable(target, entry, stem)
        if path is not None:
            folder.remove(path)
            report.removed.append(path)
        elif not _plain_relative(target) or os.path.lexists(folder.out / target):
            report.warnings.append(f"{MANIFEST} : « {printable(target)} » n'est plus produit mais n'est pas retiré "
                                   f"(modifié depuis la publication, ou pas un fichier de cette publication)")


def _plain_relative(target: str) -> bool:
    return not Path(target).is_absolute() and ".." not in Path(target).parts


def remove_publication(out: Path | str, stem: str) -> BuildReport:
    """Remove, on purpose, one publication (a province at one version) from an output folder.

    Only its files still holding the bytes the manifest records are removed; its manifest section goes.
    """
    out = Path(out)
    if not (out / MANIFEST).is_file():
        raise UsageError(f"{out} : pas de {MANIFEST}, ce n'est pas un dossier de publication")
    report = BuildReport(out=out)
    with OutputFolder(out) as folder:
        manifest = Manifest.read(out)
        if stem not in manifest.publications:
            known = ", ".join(sorted(manifest.publications)) or "aucune"
            raise UsageError(f"{stem} : publication absente de {out / MANIFEST} (publications : {known})")
        for target, entry in manifest.outputs(stem).items():
            path = folder.removable(target, entry, stem)
            if path is not None:
                folder.remove(path)
                report.removed.append(path)
            elif _plain_relative(target) and os.path.lexists(out / target):
                report.warnings.append(f"« {printable(target)} » laissé en place : modifié depuis sa publication")
        folder.commit(manifest.with_section(stem, None))
    report.warnings[:0] = manifest.warnings
    return report


def _init_worker(parent: int, formats: tuple[str, ...]) -> None:
    """A rendering process: it leaves Ctrl-C to its parent, dies with it, and imports the renderers of
    ``formats`` while the parent loads and checks the plan."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent reports an interruption, once
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:  # Linux: the kernel kills this process when the parent dies, even by kill -9
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - another system: the pool's own watch remains
        pass
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)
    for fmt in formats:
        renderer(fmt)


class _Workers:
    """The rendering processes of a build, forked as it starts: each imports the renderers (WeasyPrint
    takes about a second) while the parent loads and checks the plan. Stopped at once if the build
    fails, after their groups otherwise."""

    def __init__(self, count: int, formats: tuple[str, ...]) -> None:
        self.count, self.used = count, False
        self.pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork"),
                                        initializer=_init_worker, initargs=(os.getpid(), formats))
        try:
            self.pool.submit(int)  # a forking pool starts all its processes at the first submission
        except OSError:
            _abandon(self.pool)
            self.pool.shutdown(wait=True, cancel_futures=True)
            raise

    def submit(self, function, *args):
        """Run ``function(*args)`` in a worker: a future."""
        self.used = True
        return self.pool.submit(function, *args)

    @classmethod
    def start(cls, workers: int | None, formats: tuple[str, ...]):
        """The processes of a build that asks for ``workers`` (None: a core each); for one, none (the
        build renders in its own process: ``with`` gives None)."""
        count = workers or os.cpu_count() or 1
        if count > 1:
            try:
                return cls(count, tuple(f for f in FORMATS if f in formats))
            except OSError:  # the machine lets no process be forked (a limit reached): render here
                pass
        return nullcontext()

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, kind, error, trace) -> None:
        if error is not None or not self.used:  # an error, Ctrl-C, an abandoned build, or nothing to
            _abandon(self.pool)  # render: the workers stop now, not after their group or their imports
        self.pool.shutdown(wait=True, cancel_futures=True)


@dataclass(frozen=True)
class Rendered:
    """One output as its renderer made it: its bytes, its pages as laid out (0 for a DOCX: Word
    paginates it when it opens), and the warnings the renderer's libraries reported, located."""

    data: bytes
    pages: int
    warnings: list[str]


@dataclass(frozen=True)
class _Shipped:
    """A plan sent to the workers: pickled once by the parent, read once by each worker, which keeps
    it for the build's next groups (and the editions computed from it with it)."""

    token: str
    data: bytes

    @classmethod
    def of(cls, plan: Plan) -> _Shipped:
        return cls(f"{os.getpid()}-{id(plan)}-{time.monotonic_ns()}", pickle.dumps(plan, pickle.HIGHEST_PROTOCOL))

    def plan(self) -> Plan:
        if _RECEIVED.get("token") != self.token:
            _RECEIVED.update(token=self.token, plan=pickle.loads(self.data))
        return _RECEIVED["plan"]


_RECEIVED: dict = {}  # in a worker: the token of the last plan shipped, and the plan


def _render_group(group: list[Job], plan: Plan | _Shipped, cache=None) -> list[Rendered]:
    """Render a group of jobs in order, in one process, so that they share laid-out documents."""
    if isinstance(plan, _Shipped):
        plan = plan.plan()
    if any(job.fmt == "pdf" for job in group):
        renderer("pdf").use_cache(cache)
    try:
        return [_render_one(job, plan) for job in group]
    finally:
        for fmt in {job.fmt for job in group}:
            renderer(fmt).clear()


def _render_one(job: Job, plan: Plan) -> Rendered:
    engine = renderer(job.fmt)
    data = engine.render(job.spec(plan))
    warnings = [f"{job.target} : {message}" for message in engine.take_warnings()]
    return Rendered(data, engine.last_pages, warnings)


def groups(todo: list[tuple[Job, str]], actions: int) -> list[list[tuple[Job, str]]]:
    """The jobs grouped by what they share, the costliest first so that no core waits at the end.

    PDF: per language, the plan document, its fiches and bundles go together (they share the parts
    they are assembled from: each fiche is laid out once); the bilingual volume comes last, alone,
    assembled from the parts the others left in the cache (:func:`late`). DOCX: the plan documents go
    together when the bilingual volume is asked for (it reuses both editions), one group per edition
    otherwise; the fiches and bundles, which share nothing, in groups of about an eighth of their
    language's cost (a bundle or two at least), so that the last groups even out the cores' ends.
    """
    bilingual = {job.fmt for job, _ in todo if job.edition == "bilingue"}
    grouped: dict[tuple, list] = {}
    for job, key in todo:
        if job.fmt == "pdf":
            affinity = (job.fmt, job.edition)
        elif job.kind == "plan":
            affinity = (job.fmt, "plan") if job.fmt in bilingual else (job.fmt, "plan", job.edition)
        else:
            affinity = (job.fmt, job.edition)
        grouped.setdefault(affinity, []).append((job, key))
    pieces = []
    for affinity, group in grouped.items():
        if affinity[0] == "docx" and affinity[1] != "plan":
            pieces += _chunks(group, max(1.0, _cost(group, actions) / 8), actions)
        else:
            pieces.append(group)
    ordered = sorted(pieces, key=lambda group: _cost(group, actions), reverse=True)
    return [group for group in ordered if not late(group)] + [group for group in ordered if late(group)]


def _chunks(group: list[tuple[Job, str]], most: float, actions: int) -> list[list[tuple[Job, str]]]:
    """``group`` cut, in order, into groups costing ``most`` or a job more."""
    chunks: list[list[tuple[Job, str]]] = [[]]
    for item in group:
        if chunks[-1] and _cost(chunks[-1], actions) >= most:
            chunks.append([])
        chunks[-1].append(item)
    return chunks


def late(group: list[tuple[Job, str]]) -> bool:
    """Whether a group waits for the others: the PDF bilingual volume, made of their parts."""
    return all(job.fmt == "pdf" and job.edition == "bilingue" for job, _ in group)


def _cost(group: list[tuple[Job, str]], actions: int) -> float:
    """A rough cost of a group, in units of one fiche PDF (measured on the 90-action benchmark plan)."""
    cost = 0.0
    for job, _ in group:
        if job.kind == "plan":
            cost += (1.5 if job.fmt == "pdf" else 0.1) * actions
        elif job.kind == "bundle":
            cost += 3.0 if job.fmt == "pdf" else 0.5
        else:
            cost += 1.0 if job.fmt == "pdf" else 0.3
    return cost


def _render_all(plan: Plan, todo: list[tuple[Job, str]], pool: _Workers | None, progress: Progress | None,
                warnings: list[str] | None = None, cache=None):
    """Render the jobs, groups in parallel across the ``pool``'s processes (in this one without); yield
    (job, key, :class:`Rendered`) as groups finish (the renderers' warnings go into ``warnings``)."""
    warnings = [] if warnings is None else warnings
    total, done = len(todo), 0
    batches = groups(todo, len(plan.actions))
    if pool is None:
        for batch in batches:
            for (job, key), rendered in zip(batch, _render_group([job for job, _ in batch], plan, cache)):
                warnings.extend(rendered.warnings)
                done += 1
                if progress:
                    progress(done, total, job.target)
                yield job, key, rendered
        return
    shipped = _Shipped.of(plan)
    try:
        queue = [batch for batch in batches if not late(batch)]  # the costliest first
        waiting = [batch for batch in batches if late(batch)]
        futures, pending = {}, set()
        while queue or waiting or pending:
            # A group per free worker, no more: a late group goes first once the PDF groups are done (their
            # parts are in the cache), instead of queueing behind the groups handed out before.
            while len(pending) < pool.count and (queue or waiting):
                pdf_left = any(batch[0][0].fmt == "pdf" for batch in queue) or any(
                    futures[future][0][0].fmt == "pdf" for future in pending)
                if waiting and not pdf_left:
                    batch = waiting.pop(0)
                elif queue:
                    batch = queue.pop(0)
                else:
                    break
                future = pool.submit(_render_group, [job for job, _ in batch], shipped, cache)
                futures[future] = batch
                pending.add(future)
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                batch = futures[future]
                for (job, key), rendered in zip(batch, future.result()):  # a renderer's error stops here
                    warnings.extend(rendered.warnings)
                    done += 1
                    if progress:
                        progress(done, total, job.target)
                    yield job, key, rendered
    except BrokenProcessPool:
        raise EnvironmentFailure("un processus de rendu s'est arrêté brutalement (mémoire épuisée ou signal) : "
                                 "rien n'a été publié") from None


def _abandon(pool: ProcessPoolExecutor) -> None:
    """Stop a pool's workers at once, not after their current group.

    A worker killed while it sends a result leaves half a message in the result pipe, and the pool's
    manager thread would wait for the rest forever (the parent holds a writing end too): closing the
    parent's writing end turns that wait into an end of file, which the pool reports as broken.
    ProcessPoolExecutor has no public way to do either before Python 3.14 (``terminate_workers``).
    """
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    if writer is not None:
        writer.close()


def write_changes(plan: Plan, out: Path | str, formats: Iterable[str] = FORMATS) -> list[Path]:
    """The tableau des modifications of ``plan`` against ``plan.previous``, alone, in each language and format."""
    out = Path(out)
    written = []
    with OutputFolder(out) as folder:
        for lang in Lang:
            for fmt in formats:
                name = f"modifications-{_stem(plan)}-depuis-{plan.previous.version.isoformat()}-{lang.value}.{fmt}"
                folder.stage(name, renderer(fmt).render(Spec(plan, "changes", lang)))
                written.append(out / name)
        folder.commit(None)
    return written
