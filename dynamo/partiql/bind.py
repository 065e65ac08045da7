"""Binding value nodes to AttributeValues: parameters by position, literals as written.

Literal numbers are canonicalised here (``1e3`` is ``1000``), so keys compare by value;
Parameters arrive already checked and canonical from the request shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dynamo.errors import validation
from dynamo.partiql import ast
from dynamo.partiql import errors as text
from storage.errors import InvalidValue
from storage.values import canonical_number

AttributeValue = dict[str, Any]
_SET_OF = {"S": "SS", "N": "NS", "B": "BS"}


def bind(value: ast.Value, params: Sequence[AttributeValue]) -> AttributeValue:
    if isinstance(value, ast.Param):
        return params[value.index]
    if isinstance(value, ast.Literal):
        if "N" in value.value:
            try:
                return {"N": canonical_number(value.value["N"])}
            except InvalidValue as exc:
                raise validation(exc.message) from None
        return value.value
    if isinstance(value, ast.ListValue):
        return {"L": [bind(item, params) for item in value.items]}
    if isinstance(value, ast.MapValue):
        return {"M": {key: bind(item, params) for key, item in value.entries}}
    return _bind_set(value, params)


def _bind_set(value: ast.SetValue, params: Sequence[AttributeValue]) -> AttributeValue:
    members = [bind(item, params) for item in value.items]
    if not members:
        raise validation(text.EMPTY_SET)
    kinds = {next(iter(member)) for member in members}
    kind = kinds.pop() if len(kinds) == 1 else None
    if kind not in _SET_OF:
        # unconfirmed text: DynamoDB sets hold strings, numbers or binaries of one type
        raise validation("Set literals must contain only strings, only numbers or only binaries")
    elements: list[Any] = []
    for member in members:
        if member[kind] not in elements:
            elements.append(member[kind])
    return {_SET_OF[kind]: elements}
