"""Shared fixtures: the sample plans on disk and the example plan."""

from __future__ import annotations

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
