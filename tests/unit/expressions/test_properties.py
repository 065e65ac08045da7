"""Property tests: ASTs survive render -> parse, and compiled conditions agree with a
small reference model of DynamoDB's semantics on random items."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from expressions.ast import (
    AddAction,
    Alias,
    And,
    Arithmetic,
    Between,
    Call,
    Compare,
    DeleteAction,
    In,
    Literal,
    Not,
    Or,
    Path,
    Projection,
    RemoveAction,
    SetAction,
    Update,
    ValueRef,
)
from expressions.evaluate import compile_condition
from expressions.lexer import KEYWORDS
from expressions.parser import CONDITION, PROJECTION, UPDATE, parse
from expressions.reserved import is_reserved

# -- rendering ASTs back to text ------------------------------------------------------------


def render_path(path: Path) -> str:
    out = ""
    for element in path.elements:
        if isinstance(element, int):
            out += f"[{element}]"
        else:
            text = element.text if isinstance(element, Alias) else element
            out += ("." if out else "") + text
    return out


def render_operand(operand: Any) -> str:
    if isinstance(operand, Path):
        return render_path(operand)
    if isinstance(operand, ValueRef):
        return operand.name
    if isinstance(operand, Call):
        return f"{operand.name}({', '.join(render_operand(a) for a in operand.args)})"
    if isinstance(operand, Arithmetic):
        return f"{render_operand(operand.left)} {operand.op} {render_operand(operand.right)}"
    raise TypeError(operand)


def render_condition(node: Any) -> str:
    def child(sub: Any) -> str:
        text = render_condition(sub)
        return f"({text})" if isinstance(sub, And | Or | Not) else text

    if isinstance(node, And | Or):
        return f"{child(node.left)} {'AND' if isinstance(node, And) else 'OR'} {child(node.right)}"
    if isinstance(node, Not):
        return f"NOT {child(node.operand)}"
    if isinstance(node, Compare):
        return f"{render_operand(node.left)} {node.op} {render_operand(node.right)}"
    if isinstance(node, Between):
        return f"{render_operand(node.subject)} BETWEEN {render_operand(node.low)} AND {render_operand(node.high)}"
    if isinstance(node, In):
        return f"{render_operand(node.subject)} IN ({', '.join(render_operand(o) for o in node.options)})"
    return render_operand(node)


def render_update(update: Update) -> str:
    clauses: dict[str, list[str]] = {}
    for action in update.actions:
        if isinstance(action, SetAction):
            clauses.setdefault("SET", []).append(
                f"{render_path(action.path)} = {render_operand(action.value)}"
            )
        elif isinstance(action, RemoveAction):
            clauses.setdefault("REMOVE", []).append(render_path(action.path))
        elif isinstance(action, AddAction):
            clauses.setdefault("ADD", []).append(f"{render_path(action.path)} {render_operand(action.value)}")
        else:
            clauses.setdefault("DELETE", []).append(
                f"{render_path(action.path)} {render_operand(action.value)}"
            )
    return " ".join(f"{clause} {', '.join(parts)}" for clause, parts in clauses.items())


# -- random ASTs ------------------------------------------------------------------------------

names = st.from_regex(r"[a-zA-Z][a-zA-Z0-9_]{0,6}", fullmatch=True).filter(
    lambda n: not is_reserved(n) and n.upper() not in KEYWORDS
)
aliases = st.from_regex(r"#[a-zA-Z0-9_]{1,5}", fullmatch=True).map(Alias)
values = st.from_regex(r":[a-zA-Z0-9_]{1,5}", fullmatch=True).map(ValueRef)
elements = st.one_of(names, aliases)
paths = st.builds(
    lambda first, rest: Path((first, *rest)),
    elements,
    st.lists(st.one_of(elements, st.integers(0, 99)), max_size=3),
)
plain = st.one_of(paths, values)
operands = st.one_of(plain, st.builds(lambda p: Call("size", (p,)), plain))
comparisons = st.builds(Compare, st.sampled_from(["=", "<>", "<", "<=", ">", ">="]), operands, operands)
functions = st.one_of(
    st.builds(lambda p: Call("attribute_exists", (p,)), paths),
    st.builds(lambda p: Call("attribute_not_exists", (p,)), paths),
    st.builds(lambda p, v: Call("attribute_type", (p, v)), paths, values),
    st.builds(lambda a, b: Call("begins_with", (a, b)), operands, operands),
    st.builds(lambda a, b: Call("contains", (a, b)), operands, operands),
)
primaries = st.one_of(
    comparisons,
    st.builds(Between, operands, operands, operands),
    st.builds(lambda s, o: In(s, tuple(o)), operands, st.lists(operands, min_size=1, max_size=4)),
    functions,
)
conditions = st.recursive(
    primaries,
    lambda inner: st.one_of(st.builds(And, inner, inner), st.builds(Or, inner, inner), st.builds(Not, inner)),
    max_leaves=8,
)


def _updates() -> st.SearchStrategy[Update]:
    set_values = st.one_of(
        plain,
        st.builds(Arithmetic, st.sampled_from(["+", "-"]), plain, plain),
        st.builds(lambda a, b: Call("list_append", (a, b)), plain, plain),
        st.builds(lambda p, v: Call("if_not_exists", (p, v)), paths, plain),
    )
    clause_actions = {
        "SET": st.lists(st.builds(SetAction, paths, set_values), min_size=1, max_size=3),
        "REMOVE": st.lists(st.builds(RemoveAction, paths), min_size=1, max_size=3),
        "ADD": st.lists(st.builds(AddAction, paths, values), min_size=1, max_size=3),
        "DELETE": st.lists(st.builds(DeleteAction, paths, values), min_size=1, max_size=3),
    }
    clause_order = st.permutations(list(clause_actions)).flatmap(
        lambda order: st.integers(1, 4).map(lambda n: order[:n])
    )
    return clause_order.flatmap(
        lambda order: st.tuples(*(clause_actions[c] for c in order)).map(
            lambda groups: Update(tuple(a for group in groups for a in group))
        )
    )


@settings(max_examples=300)
@given(conditions)
def test_condition_round_trip(condition: Any) -> None:
    # Rendering a condition and parsing it back gives the same tree (precedence, grouping, functions).
    assert parse(CONDITION, render_condition(condition)) == condition


@settings(max_examples=200)
@given(_updates())
def test_update_round_trip(update: Update) -> None:
    # Rendering an update and parsing it back gives the same actions in the same order.
    assert parse(UPDATE, render_update(update)) == update


@given(st.lists(paths, min_size=1, max_size=5))
def test_projection_round_trip(items: list[Path]) -> None:
    # Projections round-trip too.
    projection = Projection(tuple(items))
    assert parse(PROJECTION, ", ".join(render_path(p) for p in items)) == projection


# -- evaluation against a reference model -----------------------------------------------------

ATTRS = ["a", "b", "c"]
scalar_values = st.one_of(
    st.builds(lambda s: {"S": s}, st.text(alphabet="ab", max_size=3)),
    st.builds(lambda n: {"N": str(n)}, st.integers(-3, 3)),
    st.builds(lambda b: {"B": b}, st.binary(max_size=2)),
)
any_values = st.one_of(
    scalar_values,
    st.builds(
        lambda s: {"SS": sorted(s)}, st.sets(st.text(alphabet="ab", max_size=2), min_size=1, max_size=3)
    ),
    st.builds(
        lambda s: {"NS": [str(n) for n in sorted(s)]}, st.sets(st.integers(-2, 2), min_size=1, max_size=3)
    ),
    st.builds(lambda v: {"L": v}, st.lists(scalar_values, max_size=3)),
    st.just({"BOOL": True}),
    st.just({"NULL": True}),
)
items = st.dictionaries(st.sampled_from(ATTRS), any_values)


def model(value: dict[str, Any] | None) -> Any:
    """A Python value that compares like the DynamoDB value (None = unset)."""
    if value is None:
        return None
    ((tag, data),) = value.items()
    if tag == "N":
        return ("N", Decimal(data))
    if tag in ("SS", "BS"):
        return (tag, frozenset(data))
    if tag == "NS":
        return (tag, frozenset(Decimal(n) for n in data))
    if tag == "L":
        return ("L", tuple(model(v) for v in data))
    return (tag, data)


def reference(node: Any, item: dict[str, Any]) -> bool:
    def get(operand: Any) -> Any:
        if isinstance(operand, Path):
            return model(item.get(operand.elements[0]))  # type: ignore[arg-type]
        if isinstance(operand, Literal):
            return model(operand.value)
        value = get(operand.args[0])  # size()
        if value is None or value[0] in ("N", "BOOL", "NULL"):
            return None
        return ("N", Decimal(len(value[1])))

    if isinstance(node, And):
        return reference(node.left, item) and reference(node.right, item)
    if isinstance(node, Or):
        return reference(node.left, item) or reference(node.right, item)
    if isinstance(node, Not):
        return not reference(node.operand, item)
    if isinstance(node, Compare):
        x, y = get(node.left), get(node.right)
        if node.op in ("=", "<>"):
            equal = x is not None and x == y
            return equal if node.op == "=" else not equal
        if x is None or y is None or x[0] != y[0] or x[0] not in ("S", "N", "B"):
            return False
        return {"<": x[1] < y[1], "<=": x[1] <= y[1], ">": x[1] > y[1], ">=": x[1] >= y[1]}[node.op]
    if isinstance(node, Between):
        v, lo, hi = get(node.subject), get(node.low), get(node.high)
        if None in (v, lo, hi) or not v[0] == lo[0] == hi[0] or v[0] not in ("S", "N", "B"):
            return False
        return bool(lo[1] <= v[1] <= hi[1])
    if isinstance(node, In):
        v = get(node.subject)
        return v is not None and any(v == get(o) for o in node.options)
    name, args = node.name, node.args
    if name == "attribute_exists":
        return get(args[0]) is not None
    if name == "attribute_not_exists":
        return get(args[0]) is None
    a, b = get(args[0]), get(args[1])
    if a is None or b is None:
        return False
    if name == "begins_with":
        return a[0] == b[0] and a[0] in ("S", "B") and a[1].startswith(b[1])
    if a[0] in ("S", "B"):
        return b[0] == a[0] and b[1] in a[1]
    if a[0] in ("SS", "NS", "BS"):
        return b[0] == a[0][0] and b[1] in a[1]
    if a[0] == "L":
        return b in a[1]
    return False


literal_operands = st.one_of(
    st.sampled_from(ATTRS).map(lambda n: Path((n,))),
    st.builds(lambda v: Literal(":v", v), any_values),
)
sized = st.one_of(literal_operands, st.builds(lambda p: Call("size", (p,)), literal_operands))
resolved_primaries = st.one_of(
    st.builds(Compare, st.sampled_from(["=", "<>", "<", "<=", ">", ">="]), sized, sized),
    st.builds(Between, sized, sized, sized),
    st.builds(lambda s, o: In(s, tuple(o)), sized, st.lists(sized, min_size=1, max_size=3)),
    st.builds(lambda p: Call("attribute_exists", (p,)), st.sampled_from(ATTRS).map(lambda n: Path((n,)))),
    st.builds(lambda p: Call("attribute_not_exists", (p,)), st.sampled_from(ATTRS).map(lambda n: Path((n,)))),
    st.builds(lambda a, b: Call("begins_with", (a, b)), literal_operands, literal_operands),
    st.builds(lambda a, b: Call("contains", (a, b)), literal_operands, literal_operands),
)
resolved_conditions = st.recursive(
    resolved_primaries,
    lambda inner: st.one_of(st.builds(And, inner, inner), st.builds(Or, inner, inner), st.builds(Not, inner)),
    max_leaves=6,
)


@settings(max_examples=500)
@given(resolved_conditions, items)
def test_compiled_conditions_match_the_model(condition: Any, item: dict[str, Any]) -> None:
    # The compiled closure and an independent model agree on every random item.
    assert compile_condition(condition)(item) == reference(condition, item)
