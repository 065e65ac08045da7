"""PartiQL for DynamoDB: statements translated into the engine's own operations.

``lexer`` -> ``parser`` (an immutable AST, cached per statement text) -> ``plan``/``render``
(key extraction; conditions and updates rendered as ordinary DynamoDB expressions with
generated ``#pN``/``:pN`` placeholders) -> ``select``/``writes``, which call Query, Scan,
PutItem, UpdateItem and DeleteItem (and, for transactions, TransactWriteItems and
TransactGetItems). No second evaluator exists: PartiQL semantics are the expression
semantics.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from dynamo.errors import validation
from dynamo.partiql import ast
from dynamo.partiql import errors as text
from dynamo.partiql.bind import AttributeValue
from dynamo.partiql.parser import parse as _parse


@lru_cache(maxsize=1024)
def parse(statement: str) -> ast.Parsed:
    """The AST of a statement (cached: ASTs are immutable)."""
    return _parse(statement)


def parse_bound(statement: str, params: Sequence[AttributeValue] | None) -> ast.Statement:
    """Parse, and check the parameters fit the placeholders."""
    parsed = parse(statement)
    if parsed.parameters != len(params or ()):
        raise validation(text.PARAMETER_COUNT)
    return parsed.statement


def reads_only(member: str | None = None) -> Callable[[Any], bool]:
    """``Operation.reads_only`` for PartiQL: whether a raw request's statement (or every
    statement of its list ``member``) is a SELECT, judged by the first word, before any
    checking: cheap enough for the HTTP server to route the request as a read."""

    def check(request: Any) -> bool:
        if not isinstance(request, dict):
            return False
        if member is None:
            statements = [request.get("Statement")]
        else:
            entries = request.get(member)
            if not isinstance(entries, list) or not entries:
                return False
            statements = [entry.get("Statement") if isinstance(entry, dict) else None for entry in entries]
        return all(isinstance(s, str) and s.lstrip()[:6].upper() == "SELECT" for s in statements)

    return check


__all__ = ["parse", "parse_bound", "reads_only"]
