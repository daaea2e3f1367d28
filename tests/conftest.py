"""Shared fixtures: the sample plans on disk and the example plan."""

from __future__ import annotations

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
