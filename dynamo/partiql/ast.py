"""The statement AST: immutable, produced by the parser, consumed by the translator.

Values stay unbound (``Param`` refers to the request's ``Parameters`` by position), so
one parsed statement serves every set of parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# -- values --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal:
    """A scalar written in the statement, already an AttributeValue (numbers as written)."""

    value: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Missing:
    """The MISSING literal: only meaningful after IS."""


@dataclass(frozen=True, slots=True)
class Param:
    index: int


@dataclass(frozen=True, slots=True)
class ListValue:
    items: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class MapValue:
    entries: tuple[tuple[str, Value], ...]


@dataclass(frozen=True, slots=True)
class SetValue:
    items: tuple[Value, ...]


Value = Literal | Param | ListValue | MapValue | SetValue

# -- paths and expressions -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Path:
    """Attribute names (str) and list indexes (int), outermost first."""

    elements: tuple[str | int, ...]

    def __str__(self) -> str:
        out = ""
        for element in self.elements:
            out += f"[{element}]" if isinstance(element, int) else (f".{element}" if out else element)
        return out


@dataclass(frozen=True, slots=True)
class Call:
    name: str  # lower case
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Arith:
    op: str  # "+" or "-"
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Compare:
    op: str  # = <> < <= > >=
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Between:
    operand: Expr
    low: Expr
    high: Expr


@dataclass(frozen=True, slots=True)
class In:
    operand: Expr
    options: tuple[Expr, ...] | Param  # a parameter holding a list


@dataclass(frozen=True, slots=True)
class Is:
    operand: Expr
    what: str  # "MISSING" or "NULL"
    negated: bool


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr


@dataclass(frozen=True, slots=True)
class Logical:
    op: str  # "AND" or "OR"
    operands: tuple[Expr, ...]


Expr = Value | Missing | Path | Call | Arith | Compare | Between | In | Is | Not | Logical

# -- statements ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Source:
    table: str
    index: str | None


@dataclass(frozen=True, slots=True)
class Select:
    projection: tuple[Path, ...] | None  # None: *
    source: Source
    where: Expr | None
    order_by: tuple[tuple[Path, bool], ...] | None  # ((key, ascending), ...)


@dataclass(frozen=True, slots=True)
class Insert:
    source: Source
    item: Value


@dataclass(frozen=True, slots=True)
class Update:
    source: Source
    sets: tuple[tuple[Path, Expr], ...]
    removes: tuple[Path, ...]
    where: Expr | None
    returning: str | None  # ReturnValues: ALL_OLD, UPDATED_OLD, ALL_NEW, UPDATED_NEW


@dataclass(frozen=True, slots=True)
class Delete:
    source: Source
    where: Expr | None
    returning: str | None


@dataclass(frozen=True, slots=True)
class Exists:
    select: Select


Statement = Select | Insert | Update | Delete | Exists


@dataclass(frozen=True, slots=True)
class Parsed:
    statement: Statement
    parameters: int  # how many ? placeholders
