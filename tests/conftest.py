"""Shared fixtures: the sample plans on disk, and the example plan checked and rendered once per session."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
PLANS = TESTS / "plans"
EXAMPLE = TESTS.parent / "content"


@pytest.fixture
def plans() -> Path:
    """The folder of sample plans, one per case."""
    return PLANS


@pytest.fixture
def example() -> Path:
    """The complete example plan that users copy."""
    return EXAMPLE


@pytest.fixture(scope="session")
def example_plan():
    """The example plan, loaded and checked once for the whole test session."""
    from publisher.check import load_checked

    return load_checked(EXAMPLE).plan


@pytest.fixture(scope="session")
def example_documents(example_plan):
    """The example plan's documents, each rendered once for the whole session, when a test first asks:
    ``example_documents("docx", "plan", Lang.FR)`` or ``example_documents("pdf", "fiche", Lang.AR, code)``."""
    from publisher.render import Spec, renderer

    made: dict[tuple, bytes] = {}

    def document(fmt: str, kind: str, lang=None, key: str | None = None) -> bytes:
        if (fmt, kind, lang, key) not in made:
            made[fmt, kind, lang, key] = renderer(fmt).render(Spec(example_plan, kind, lang, key))
        return made[fmt, kind, lang, key]

    return document


def copy_minimal(folder: Path) -> Path:
    """A copy of the minimal plan in ``folder``."""
    shutil.copytree(PLANS / "minimal", folder, dirs_exist_ok=True)
    return folder


def variant(folder: Path, old: str, new: str) -> Path:
    """The minimal plan with its first ``old`` replaced by ``new``, in ``folder``."""
    plan = copy_minimal(folder) / "plan.yaml"
    text = plan.read_text(encoding="utf-8")
    assert old in text
    plan.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


_PROGRESS = re.compile(r"publisher : \d+/\d+ fichier\(s\) rendu\(s\)")


def messages(err: str) -> list[str]:
    """The lines a command wrote on stderr, blank ones included, without its progress lines (printed
    when stderr is a log)."""
    return [line for line in err.splitlines() if not _PROGRESS.fullmatch(line)]


@pytest.fixture(autouse=True, scope="session")
def _part_cache_of_the_session(tmp_path_factory):
    """Builds keep their PDF parts in the user's cache folder: the tests' go to a folder of their own."""
    import os

    folder = tmp_path_factory.mktemp("xdg-cache")
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(folder)
    yield folder
    if before is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = before
