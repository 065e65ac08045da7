"""What every statement needs from its table: the table definition and the key its WHERE
clause pins down (reference 15.3)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from dynamo.engine import Context
from dynamo.errors import validation
from dynamo.partiql import ast
from dynamo.partiql import errors as text
from dynamo.partiql.bind import AttributeValue, bind
from dynamo.reads import Target
from dynamo.tables import data_table
from storage.catalog import KeySchema
from storage.values import Item

_TABLE_NAME: Final = re.compile(r"[a-zA-Z0-9_.-]{3,255}")
_FLIPPED: Final = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
VALUES = (ast.Literal, ast.Param, ast.ListValue, ast.MapValue, ast.SetValue)


def target(ctx: Context, source: ast.Source, *, writing: bool = False) -> Target:
    """The table (or index) a statement names; unknown tables are not found."""
    if not _TABLE_NAME.fullmatch(source.table):
        raise validation(text.TABLE_NAME)
    if writing and source.index is not None:
        raise validation(text.ON_INDEX)
    with ctx.store.read() as view:
        table = data_table(ctx, view, source.table)
    if source.index is None:
        return Target(table, None)
    index = next((ix for ix in table.indexes if ix.name == source.index), None)
    if index is None:
        raise validation(f"The table does not have the specified index: {source.index}")
    return Target(table, index)


def conjuncts(where: ast.Expr | None) -> list[ast.Expr]:
    """The top-level AND operands of a WHERE clause."""
    if where is None:
        return []
    if isinstance(where, ast.Logical) and where.op == "AND":
        return [part for operand in where.operands for part in conjuncts(operand)]
    return [where]


def and_of(parts: Sequence[ast.Expr]) -> ast.Expr | None:
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else ast.Logical("AND", tuple(parts))


def is_attribute(expr: ast.Expr, name: str) -> bool:
    return isinstance(expr, ast.Path) and expr.elements == (name,)


def comparison_on(expr: ast.Expr, name: str) -> tuple[str, ast.Value] | None:
    """``name <op> value`` (either way round) as (op with the name on the left, value)."""
    if not isinstance(expr, ast.Compare) or expr.op not in _FLIPPED:
        return None
    if is_attribute(expr.left, name) and isinstance(expr.right, VALUES):
        return expr.op, expr.right
    if is_attribute(expr.right, name) and isinstance(expr.left, VALUES):
        return _FLIPPED[expr.op], expr.left
    return None


def equality_on(expr: ast.Expr, name: str) -> ast.Value | None:
    found = comparison_on(expr, name)
    return found[1] if found is not None and found[0] == "=" else None


def key_equalities(
    schema: KeySchema, where: ast.Expr | None
) -> tuple[list[tuple[str, ast.Value]], list[ast.Expr]]:
    """The value each key attribute is equal to in a WHERE clause (unbound), and the rest
    of the clause's conjuncts; a key attribute without an equality is refused."""
    rest = conjuncts(where)
    key: list[tuple[str, ast.Value]] = []
    for attr in schema.attributes:
        found = next((part for part in rest if equality_on(part, attr.name) is not None), None)
        if found is None:
            raise validation(text.KEY_EQUALITY)
        value = equality_on(found, attr.name)
        assert value is not None
        key.append((attr.name, value))
        rest.remove(found)
    return key, rest


def full_key(
    schema: KeySchema, where: ast.Expr | None, params: Sequence[AttributeValue]
) -> tuple[Item, ast.Expr | None]:
    """The key a WHERE clause fixes with equalities, and the rest of the clause (a condition).

    UPDATE, DELETE, EXISTS and transactional or batched SELECTs address exactly one item.
    """
    key, rest = key_equalities(schema, where)
    return {name: bind(value, params) for name, value in key}, and_of(rest)
