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
