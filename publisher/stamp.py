"""What shaped a publication, and whether it is still what those things make.

A build stamps each publication in the manifest with what shaped it: the engine (its code and
templates, the versions of the libraries that lay out and write the documents, the bytes of the font
files) and the plan's own files. :func:`fresh` answers, from the manifest and the sources alone,
whether a build with nothing changed has anything to do: it imports no model, no checker and no
renderer, so that republishing an unchanged plan costs a read of a few files.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from . import __version__, fonts, resources
from .errors import UsageError
from .output import MANIFEST, Manifest, intact, sha256_file

FORMATS = ("docx", "pdf")
EDITIONS = ("fr", "ar", "bilingue")

# The libraries whose versions shape the outputs (layout, PDF and DOCX writing, text, numbers and
# dates, the font packages); with the font files themselves, they are part of every fingerprint.
SHAPING_LIBRARIES = (
    "weasyprint", "pydyf", "fonttools", "tinycss2", "cssselect2", "tinyhtml5", "pyphen", "Pillow",
    "docxtpl", "python-docx", "lxml", "Jinja2", "Babel", "markdown-it-py",
    "fontpkg", "fontpkg-amiri", "fontpkg-lato", "pikepdf",
)


def parse_list(value: str | None, allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    """``"fr,ar"`` -> ``("fr", "ar")``, refusing unknown names."""
    if not value:
        return allowed
    names = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    unknown = [n for n in names if n not in allowed]
    if unknown or not names:
        raise UsageError(f"{what} : {', '.join(unknown) or value} n'existe pas (attendu : {', '.join(allowed)})")
    return names


def default_out(plan_dir: Path | str) -> Path:
    """Where a plan is published when no output folder is given: ``build/<plan folder>``."""
    return Path("build") / Path(plan_dir).resolve().name


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


@lru_cache(maxsize=1)
def _installed() -> dict[str, str]:
    """The installed distributions' versions, read from their ``<name>-<version>.dist-info`` folder
    names (the wheel standard), which is a hundred times faster than parsing each one's metadata."""
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info") and name.count("-") == 1:
                project, version = name[: -len(".dist-info")].split("-")
                found.setdefault(_normalized(project), version)
    return found


def _library_version(name: str) -> str:
    version = _installed().get(_normalized(name))
    if version is None:  # installed some other way (an .egg-info, a system package): ask its metadata
        import importlib.metadata

        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = "absent"
    return version


@lru_cache(maxsize=1)
def engine_fingerprint() -> str:
    """A hash of everything that shapes the outputs besides the plan: the engine's code, templates
    and house style, the versions of the libraries that lay out and write them, and the bytes of the font
    files. A change to any of them re-renders everything."""
    digest = hashlib.sha256(__version__.encode())
    for root in (resources.PACKAGE, resources.TEMPLATES, resources.ASSETS):  # ASSETS: the house style
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix in (".py", ".html", ".css", ".docx", ".toml"):
                digest.update(path.relative_to(root.parent).as_posix().encode())
                digest.update(path.read_bytes())
    for name in SHAPING_LIBRARIES:
        digest.update(f"{name}=={_library_version(name)}\n".encode())
    for family in fonts.FAMILIES.values():
        for face in fonts.faces(family):
            digest.update(f"{family} {face.name} ".encode())
            digest.update(hashlib.sha256(face.path.read_bytes()).digest())
    return digest.hexdigest()


def file_hash(plan_dir: Path, relative: str) -> str | None:
    """The SHA-256 of a file of the plan folder, None when it is absent (or not inside the folder)."""
    path = plan_dir / relative
    try:
        if not path.resolve().is_relative_to(plan_dir.resolve()) or not path.is_file():
            return None
        return sha256_file(path)
    except OSError:
        return None


def pairs(editions: Iterable[str], formats: Iterable[str]) -> list[str]:
    """The edition/format pairs of a build, as the manifest records them: ``fr/pdf``."""
    return sorted(f"{edition}/{fmt}" for edition in editions for fmt in formats)


def fresh(plan_dir: Path | str, out: Path | str, editions: Iterable[str], formats: Iterable[str],
          strict: bool = False) -> list[str] | None:
    """The diagnostics of the last build when it is still exactly what the sources make, else None.

    Up to date means: a publication of the manifest was built from this plan folder, by this very
    engine, for every edition and format asked; every file it read (and every narrative file it looked
    for and did not find) is as it was; every output it wrote is intact. Anything else, or anything
    unreadable, is None: the full build decides.
    """
    plan_dir, out = Path(plan_dir), Path(out)
    try:
        manifest = Manifest.read(out)
    except Exception:  # noqa: BLE001 - unreadable here is for the full build to report
        return None
    where = str(plan_dir.resolve())
    for stem, section in manifest.publications.items():
        if not isinstance(section, dict) or section.get("plan_dir") != where:
            continue
        stamp = section.get("stamp")
        if not isinstance(stamp, dict) or not _same_sources(plan_dir, section.get("inputs")):
            continue
        diagnostics = stamp.get("diagnostics")
        built = stamp.get("built")
        if (stamp.get("engine") != engine_fingerprint() or section.get("since") is not None
                or not isinstance(built, list) or not set(pairs(editions, formats)) <= set(built)
                or not isinstance(diagnostics, list) or (strict and diagnostics)):
            return None
        outputs = manifest.outputs(stem)
        manifest_time = os.stat(out / MANIFEST).st_mtime_ns
        for pair in pairs(editions, formats):
            edition, fmt = pair.split("/")
            for target, entry in outputs.items():
                if target.startswith(f"{edition}/") and target.endswith(f".{fmt}") \
                        and not intact(out / target, entry, manifest_time):
                    return None
        return [str(line) for line in diagnostics]
    return None


def _same_sources(plan_dir: Path, inputs) -> bool:
    if not isinstance(inputs, dict) or "plan.yaml" not in inputs:
        return False
    return all(file_hash(plan_dir, relative) == digest for relative, digest in inputs.items())
