"""Rendering PartiQL conditions and SET clauses as DynamoDB expressions.

Every name becomes ``#pN`` and every value ``:pN``, numbered in order of appearance, so
the text of an expression depends only on the statement's shape, never on its values:
the expression parser's cache is hit by every execution of a statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dynamo.errors import DynamoError
from dynamo.partiql import ast
from dynamo.partiql import errors as text
from dynamo.partiql.bind import AttributeValue, bind
from dynamo.partiql.errors import malformed, unsupported

CONDITION_FUNCTIONS = frozenset({"begins_with", "contains", "attribute_type"})


def unknown_function(name: str) -> DynamoError:
    return unsupported(f"Unsupported function: {name}")  # unconfirmed text


class Renderer:
    """Collects ExpressionAttributeNames/Values while rendering expression text."""

    def __init__(self, params: Sequence[AttributeValue]) -> None:
        self.params = params
        self.names: dict[str, str] = {}  # attribute name -> placeholder
        self.values: dict[str, AttributeValue] = {}

    def members(self) -> dict[str, Any]:
        """The ExpressionAttributeNames/Values members for what was rendered."""
        out: dict[str, Any] = {}
        if self.names:
            out["ExpressionAttributeNames"] = {placeholder: name for name, placeholder in self.names.items()}
        if self.values:
            out["ExpressionAttributeValues"] = dict(self.values)
        return out

    def name(self, name: str) -> str:
        if name not in self.names:
            self.names[name] = f"#p{len(self.names)}"
        return self.names[name]

    def value(self, value: AttributeValue) -> str:
        placeholder = f":p{len(self.values)}"
        self.values[placeholder] = value
        return placeholder

    def path(self, path: ast.Path) -> str:
        out = ""
        for element in path.elements:
            if isinstance(element, int):
                out += f"[{element}]"
            else:
                out += ("." if out else "") + self.name(element)
        return out

    # -- conditions ----------------------------------------------------------------------

    def condition(self, expr: ast.Expr) -> str:
        if isinstance(expr, ast.Logical):
            return f" {expr.op} ".join(f"({self.condition(e)})" for e in expr.operands)
        if isinstance(expr, ast.Not):
            return f"NOT ({self.condition(expr.operand)})"
        if isinstance(expr, ast.Compare):
            if isinstance(expr.left, ast.Missing) or isinstance(expr.right, ast.Missing):
                raise unsupported(text.MISSING_COMPARISON)
            return f"{self.operand(expr.left)} {expr.op} {self.operand(expr.right)}"
        if isinstance(expr, ast.Between):
            return (
                f"{self.operand(expr.operand)} BETWEEN {self.operand(expr.low)} AND {self.operand(expr.high)}"
            )
        if isinstance(expr, ast.In):
            return self._in(expr)
        if isinstance(expr, ast.Is):
            return self._is(expr)
        if isinstance(expr, ast.Call):
            if expr.name not in CONDITION_FUNCTIONS:
                raise unknown_function(expr.name)
            if len(expr.args) != 2:
                raise malformed(f"Incorrect number of arguments for function {expr.name}")  # unconfirmed
            return f"{expr.name}({self.path_operand(expr.args[0])}, {self.operand(expr.args[1])})"
        raise malformed("Expected a condition in the WHERE clause")  # unconfirmed

    def _in(self, expr: ast.In) -> str:
        options = expr.options
        if isinstance(options, ast.Param):
            bound = bind(options, self.params)
            if "L" not in bound:
                raise malformed("IN expects a list")  # unconfirmed
            rendered = [self.value(v) for v in bound["L"]]
        else:
            rendered = [self.operand(option) for option in options]
        return f"{self.operand(expr.operand)} IN ({', '.join(rendered)})"

    def _is(self, expr: ast.Is) -> str:
        path = self.path_operand(expr.operand)
        if expr.what == "MISSING":
            return f"attribute_exists({path})" if expr.negated else f"attribute_not_exists({path})"
        found = f"attribute_type({path}, {self.value({'S': 'NULL'})})"
        return f"NOT {found}" if expr.negated else found

    def path_operand(self, expr: ast.Expr) -> str:
        if not isinstance(expr, ast.Path):
            raise malformed("Expected an attribute path")  # unconfirmed
        return self.path(expr)

    def operand(self, expr: ast.Expr) -> str:
        if isinstance(expr, ast.Path):
            return self.path(expr)
        if isinstance(expr, ast.Literal | ast.Param | ast.ListValue | ast.MapValue | ast.SetValue):
            return self.value(bind(expr, self.params))
        if isinstance(expr, ast.Call) and expr.name == "size" and len(expr.args) == 1:
            return f"size({self.path_operand(expr.args[0])})"
        if isinstance(expr, ast.Call):
            raise unknown_function(expr.name)
        if isinstance(expr, ast.Missing):
            raise unsupported(text.MISSING_COMPARISON)
        if isinstance(expr, ast.Arith):
            raise unsupported(text.ARITHMETIC_IN_WHERE)
        raise malformed("Expected an operand")  # unconfirmed

    # -- UPDATE --------------------------------------------------------------------------

    def update(self, sets: Sequence[tuple[ast.Path, ast.Expr]], removes: Sequence[ast.Path]) -> str:
        """An UpdateExpression; set_add/set_delete become ADD/DELETE of their target."""
        clauses: dict[str, list[str]] = {"SET": [], "REMOVE": [], "ADD": [], "DELETE": []}
        for target, value in sets:
            if isinstance(value, ast.Call) and value.name in ("set_add", "set_delete"):
                if len(value.args) != 2 or value.args[0] != target:
                    # unconfirmed text: we support only "SET s = set_add(s, ...)"
                    raise unsupported(f"{value.name} must apply to the attribute being set")
                verb = "ADD" if value.name == "set_add" else "DELETE"
                clauses[verb].append(f"{self.path(target)} {self.operand(value.args[1])}")
            else:
                clauses["SET"].append(f"{self.path(target)} = {self.set_value(value)}")
        clauses["REMOVE"] = [self.path(path) for path in removes]
        return " ".join(f"{verb} {', '.join(parts)}" for verb, parts in clauses.items() if parts)

    def set_value(self, expr: ast.Expr) -> str:
        if isinstance(expr, ast.Arith):
            # A left-deep chain (a + 1 + 1 ...), walked in a loop: its length is for the
            # expression's own operator limit to judge, not for Python's stack.
            steps = []
            while isinstance(expr, ast.Arith):
                steps.append((expr.op, expr.right))
                expr = expr.left
            out = self.set_value(expr)
            for op, right in reversed(steps):
                out = f"{out} {op} {self.set_value(right)}"
            return out
        if isinstance(expr, ast.Call):
            if expr.name not in ("list_append", "if_not_exists") or len(expr.args) != 2:
                raise unknown_function(expr.name)
            return f"{expr.name}({self.set_value(expr.args[0])}, {self.set_value(expr.args[1])})"
        return self.operand(expr)
