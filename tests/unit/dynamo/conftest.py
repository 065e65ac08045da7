"""Fixtures for tests that move time: a manual clock and an embedded client reading it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import dynamo

START = 1_800_000_000.0


class ManualClock:
    """A clock that moves only when a test moves it (``clock.now += 60``)."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def db(clock: ManualClock) -> Iterator[Any]:
    """An embedded client on a manual clock, without the background thread."""
    with dynamo.connect(clock=clock, maintenance_interval=0, parameter_validation=False) as client:
        yield client
