"""The immutable syntax tree shared by all five kinds of expression.

The parser builds it with *unresolved* references (``Alias("#n")`` path elements and
``ValueRef(":v")`` operands); ``resolve`` returns the same shapes with names substituted
and values bound (``Literal``), ready to evaluate.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.values import AttributeValue


@dataclass(frozen=True, slots=True)
class Alias:
    """An ``#name`` path element before resolution."""

    text: str


PathElement = str | int | Alias


@dataclass(frozen=True, slots=True)
class Path:
    """A document path: attribute names (str) and list indexes (int)."""

    elements: tuple[PathElement, ...]

    def render(self) -> str:
        """As DynamoDB prints paths in messages: ``[a, b, [1]]``."""
        parts = [
            f"[{e}]" if isinstance(e, int) else (e.text if isinstance(e, Alias) else e) for e in self.elements
        ]
        return "[" + ", ".join(parts) + "]"


@dataclass(frozen=True, slots=True)
class ValueRef:
    """A ``:value`` operand before resolution."""

    name: str


@dataclass(frozen=True, slots=True)
class Literal:
    """A bound ``:value``: the AttributeValue from ExpressionAttributeValues."""

    name: str
    value: AttributeValue


@dataclass(frozen=True, slots=True)
class Call:
    """A function call, as an operand (``size``) or a condition (``begins_with`` ...)."""

    name: str
    args: tuple[Operand, ...]


@dataclass(frozen=True, slots=True)
class Arithmetic:
    """``a + b`` or ``a - b`` on the right of a SET."""

    op: str
    left: Operand
    right: Operand


Operand = Path | ValueRef | Literal | Call | Arithmetic


@dataclass(frozen=True, slots=True)
class Compare:
    op: str  # = <> < <= > >=
    left: Operand
    right: Operand


@dataclass(frozen=True, slots=True)
class Between:
    subject: Operand
    low: Operand
    high: Operand


@dataclass(frozen=True, slots=True)
class In:
    subject: Operand
    options: tuple[Operand, ...]


@dataclass(frozen=True, slots=True)
class And:
    left: Condition
    right: Condition


@dataclass(frozen=True, slots=True)
class Or:
    left: Condition
    right: Condition


@dataclass(frozen=True, slots=True)
class Not:
    operand: Condition


Condition = Compare | Between | In | And | Or | Not | Call


@dataclass(frozen=True, slots=True)
class SetAction:
    path: Path
    value: Operand


@dataclass(frozen=True, slots=True)
class RemoveAction:
    path: Path


@dataclass(frozen=True, slots=True)
class AddAction:
    path: Path
    value: Operand


@dataclass(frozen=True, slots=True)
class DeleteAction:
    path: Path
    value: Operand


Action = SetAction | RemoveAction | AddAction | DeleteAction


@dataclass(frozen=True, slots=True)
class Update:
    """An UpdateExpression: its clauses' actions, in the order written."""

    actions: tuple[Action, ...]


@dataclass(frozen=True, slots=True)
class Projection:
    paths: tuple[Path, ...]
