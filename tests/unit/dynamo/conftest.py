"""Fixtures for tests that move time: a manual clock and an embedded client reading it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import dynamo
from tests.helpers import START, ManualClock

__all__ = ["START", "ManualClock"]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def db(clock: ManualClock) -> Iterator[Any]:
    """An embedded client on a manual clock, without the background thread."""
    with dynamo.connect(clock=clock, maintenance_interval=0, parameter_validation=False) as client:
        yield client
