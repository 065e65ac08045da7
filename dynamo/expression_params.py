"""The expression members of a request, checked together as DynamoDB does.

An operation declares which of its members are expressions (and of which kind) and which
are the legacy equivalents (translated into the same resolved trees, ``dynamo.legacy``). :func:`prepare` then applies the request-level rules in
order: no mixing of legacy and expression parameters; ExpressionAttributeNames/Values only
with an expression that can use them, never empty, keys well formed; each expression
parsed (cached) and resolved against the shared bindings; finally no name or value left
unused across all expressions of the request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

from dynamo.errors import validation
from dynamo.legacy import translate
from expressions import (
    PROJECTION,
    UPDATE,
    Bindings,
    Condition,
    Projection,
    Update,
    parse,
    resolve_condition,
    resolve_projection,
    resolve_update,
)
from expressions.resolve import java_set_order

_NAME_KEY: Final = re.compile(r"#[A-Za-z0-9_]+")
_VALUE_KEY: Final = re.compile(r":[A-Za-z0-9_]+")


@dataclass(frozen=True)
class Expressions:
    """What an operation declares about its expression members."""

    #: member name -> expression kind, in the order DynamoDB checks them
    members: dict[str, str]
    #: the legacy members that may not be mixed with them
    legacy: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        every = {*self.members, *self.legacy, "ExpressionAttributeNames", "ExpressionAttributeValues"}
        object.__setattr__(self, "mentioned_by", frozenset(every))

    #: every member that makes ``prepare`` do something (set in ``__post_init__``)
    mentioned_by: frozenset[str] = field(init=False, repr=False, compare=False)

    @property
    def value_members(self) -> list[str]:
        """Expressions that can use ExpressionAttributeValues (projections cannot)."""
        return [m for m, kind in self.members.items() if kind != PROJECTION]


Resolved = Condition | Update | Projection


@dataclass(frozen=True)
class Prepared:
    """The resolved expressions of one request, by member name."""

    resolved: dict[str, Resolved]

    def condition(self, member: str) -> Condition | None:
        found = self.resolved.get(member)
        assert found is None or not isinstance(found, Update | Projection)
        return found

    def update(self, member: str = "UpdateExpression") -> Update | None:
        found = self.resolved.get(member)
        assert found is None or isinstance(found, Update)
        return found

    def projection(self, member: str = "ProjectionExpression") -> Projection | None:
        found = self.resolved.get(member)
        assert found is None or isinstance(found, Projection)
        return found


#: The request named no expression (shared: Prepared is never modified).
NOTHING: Final = Prepared({})


def _listed(members: list[str]) -> str:
    return "{" + ", ".join(members) + "}"


def prepare(request: dict[str, Any], spec: Expressions) -> Prepared:
    """Parse and resolve a request's expressions; member name -> resolved AST."""
    if request.keys().isdisjoint(spec.mentioned_by):
        return NOTHING  # most reads name no expression at all
    present = [m for m in spec.members if m in request]
    legacy = [m for m in spec.legacy if m in request]
    # KeyConditions clashes only with KeyConditionExpression: a Query may pair it with a
    # FilterExpression or ProjectionExpression.
    mixed = [m for m in legacy if m != "KeyConditions" or "KeyConditionExpression" in request]
    if present and mixed:
        raise validation(
            "Can not use both expression and non-expression parameters in the same request: "
            f"Non-expression parameters: {_listed(mixed)} Expression parameters: {_listed(present)}",
            envelope=True,
        )
    names = request.get("ExpressionAttributeNames")
    values = request.get("ExpressionAttributeValues")
    if names is not None:
        if not present:
            raise validation(
                "ExpressionAttributeNames can only be specified when using expressions", envelope=True
            )
        if not names:
            raise validation("ExpressionAttributeNames must not be empty", envelope=True)
        for key, name in names.items():
            if not _NAME_KEY.fullmatch(key):
                raise validation(f'ExpressionAttributeNames contains invalid key: Syntax error; key: "{key}"')
            if not name:  # DynamoDB's words, as applications match them
                raise validation(
                    f"ExpressionAttributeNames contains invalid value: Empty attribute name for key {key}"
                )
    if values is not None:
        usable = [m for m in spec.value_members if m in request]
        if not usable:
            null = spec.value_members
            verb = "is" if len(null) == 1 else "are"
            raise validation(
                "ExpressionAttributeValues can only be specified when using expressions: "
                f"{' and '.join(null)} {verb} null",
                envelope=True,
            )
        if not values:
            raise validation("ExpressionAttributeValues must not be empty", envelope=True)
        for key in values:
            if not _VALUE_KEY.fullmatch(key):
                raise validation(
                    f'ExpressionAttributeValues contains invalid key: Syntax error; key: "{key}"'
                )
    bindings = Bindings(names or {}, values or {})
    resolved: dict[str, Resolved] = {}
    for member in present:
        kind = spec.members[member]
        ast = parse(kind, request[member])
        if kind == UPDATE:
            assert isinstance(ast, Update)
            resolved[member] = resolve_update(ast, bindings)
        elif kind == PROJECTION:
            assert isinstance(ast, Projection)
            resolved[member] = resolve_projection(ast, bindings)
        else:
            assert not isinstance(ast, Update | Projection)
            resolved[member] = resolve_condition(kind, ast, bindings)
    if legacy:
        resolved.update(translate(request, legacy))
    unused_names = [n for n in names or () if n not in bindings.used_names]
    if unused_names:
        raise validation(
            "Value provided in ExpressionAttributeNames unused in expressions: "
            f"keys: {_listed(java_set_order(unused_names))}"
        )
    unused_values = [v for v in values or () if v not in bindings.used_values]
    if unused_values:
        raise validation(
            "Value provided in ExpressionAttributeValues unused in expressions: "
            f"keys: {_listed(java_set_order(unused_values))}"
        )
    return Prepared(resolved)
