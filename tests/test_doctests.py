"""The examples in the public API's docstrings run as written."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["dynamo", "dynamo.client", "storage.values"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    # Documented examples are executable and correct.
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
