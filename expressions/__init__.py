"""DynamoDB's expression language: one lexer and parser for the five kinds of expression,
a resolve phase that binds ``#names``/``:values``, and evaluators (conditions compiled to
closures, updates applied to copies, projections).

Imports only the standard library and ``storage.values``/``storage.errors``.
"""

from expressions.ast import Condition, Path, Projection, Update
from expressions.errors import ExpressionError, UpdateError
from expressions.evaluate import compile_condition, get_path
from expressions.keycondition import KeyAttr, KeyCondition, KeyRange, key_conditions, key_range
from expressions.parser import CONDITION, FILTER, KEY_CONDITION, PROJECTION, UPDATE, parse
from expressions.projection import project, projector
from expressions.resolve import Bindings, resolve_condition, resolve_projection, resolve_update
from expressions.update import apply_update, touched_paths

__all__ = [
    "CONDITION",
    "FILTER",
    "KEY_CONDITION",
    "PROJECTION",
    "UPDATE",
    "Bindings",
    "Condition",
    "ExpressionError",
    "KeyAttr",
    "KeyCondition",
    "KeyRange",
    "Path",
    "Projection",
    "Update",
    "UpdateError",
    "apply_update",
    "compile_condition",
    "get_path",
    "key_conditions",
    "key_range",
    "parse",
    "project",
    "projector",
    "resolve_condition",
    "resolve_projection",
    "resolve_update",
    "touched_paths",
]
