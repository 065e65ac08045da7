"""One recursive-descent parser for all five kinds of expression.

``parse(kind, text)`` returns an immutable AST, or raises :class:`ExpressionError` with
DynamoDB's full message (``Invalid <Kind>Expression: ...``). Results are cached per
(kind, text), so a request only pays for resolution.

The grammar is DynamoDB's (reference 5.3, 5.5, 5.6):

    condition  := or ;  or := and {OR and} ;  and := not {AND not} ;  not := NOT not | primary
    primary    := '(' condition ')' | operand comparator operand
                | operand BETWEEN operand AND operand | operand IN '(' operand {',' operand} ')'
                | function
    operand    := path | :value | function | '(' operand ')'
    update     := {SET set {',' set} | REMOVE path {',' path} | ADD path :value {',' ...}
                  | DELETE path :value {',' ...}}
    set        := path '=' value ;  value := operand [('+'|'-') operand] | '(' value ')'
    projection := path {',' path}
    path       := name {'.' name | '[' index ']'}

Checking is two-phase, like DynamoDB: a syntax error stops at the first offending token;
a syntactically valid expression is then checked for the problems DynamoDB reports by
category, not by position: redundant parentheses, unknown or misplaced functions,
misused functions, reserved words (conditions); reserved words, functions, repeated
sections (updates). The parser notes the first problem of each category as it goes and
raises the highest-ranked one at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from expressions.ast import (
    Action,
    AddAction,
    Alias,
    And,
    Arithmetic,
    Between,
    Call,
    Compare,
    Condition,
    DeleteAction,
    In,
    Literal,
    Not,
    Operand,
    Or,
    Path,
    PathElement,
    Projection,
    RemoveAction,
    SetAction,
    Update,
    ValueRef,
)
from expressions.errors import ExpressionError
from expressions.lexer import (
    ALIAS,
    EOF,
    KEYWORD,
    NAME,
    NUMBER,
    PUNCT,
    VALUE,
    Token,
    syntax_error_message,
    tokenize,
)
from expressions.reserved import is_reserved

CONDITION: Final = "Condition"
FILTER: Final = "Filter"
KEY_CONDITION: Final = "KeyCondition"
PROJECTION: Final = "Projection"
UPDATE: Final = "Update"
KINDS: Final = (CONDITION, FILTER, KEY_CONDITION, PROJECTION, UPDATE)

MAX_EXPRESSION_BYTES: Final = 4096
MAX_OPERATORS: Final = 300

COMPARATORS: Final = frozenset({"=", "<>", "<", "<=", ">", ">="})
BOOLEAN_FUNCTIONS: Final = frozenset(
    {"attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains"}
)
CONDITION_FUNCTIONS: Final = BOOLEAN_FUNCTIONS | {"size"}
UPDATE_FUNCTIONS: Final = frozenset({"if_not_exists", "list_append"})
_CLAUSES: Final = ("SET", "REMOVE", "ADD", "DELETE")

# Problem categories, in the order DynamoDB reports them.
_PARENS, _FUNCTION, _MISUSE, _RESERVED, _SECTION = "parens", "function", "misuse", "reserved", "section"
_CONDITION_PRECEDENCE: Final = (_PARENS, _FUNCTION, _MISUSE, _RESERVED)
_PRECEDENCE: Final = {
    UPDATE: (_RESERVED, _PARENS, _FUNCTION, _MISUSE, _SECTION),
    PROJECTION: (_RESERVED,),
}
_ENVELOPED: Final = frozenset({_PARENS, _SECTION})

Ast = Condition | Update | Projection


class _SyntaxError(Exception):
    def __init__(self, index: int) -> None:
        self.index = index


@dataclass(frozen=True, slots=True)
class _Parsed:
    ast: Ast | None
    error: str | None
    envelope: bool = False


def parse(kind: str, text: str) -> Ast:
    """The AST of ``text`` as a ``kind`` expression (cached), or DynamoDB's error."""
    parsed = _parse_cached(kind, text)
    if parsed.error is not None:
        raise ExpressionError(parsed.error, envelope=parsed.envelope)
    assert parsed.ast is not None
    return parsed.ast


@lru_cache(maxsize=4096)
def _parse_cached(kind: str, text: str) -> _Parsed:
    prefix = f"Invalid {kind}Expression: "
    if text == "":
        return _Parsed(None, prefix + "The expression can not be empty;", envelope=True)
    size = len(text.encode("utf-8"))
    if size > MAX_EXPRESSION_BYTES:
        # Only the condition-like kinds add the size (as DynamoDB does).
        suffix = "" if kind in (UPDATE, PROJECTION) else f" expression size: {size}"
        return _Parsed(
            None, prefix + "Expression size has exceeded the maximum allowed size;" + suffix, envelope=True
        )
    parser = _Parser(kind, text)
    try:
        ast = parser.parse()
    except _SyntaxError as exc:
        return _Parsed(None, prefix + syntax_error_message(text, parser.tokens, exc.index), envelope=True)
    for category in _PRECEDENCE.get(kind, _CONDITION_PRECEDENCE):
        if category in parser.issues:
            return _Parsed(None, prefix + parser.issues[category], envelope=category in _ENVELOPED)
    if parser.operators > MAX_OPERATORS:
        message = f"The expression contains too many operators; operator count: {parser.operators}"
        return _Parsed(None, prefix + message)
    return _Parsed(ast, None)


class _Parser:
    def __init__(self, kind: str, text: str) -> None:
        self.kind = kind
        self.tokens = tokenize(text)
        self.pos = 0
        self.issues: dict[str, str] = {}
        self.operators = 0
        self._grouped: set[int] = set()  # ids of nodes that came straight out of "( ... )"

    # -- token helpers --------------------------------------------------------------------

    @property
    def token(self) -> Token:
        return self.tokens[self.pos]

    def peek(self) -> Token:
        return self.tokens[min(self.pos + 1, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def fail(self) -> _SyntaxError:
        return _SyntaxError(self.pos)

    def at_punct(self, *texts: str) -> bool:
        token = self.token
        return token.kind == PUNCT and token.text in texts

    def expect_punct(self, text: str) -> Token:
        if not self.at_punct(text):
            raise self.fail()
        return self.advance()

    def at_keyword(self, word: str) -> bool:
        token = self.token
        return token.kind == KEYWORD and token.text.upper() == word

    def at_call(self) -> bool:
        following = self.peek()
        return self.token.kind == NAME and following.kind == PUNCT and following.text == "("

    def note(self, category: str, message: str) -> None:
        self.issues.setdefault(category, message)

    def group(self, node: Operand | Condition) -> None:
        """Record that ``node`` was written in parentheses; twice in a row is redundant."""
        if id(node) in self._grouped:
            self.note(_PARENS, "The expression has redundant parentheses;")
        self._grouped.add(id(node))

    # -- entry ----------------------------------------------------------------------------

    def parse(self) -> Ast:
        if self.kind == UPDATE:
            return self.update()
        if self.kind == PROJECTION:
            return self.projection()
        condition = self.require_condition(self.or_condition())
        if self.token.kind != EOF:
            raise self.fail()
        return condition

    # -- paths ----------------------------------------------------------------------------

    def name(self) -> PathElement:
        token = self.token
        if token.kind == NAME:
            if is_reserved(token.text):
                self.note(_RESERVED, f"Attribute name is a reserved keyword; reserved keyword: {token.text}")
            self.advance()
            return token.text
        if token.kind == ALIAS:
            self.advance()
            return Alias(token.text)
        raise self.fail()

    def path(self) -> Path:
        elements = [self.name()]
        while True:
            if self.at_punct("."):
                self.advance()
                elements.append(self.name())
            elif self.at_punct("["):
                self.advance()
                if self.token.kind != NUMBER:
                    raise self.fail()
                elements.append(int(self.advance().text))
                self.expect_punct("]")
            else:
                return Path(tuple(elements))

    # -- conditions -----------------------------------------------------------------------

    def or_condition(self) -> Condition | Operand:
        left = self.and_condition()
        while self.at_keyword("OR"):
            first = self.require_condition(left)
            self.advance()
            self.operators += 1
            left = Or(first, self.require_condition(self.and_condition()))
        return left

    def and_condition(self) -> Condition | Operand:
        left = self.not_condition()
        while self.at_keyword("AND"):
            first = self.require_condition(left)
            self.advance()
            self.operators += 1
            left = And(first, self.require_condition(self.not_condition()))
        return left

    def not_condition(self) -> Condition | Operand:
        if self.at_keyword("NOT"):
            self.advance()
            self.operators += 1
            return Not(self.require_condition(self.not_condition()))
        return self.primary_condition()

    def require_condition(self, node: Condition | Operand) -> Condition:
        """A bare operand where a condition is needed is a syntax error at the next token;
        ``size()`` there is a misused function."""
        if isinstance(node, Path | ValueRef | Literal | Arithmetic):
            raise self.fail()
        if isinstance(node, Call) and node.name == "size":
            self.note(
                _MISUSE, "The function is not allowed to be used this way in an expression; function: size"
            )
        return node

    def primary_condition(self) -> Condition | Operand:
        """A condition; or, directly inside parentheses, an operand (``(a) = :v``)."""
        if self.at_punct("("):
            self.advance()
            inner = self.or_condition()
            self.expect_punct(")")
            self.group(inner)
            if isinstance(inner, Path | ValueRef) or (isinstance(inner, Call) and inner.name == "size"):
                return self.comparison(inner, allow_bare=True)
            return inner
        return self.comparison(self.operand(), allow_bare=self.inside_group())

    def inside_group(self) -> bool:
        """Whether the operand just parsed may stand alone because ``)`` closes its group."""
        return self.at_punct(")")

    def comparison(self, subject: Operand, *, allow_bare: bool) -> Condition | Operand:
        token = self.token
        if token.kind == PUNCT and token.text in COMPARATORS:
            self.advance()
            self.operators += 1
            right = self.operand()
            self.check_nested(subject)
            self.check_nested(right)
            return Compare(token.text, subject, right)
        if self.at_keyword("BETWEEN"):
            self.advance()
            self.operators += 1
            low = self.operand()
            if not self.at_keyword("AND"):
                raise self.fail()
            self.advance()
            high = self.operand()
            for operand in (subject, low, high):
                self.check_nested(operand)
            return Between(subject, low, high)
        if self.at_keyword("IN"):
            self.advance()
            self.operators += 1
            self.expect_punct("(")
            options = [self.operand()]
            while self.at_punct(","):
                self.advance()
                options.append(self.operand())
            self.expect_punct(")")
            for operand in (subject, *options):
                self.check_nested(operand)
            return In(subject, tuple(options))
        if isinstance(subject, Call) or allow_bare:
            return subject  # a function condition, or "( operand )" before its comparator
        raise self.fail()

    def operand(self) -> Operand:
        token = self.token
        if token.kind == VALUE:
            self.advance()
            return ValueRef(token.text)
        if self.at_punct("("):
            self.advance()
            inner = self.operand()
            self.expect_punct(")")
            self.group(inner)
            return inner
        if self.at_call():
            return self.call(self.operand)
        return self.path()

    def call(self, read: Callable[[], Operand]) -> Call:
        name = self.advance().text
        self.expect_punct("(")
        self.operators += 1
        args = [read()]
        while self.at_punct(","):
            self.advance()
            args.append(read())
        self.expect_punct(")")
        self.check_function(name)
        for arg in args:
            self.check_nested(arg)
        return Call(name, tuple(args))

    def check_function(self, name: str) -> None:
        if self.kind == UPDATE:
            if name in UPDATE_FUNCTIONS:
                return
            if name in CONDITION_FUNCTIONS:
                self.note(_FUNCTION, f"The function is not allowed in an update expression; function: {name}")
                return
        else:
            if name in CONDITION_FUNCTIONS:
                return
            if name in UPDATE_FUNCTIONS:
                self.note(
                    _FUNCTION, f"The function is not allowed in a condition expression; function: {name}"
                )
                return
        self.note(_FUNCTION, f"Invalid function name; function: {name}")

    def check_nested(self, operand: Operand) -> None:
        """Functions inside comparisons or other functions: only size (conditions) or
        if_not_exists (updates) may be nested."""
        if not isinstance(operand, Call):
            return
        allowed = "if_not_exists" if self.kind == UPDATE else "size"
        if operand.name != allowed and operand.name in CONDITION_FUNCTIONS | UPDATE_FUNCTIONS:
            self.note(
                _MISUSE,
                f"The function is not allowed to be used this way in an expression; function: {operand.name}",
            )

    # -- projections ----------------------------------------------------------------------

    def projection(self) -> Projection:
        paths = [self.path()]
        while self.at_punct(","):
            self.advance()
            paths.append(self.path())
        if self.token.kind != EOF:
            raise self.fail()
        return Projection(tuple(paths))

    # -- updates --------------------------------------------------------------------------

    def update(self) -> Update:
        actions: list[Action] = []
        seen: set[str] = set()
        while True:
            token = self.token
            clause = token.text.upper() if token.kind == KEYWORD else ""
            if clause not in _CLAUSES:
                raise self.fail()
            self.advance()
            if clause in seen:
                self.note(_SECTION, f'The "{clause}" section can only be used once in an update expression;')
            seen.add(clause)
            actions.append(self.update_action(clause))
            while self.at_punct(","):
                self.advance()
                actions.append(self.update_action(clause))
            if self.token.kind == EOF:
                return Update(tuple(actions))

    def update_action(self, clause: str) -> Action:
        path = self.path()
        if clause == "SET":
            self.expect_punct("=")
            return SetAction(path, self.set_value())
        if clause == "REMOVE":
            return RemoveAction(path)
        token = self.token
        if token.kind != VALUE:
            raise self.fail()
        self.advance()
        value = ValueRef(token.text)
        return AddAction(path, value) if clause == "ADD" else DeleteAction(path, value)

    def set_value(self) -> Operand:
        if self.at_punct("("):
            self.advance()
            inner = self.set_value()
            self.expect_punct(")")
            self.group(inner)
            if isinstance(inner, Arithmetic):
                return inner
            left: Operand = inner
        else:
            left = self.set_operand()
        if self.at_punct("+", "-"):
            op = self.advance().text
            self.operators += 1
            right = self.set_operand()
            for side in (left, right):
                self.check_nested(side)
            return Arithmetic(op, left, right)
        return left

    def set_operand(self) -> Operand:
        token = self.token
        if token.kind == VALUE:
            self.advance()
            return ValueRef(token.text)
        if self.at_punct("("):
            self.advance()
            inner = self.set_operand()
            self.expect_punct(")")
            self.group(inner)
            return inner
        if self.at_call():
            return self.call(self.set_operand)
        return self.path()
