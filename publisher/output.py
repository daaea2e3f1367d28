"""The output folder: one build at a time, its manifest, and a commit that is all or nothing.

An output folder is the archive of what was published and signed: it may hold several provinces and
every earlier version of each. ``manifest.json`` has one section per publication (a province at one
version, named by the stem of its files, ``assafa-2025-03-18``), and a build touches only its own.

A build holds an exclusive lock on the folder, sweeps the temporary files a killed build left (only
names of its own making), stages each new output beside its target, then commits: every output is
renamed into place, the outputs to remove are moved aside, and the manifest is renamed last. If any
step fails, what was done is undone, so the folder is as it was before the build. A file is removed
only when it lies inside the folder, belongs to this publication's section of the manifest, has a name
this engine gives, and still has the bytes the manifest records; anything else is left, with a warning.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import errors
from .errors import EnvironmentFailure

MANIFEST = "manifest.json"
FORMAT = 2
TEMP_PREFIX = ".publisher-tmp-"
# What an earlier engine named its temporary files: ".<output name>.<random>.tmp".
_OLD_TEMP = re.compile(r"^\.(?:plan|fiche|fiches|modifications|manifest)[-.].*\.tmp$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_TARGET = re.compile(r"^(fr|ar|bilingue)/(?:(?:annexes|acteurs)/)?[A-Za-z0-9][A-Za-z0-9._-]*\.(docx|pdf)$")

_REASONS = {
    errno.EACCES: "permission refusée",
    errno.EPERM: "opération non permise",
    errno.EROFS: "système de fichiers en lecture seule",
    errno.ENOSPC: "disque plein",
    errno.EDQUOT: "quota de disque dépassé",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    errno.EEXIST: "un fichier porte déjà ce nom",
    errno.EISDIR: "c'est un dossier",
    errno.ENAMETOOLONG: "nom trop long",
    errno.ENOENT: "introuvable",
    errno.EMFILE: "trop de fichiers ouverts",
    errno.EIO: "erreur d'entrée-sortie du disque",
}


def explain(exc: OSError, where: Path | str) -> str:
    """An OSError in French: the file and the reason, never Python's English text."""
    reason = _REASONS.get(exc.errno, f"erreur système {errno.errorcode.get(exc.errno, exc.errno)}")
    return f"{exc.filename or where} : {reason}"


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def intact(target: Path, known: dict, manifest_time: int) -> bool:
    """Whether an output is still the one the manifest describes.

    Untouched since the manifest was written and of the same size, it is (as make trusts times);
    otherwise its bytes are hashed, so that an output edited by hand is published again.
    """
    try:
        stat = target.stat()
        if stat.st_size != known.get("bytes"):
            return False
        if stat.st_mtime_ns <= manifest_time:
            return True
        return sha256_file(target) == known.get("sha256")
    except OSError:
        return False


def _valid_entry(entry) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("sha256"), str) and bool(_HEX64.match(entry["sha256"]))
        and isinstance(entry.get("bytes"), int) and not isinstance(entry["bytes"], bool) and entry["bytes"] >= 0
        and isinstance(entry.get("source"), str)
    )


@dataclass
class Manifest:
    """The folder's manifest: one section per publication, read leniently, entry by entry."""

    publications: dict[str, object] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    original: bytes | None = None  # the file as read, so that an unchanged manifest is not rewritten

    @classmethod
    def read(cls, out: Path) -> "Manifest":
        """The manifest of ``out``; absent is empty, unreadable is an :class:`EnvironmentFailure`."""
        path = out / MANIFEST
        try:
            original = path.read_bytes()
            text = original.decode("utf-8")
        except FileNotFoundError:
            return cls()
        except (OSError, UnicodeDecodeError) as exc:
            raise EnvironmentFailure(f"{path} illisible ({_why(exc, path)}) : corrigez-le ou supprimez-le ; "
                                     f"rien n'a été publié") from None
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise EnvironmentFailure(f"{path} n'est pas un manifeste de publisher (JSON invalide ou inattendu) : "
                                     f"corrigez-le ou supprimez-le ; rien n'a été publié")
        if data.get("format") != FORMAT or not isinstance(data.get("publications"), dict):
            return cls(warnings=[f"{path} : manifeste d'une version antérieure de publisher, ignoré (tout est "
                                 f"publié à nouveau, aucun fichier n'est retiré)"])
        return cls(dict(data["publications"]), original=original)

    def outputs(self, stem: str) -> dict[str, dict]:
        """The valid output entries of one publication; invalid ones are ignored with a warning."""
        section = self.publications.get(stem)
        if section is None:
            return {}
        outputs = section.get("outputs") if isinstance(section, dict) else None
        if not isinstance(outputs, dict):
            self.warnings.append(f"{MANIFEST} : section « {stem} » illisible, ignorée")
            return {}
        valid = {}
        for target, entry in outputs.items():
            if _valid_entry(entry):
                valid[target] = entry
            else:
                self.warnings.append(f"{MANIFEST} : entrée « {printable(target)} » illisible, ignorée")
        return valid

    def with_section(self, stem: str, section: dict | None) -> bytes | None:
        """The manifest with ``stem``'s section replaced (removed when None); None when unchanged."""
        publications = {k: v for k, v in self.publications.items() if k != stem}
        if section is not None:
            publications[stem] = section
        data = {"format": FORMAT, "publications": dict(sorted(publications.items()))}
        text = (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        return None if text == self.original else text


def printable(text: str) -> str:
    """A name read from a manifest as it may be printed: one line (:func:`errors.printable`), 80 characters."""
    shown = errors.printable(text)
    return shown if len(shown) <= 80 else shown[:79] + "…"


def _why(exc: Exception, path: Path) -> str:
    return explain(exc, path).split(" : ", 1)[-1] if isinstance(exc, OSError) else "pas en UTF-8"


class OutputFolder:
    """An output folder held for one build: lock, staged outputs, removals, all-or-nothing commit.

    Use as a context manager; a failure inside leaves the folder as it was (and removes the folder
    itself, or the sub-folders, when this build created them and they stayed empty).
    """

    def __init__(self, out: Path | str):
        self.out = Path(out)
        self._staged: list[tuple[Path, Path]] = []
        self._removals: list[Path] = []
        self._created: list[Path] = []
        self._lock: int | None = None

    # -- holding the folder

    def __enter__(self) -> "OutputFolder":
        self._makedirs(self.out)
        try:
            self._lock = os.open(self.out, os.O_RDONLY | os.O_DIRECTORY)
        except OSError as exc:
            self._forget_created()
            raise EnvironmentFailure(f"dossier de sortie {explain(exc, self.out)}") from None
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock)
            self._lock = None
            raise EnvironmentFailure(f"une autre publication est en cours dans {self.out} : attendez qu'elle "
                                     f"finisse") from None
        self.sweep()
        return self

    def __exit__(self, kind, value, traceback) -> None:
        self.discard()
        if kind is not None:
            self._forget_created()
        if self._lock is not None:
            os.close(self._lock)  # releases the lock
            self._lock = None

    def sweep(self) -> list[Path]:
        """Remove the temporary files that a killed build left here (our own naming only)."""
        swept = []
        for folder in (self.out, *self.out.glob("*/"), *self.out.glob("*/*/")):
            try:
                names = [entry for entry in os.scandir(folder) if entry.is_file(follow_symlinks=False)]
            except OSError:
                continue
            for entry in names:
                if entry.name.startswith(TEMP_PREFIX) or _OLD_TEMP.match(entry.name):
                    Path(entry.path).unlink(missing_ok=True)
                    swept.append(Path(entry.path))
        return swept

    # -- what the build asks

    def inside(self, relative: str) -> Path:
        """The path of an output named relative to the folder; refuse one that would lie outside it."""
        path = self.out / relative
        root = self.out.resolve()
        if Path(relative).is_absolute() or ".." in Path(relative).parts \
                or not path.parent.resolve().is_relative_to(root):
            raise EnvironmentFailure(f"{path} : hors du dossier de sortie {self.out} (lien symbolique ?)")
        return path

    def stage(self, relative: str, data: bytes) -> None:
        """Write ``data`` beside its target under a temporary name; nothing is visible until commit."""
        target = self.inside(relative)
        try:
            self._makedirs(target.parent)
            temp = self._temp_beside(target)
            self._staged.append((temp, target))
            with temp.open("wb") as handle:
                handle.write(data)
            os.chmod(temp, 0o644)  # mkstemp makes it private; an output is an ordinary file
        except OSError as exc:
            raise EnvironmentFailure(f"écriture impossible : {explain(exc, target)} ; rien n'a été publié") from None

    def removable(self, relative: str, entry: dict, stem: str) -> Path | None:
        """The file of an old output that this build may remove, or None when it must stay."""
        match = _TARGET.match(relative)
        if not match or not relative.endswith(f"-{stem}-{match.group(1)}.{match.group(2)}"):
            return None
        path = self.out / relative
        try:
            if path.is_symlink() or not path.parent.resolve().is_relative_to(self.out.resolve()):
                return None
            if not path.is_file():
                return None
            if path.stat().st_size != entry["bytes"] or sha256_file(path) != entry["sha256"]:
                return None
        except OSError:
            return None
        return path

    def remove(self, path: Path) -> None:
        """Remove ``path`` at commit (it is moved aside first, and put back if the commit fails)."""
        self._removals.append(path)

    def commit(self, manifest: bytes | None) -> None:
        """Rename every staged output into place, remove what was asked, then write the manifest.

        The manifest is renamed last: it is the commit point. A failure on the way undoes every step.
        """
        if manifest is not None:
            self.stage(MANIFEST, manifest)
        placed: list[tuple[Path, Path | None]] = []  # a target now in place, and its old bytes set aside
        removed: list[tuple[Path, Path]] = []  # a removed file, and where it was set aside
        try:
            for path in self._removals:
                aside = self._temp_beside(path, create=False)
                os.replace(path, aside)
                removed.append((path, aside))
            for temp, target in self._staged:
                aside = self._aside(target) if os.path.lexists(target) else None
                try:
                    os.replace(temp, target)
                except BaseException:
                    if aside is not None:
                        aside.unlink()  # the target was not replaced: its copy goes
                    raise
                placed.append((target, aside))
        except BaseException as exc:
            for target, aside in reversed(placed):
                if aside is None:
                    target.unlink(missing_ok=True)
                else:
                    os.replace(aside, target)
            for path, aside in reversed(removed):
                os.replace(aside, path)
            if isinstance(exc, OSError):
                raise EnvironmentFailure(f"publication impossible : {explain(exc, self.out)} ; les fichiers "
                                         f"précédents sont intacts") from None
            raise
        self._staged, self._removals = [], []
        for aside in [a for _, a in placed if a] + [a for _, a in removed]:
            aside.unlink(missing_ok=True)

    def discard(self) -> None:
        """Forget what was staged and not committed."""
        for temp, _ in self._staged:
            temp.unlink(missing_ok=True)
        self._staged, self._removals = [], []

    # -- helpers

    def _aside(self, target: Path) -> Path:
        """A hard link to the current ``target`` under a temporary name, to put it back on failure."""
        aside = self._temp_beside(target, create=False)
        try:
            os.link(target, aside, follow_symlinks=False)
        except OSError:  # a file system without hard links: a copy of the bytes
            aside = self._temp_beside(target)
            aside.write_bytes(target.read_bytes())
        return aside

    @staticmethod
    def _temp_beside(target: Path, create: bool = True) -> Path:
        fd, name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        if not create:
            os.unlink(name)
        return Path(name)

    def _makedirs(self, folder: Path) -> None:
        missing = []
        probe = folder
        while not probe.exists() and probe != probe.parent:
            missing.append(probe)
            probe = probe.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise EnvironmentFailure(f"dossier de sortie {explain(exc, folder)}") from None
        self._created.extend(reversed(missing))

    def _forget_created(self) -> None:
        for folder in reversed(self._created):
            try:
                folder.rmdir()  # only when empty
            except OSError:
                pass
        self._created = []
