"""The parts of the PDFs kept between builds, so that a révision lays out only what it changed.

A part (a fiche, the canevas, the cover and sommaire, the footers of a document...) is laid out and
written once per build and language; :class:`PartCache` keeps its bytes on disk, in the user's cache
folder (``$XDG_CACHE_HOME/publisher/pdf-parts/``, by default ``~/.cache/...``), one folder per output
folder (:func:`folder_for`): the output folder itself holds only what is published, and a build that
fails leaves it exactly as it was. The folder of an output folder that no longer exists is removed by
the next build. An entry is named by the key of exactly what the
part prints: the HTML the templates made (content, labels, numbers), the charte's stylesheet, the
bytes of the images it shows, and the engine's fingerprint (code, templates, house style, library
versions, fonts: :func:`publisher.stamp.engine_fingerprint`). Beside the bytes, the entry records
their page count, a SHA-256 of both and what WeasyPrint reported while laying them out; an entry that
does not match its SHA-256, or does not read, is laid out again, never trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

PARTS_DIR = Path("publisher") / "pdf-parts"
_OUT_FILE = "output-folder.txt"  # in each output folder's cache folder: the output folder's path
# the parts a plan document is made of: every one is used whenever the plan documents are laid out
PLAN_PARTS = ("front", "narrative", "canevas", "synthese", "annexes", "historique", "validation", "fiche")


def cache_root() -> Path:
    """The folder of every output folder's parts: ``$XDG_CACHE_HOME/publisher/pdf-parts``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / PARTS_DIR


def folder_for(out: Path) -> Path:
    """The cache folder of the parts of an output folder (named by a hash of its absolute path)."""
    where = str(Path(out).resolve())
    return cache_root() / hashlib.sha256(where.encode("utf-8")).hexdigest()[:24]


def part_key(*pieces: str | bytes) -> str:
    """The key of a part: a SHA-256 of what it prints, piece by piece (each length-prefixed)."""
    digest = hashlib.sha256()
    for piece in pieces:
        data = piece.encode("utf-8") if isinstance(piece, str) else piece
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


class PartCache:
    """Parts on disk by key: :meth:`get` what a previous build wrote, :meth:`put` what this one made."""

    def __init__(self, folder: Path, out: Path | None = None):
        self.folder = Path(folder)
        self.out = out  # the output folder these parts are for, recorded beside them
        self.hits = 0
        self.misses = 0

    @classmethod
    def of(cls, out: Path) -> "PartCache":
        """The parts of the output folder ``out``; the cache folders of vanished output folders are removed."""
        for folder in _list(cache_root()):
            try:
                recorded = (folder / _OUT_FILE).read_text(encoding="utf-8")
            except OSError:
                continue
            if not Path(recorded).exists():
                shutil.rmtree(folder, ignore_errors=True)
        return cls(folder_for(out), Path(out).resolve())

    def _paths(self, key: str) -> tuple[Path, Path]:
        return self.folder / f"{key}.pdf", self.folder / f"{key}.json"

    def get(self, key: str) -> tuple[bytes, list[str], int | None] | None:
        """The bytes of a part, WeasyPrint's warnings about it and its page count (None if not recorded), or
        None (absent, damaged, unreadable)."""
        data_path, meta_path = self._paths(key)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            data = data_path.read_bytes()
        except (OSError, ValueError):
            self.misses += 1
            return None
        pages = meta.get("pages") if isinstance(meta, dict) else None
        if not isinstance(meta, dict) or meta.get("sha256") != _digest(data, pages) \
                or not isinstance(meta.get("warnings"), list) or not data.startswith(b"%PDF-"):
            self.misses += 1
            return None
        self.hits += 1
        now = time.time()
        try:  # used by this build: kept by :meth:`prune`
            os.utime(meta_path, (now, now))
        except OSError:
            pass
        return data, [str(w) for w in meta["warnings"]], pages if isinstance(pages, int) and pages > 0 else None

    def put(self, key: str, data: bytes, warnings: list[str], name: str, pages: int | None = None) -> None:
        """Keep a part under its key; ``name`` says which part it is (a newer one supersedes it: :meth:`prune`),
        ``pages`` how many pages it has. Best effort: a cache that cannot be written only costs time next build."""
        data_path, meta_path = self._paths(key)
        meta = json.dumps({"sha256": _digest(data, pages), "warnings": warnings, "name": name, "pages": pages},
                          ensure_ascii=False)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if self.out is not None and not (self.folder / _OUT_FILE).exists():
                (self.folder / _OUT_FILE).write_text(str(self.out), encoding="utf-8")
            for path, content in ((data_path, data), (meta_path, meta.encode("utf-8"))):
                handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
                try:
                    with os.fdopen(handle, "wb") as out:
                        out.write(content)
                    os.replace(temporary, path)
                except BaseException:
                    os.unlink(temporary)
                    raise
        except OSError:
            pass

    def prune(self, since: float, plans_rebuilt: bool) -> int:
        """Remove the entries this build did not use (read or written since ``since``, a time.time()) that
        are superseded: another entry of the same part was used; or, when the build laid out the plan
        documents of every language (which use every part of a plan), any part of a plan. Other entries
        (the footers of an output left as it was) stay. Temporary leftovers go too."""
        entries = {}
        try:
            paths = list(self.folder.iterdir())
        except OSError:
            return 0
        for path in paths:
            try:
                if path.name.startswith(".tmp-"):
                    path.unlink()
                elif path.suffix == ".pdf" and not path.with_suffix(".json").exists():
                    path.unlink()
                elif path.suffix == ".json":
                    meta = json.loads(path.read_text(encoding="utf-8"))
                    entries[path] = (str(meta.get("name", "")) if isinstance(meta, dict) else "",
                                     path.stat().st_mtime >= since)
            except (OSError, ValueError):
                continue
        used = {name for name, fresh in entries.values() if fresh}
        removed = 0
        for path, (name, fresh) in entries.items():
            if fresh or not (name in used or not name or plans_rebuilt and name.split("-")[0] in PLAN_PARTS):
                continue
            try:
                path.unlink()
                path.with_suffix(".pdf").unlink(missing_ok=True)
                removed += 1
            except OSError:
                continue
        return removed


def _digest(data: bytes, pages) -> str:
    """The SHA-256 an entry records: of its bytes and of the page count it records beside them."""
    return hashlib.sha256(data + f"\npages={pages}".encode()).hexdigest()


def _list(folder: Path) -> list[Path]:
    try:
        return [path for path in folder.iterdir() if path.is_dir()]
    except OSError:
        return []
