"""Golden tests: tokens, ASTs, and DynamoDB's exact message for each malformed family."""

from __future__ import annotations

import pytest

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
    Not,
    Or,
    Path,
    Projection,
    RemoveAction,
    SetAction,
    Update,
    ValueRef,
)
from expressions.errors import ExpressionError
from expressions.lexer import tokenize
from expressions.parser import CONDITION, KEY_CONDITION, PROJECTION, UPDATE, parse


def p(*elements: object) -> Path:
    return Path(tuple(Alias(e) if isinstance(e, str) and e.startswith("#") else e for e in elements))  # type: ignore[misc]


def test_tokens() -> None:
    # Names, #names, :values, numbers, two-character comparators; whitespace separates.
    kinds = [(t.kind, t.text) for t in tokenize("a.#b[12] <>\t:v_1,(x)")]
    assert kinds == [
        ("name", "a"),
        ("punct", "."),
        ("alias", "#b"),
        ("punct", "["),
        ("number", "12"),
        ("punct", "]"),
        ("punct", "<>"),
        ("value", ":v_1"),
        ("punct", ","),
        ("punct", "("),
        ("name", "x"),
        ("punct", ")"),
        ("eof", "<EOF>"),
    ]


@pytest.mark.parametrize(
    ("text", "ast"),
    [
        ("a = :v", Compare("=", p("a"), ValueRef(":v"))),
        ("#a.b[3].#c >= :v", Compare(">=", p("#a", "b", 3, "#c"), ValueRef(":v"))),
        ("a BETWEEN :lo AND :hi", Between(p("a"), ValueRef(":lo"), ValueRef(":hi"))),
        ("a IN (:x, :y)", In(p("a"), (ValueRef(":x"), ValueRef(":y")))),
        ("attribute_exists(a)", Call("attribute_exists", (p("a"),))),
        ("size(a) > :n", Compare(">", Call("size", (p("a"),)), ValueRef(":n"))),
        # Precedence: NOT binds tighter than AND, AND tighter than OR.
        (
            "a = :a OR b = :b AND c = :c",
            Or(
                Compare("=", p("a"), ValueRef(":a")),
                And(Compare("=", p("b"), ValueRef(":b")), Compare("=", p("c"), ValueRef(":c"))),
            ),
        ),
        (
            "NOT a = :a AND b = :b",
            And(Not(Compare("=", p("a"), ValueRef(":a"))), Compare("=", p("b"), ValueRef(":b"))),
        ),
        (
            "(a = :a OR b = :b) AND c = :c",
            And(
                Or(Compare("=", p("a"), ValueRef(":a")), Compare("=", p("b"), ValueRef(":b"))),
                Compare("=", p("c"), ValueRef(":c")),
            ),
        ),
        ("a between :x and :y", Between(p("a"), ValueRef(":x"), ValueRef(":y"))),  # keywords in any case
    ],
)
def test_condition_asts(text: str, ast: object) -> None:
    # Conditions parse to the expected tree.
    assert parse(CONDITION, text) == ast


def test_update_ast() -> None:
    # All four clauses, functions nesting, arithmetic; actions kept in written order.
    ast = parse(
        UPDATE, "SET a = list_append(if_not_exists(a, :e), :v), b = b + :one REMOVE c[1] ADD d :n DELETE e :s"
    )
    assert ast == Update(
        (
            SetAction(
                p("a"), Call("list_append", (Call("if_not_exists", (p("a"), ValueRef(":e"))), ValueRef(":v")))
            ),
            SetAction(p("b"), Arithmetic("+", p("b"), ValueRef(":one"))),
            RemoveAction(p("c", 1)),
            AddAction(p("d"), ValueRef(":n")),
            DeleteAction(p("e"), ValueRef(":s")),
        )
    )


def test_projection_ast() -> None:
    # A projection is a comma-separated list of paths.
    assert parse(PROJECTION, "a, b.c, #d[0]") == Projection((p("a"), p("b", "c"), p("#d", 0)))


def test_parse_cache_returns_same_tree() -> None:
    # Parsed ASTs are cached by (kind, text).
    assert parse(CONDITION, "x = :y") is parse(CONDITION, "x = :y")


SYNTAX = [
    # DynamoDB's examples: token and the window from the previous to the next token.
    (UPDATE, "INVALID SYNTAX HERE", 'Syntax error; token: "INVALID", near: "INVALID SYNTAX"'),
    (UPDATE, "SET _123 = :v", 'Syntax error; token: "_", near: "SET _123"'),
    (UPDATE, "ADD hits : incr", 'Syntax error; token: ":", near: "hits : incr"'),
    (PROJECTION, "!!! INVALID !!!", 'Syntax error; token: "!", near: "!!"'),
    (KEY_CONDITION, "pk = :pk AND begins_with(sk, :type", 'Syntax error; token: "<EOF>", near: ":type"'),
    (UPDATE, "SET", 'Syntax error; token: "<EOF>", near: "SET"'),
    (PROJECTION, "a,", 'Syntax error; token: "<EOF>", near: ","'),
    (UPDATE, "SET a = :v +", 'Syntax error; token: "<EOF>", near: "+"'),
    (PROJECTION, "a, #b, #,", 'Syntax error; token: "#", near: ", #,"'),
    (CONDITION, "a", 'Syntax error; token: "<EOF>", near: "a"'),
    (CONDITION, "a IN ()", 'Syntax error; token: ")", near: "()"'),
    (CONDITION, "a != :v", 'Syntax error; token: "!", near: "a !="'),
    (PROJECTION, "a[:i]", 'Syntax error; token: ":i", near: "[:i]"'),
]


@pytest.mark.parametrize(("kind", "text", "message"), SYNTAX)
def test_syntax_errors(kind: str, text: str, message: str) -> None:
    # Syntax errors name the offending token and its neighbourhood.
    with pytest.raises(ExpressionError) as info:
        parse(kind, text)
    assert info.value.message == f"Invalid {kind}Expression: {message}"


SEMANTIC = [
    (CONDITION, "", "The expression can not be empty;"),
    (CONDITION, "((a = :v))", "The expression has redundant parentheses;"),
    (CONDITION, "BegIns_WiTh(a, :v)", "Invalid function name; function: BegIns_WiTh"),
    (
        CONDITION,
        "size(a)",
        "The function is not allowed to be used this way in an expression; function: size",
    ),
    (
        CONDITION,
        "attribute_exists(a) < :v",
        "The function is not allowed to be used this way in an expression; function: attribute_exists",
    ),
    (CONDITION, "Name = :v", "Attribute name is a reserved keyword; reserved keyword: Name"),
    (UPDATE, "SET a = :v SET b = :w", 'The "SET" section can only be used once in an update expression;'),
    (UPDATE, "REMOVE a REMOVE b", 'The "REMOVE" section can only be used once in an update expression;'),
    # Category order: redundant parentheses before unknown functions before reserved words.
    (CONDITION, "nope(a) AND ((size = :v))", "The expression has redundant parentheses;"),
    (CONDITION, "nope(a) AND size = :v", "Invalid function name; function: nope"),
    # Updates: reserved words first.
    (
        UPDATE,
        "SET size = nope(:v) SET b = :w",
        "Attribute name is a reserved keyword; reserved keyword: size",
    ),
]


@pytest.mark.parametrize(("kind", "text", "message"), SEMANTIC)
def test_semantic_errors(kind: str, text: str, message: str) -> None:
    # Problems found after a successful parse are reported by category, in DynamoDB's order.
    with pytest.raises(ExpressionError) as info:
        parse(kind, text)
    assert info.value.message == f"Invalid {kind}Expression: {message}"


def test_size_limit() -> None:
    # Expressions are at most 4 KB (UTF-8 bytes).
    text = "a = :v AND " * 372 + "b = :v"
    assert len(text.encode()) > 4096
    with pytest.raises(
        ExpressionError,
        match=f"Expression size has exceeded the maximum allowed size; expression size: {len(text)}",
    ):
        parse(CONDITION, text)
