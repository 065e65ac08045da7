"""PartiQL parser golden tests: the AST of each statement form and the exact error texts."""

from __future__ import annotations

import pytest

from dynamo.errors import DynamoError
from dynamo.partiql import ast
from dynamo.partiql.parser import parse

P = ast.Path


def error_of(statement: str) -> str:
    with pytest.raises(DynamoError) as info:
        parse(statement)
    assert info.value.code == "ValidationException"
    return info.value.message or ""


def test_select_with_index_projection_where_and_order() -> None:
    # SELECT names paths, "Table"."Index", a WHERE condition and ORDER BY key DESC.
    parsed = parse('SELECT a, "b"."c"[0] FROM "T"."I" WHERE pk = ? AND sk BETWEEN 1 AND 3 ORDER BY sk DESC')
    assert parsed.parameters == 1
    assert parsed.statement == ast.Select(
        (P(("a",)), P(("b", "c", 0))),
        ast.Source("T", "I"),
        ast.Logical(
            "AND",
            (
                ast.Compare("=", P(("pk",)), ast.Param(0)),
                ast.Between(P(("sk",)), ast.Literal({"N": "1"}), ast.Literal({"N": "3"})),
            ),
        ),
        ((P(("sk",)), False),),
    )


def test_keywords_are_case_insensitive_and_strings_unescape() -> None:
    # Keywords in any case; '' inside a string is one quote; "" quoted identifiers keep case.
    parsed = parse("select * from \"My.Table\" where \"Name\" = 'it''s'")
    assert parsed.statement == ast.Select(
        None, ast.Source("My.Table", None), ast.Compare("=", P(("Name",)), ast.Literal({"S": "it's"})), None
    )


def test_insert_literals() -> None:
    # INSERT ... VALUE takes a map literal with lists, sets, numbers, booleans and NULL.
    parsed = parse("INSERT INTO T VALUE {'pk': 'a', 'n': -2.5, 's': <<1, 2>>, 'l': [true, NULL], 'm': {}}")
    assert parsed.statement == ast.Insert(
        ast.Source("T", None),
        ast.MapValue(
            (
                ("pk", ast.Literal({"S": "a"})),
                ("n", ast.Literal({"N": "-2.5"})),
                ("s", ast.SetValue((ast.Literal({"N": "1"}), ast.Literal({"N": "2"})))),
                ("l", ast.ListValue((ast.Literal({"BOOL": True}), ast.Literal({"NULL": True})))),
                ("m", ast.MapValue(())),
            )
        ),
    )


def test_update_set_remove_returning() -> None:
    # UPDATE takes SET and REMOVE clauses (repeatable), a WHERE and RETURNING.
    parsed = parse(
        "UPDATE T SET a = a + 1 SET l = list_append(l, [1]) REMOVE d WHERE pk = 'k' RETURNING MODIFIED OLD *"
    )
    statement = parsed.statement
    assert isinstance(statement, ast.Update)
    assert statement.sets[0] == (P(("a",)), ast.Arith("+", P(("a",)), ast.Literal({"N": "1"})))
    assert statement.removes == (P(("d",)),)
    assert statement.returning == "UPDATED_OLD"


def test_predicates() -> None:
    # IN lists, IS [NOT] MISSING/NULL, NOT, OR and functions parse with SQL precedence.
    parsed = parse("SELECT * FROM T WHERE a IN [1, 2] OR NOT b IS NOT MISSING AND begins_with(c, 'x')")
    assert parsed.statement == ast.Select(
        None,
        ast.Source("T", None),
        ast.Logical(
            "OR",
            (
                ast.In(P(("a",)), (ast.Literal({"N": "1"}), ast.Literal({"N": "2"}))),
                ast.Logical(
                    "AND",
                    (
                        ast.Not(ast.Is(P(("b",)), "MISSING", True)),
                        ast.Call("begins_with", (P(("c",)), ast.Literal({"S": "x"}))),
                    ),
                ),
            ),
        ),
        None,
    )


def test_exists_and_delete() -> None:
    # EXISTS wraps a SELECT; DELETE takes RETURNING ALL OLD *.
    assert isinstance(parse("EXISTS(SELECT * FROM T WHERE pk = 'a')").statement, ast.Exists)
    assert parse("DELETE FROM T WHERE pk = 'a' RETURNING ALL OLD *").statement == ast.Delete(
        ast.Source("T", None), ast.Compare("=", P(("pk",)), ast.Literal({"S": "a"})), "ALL_OLD"
    )


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("GRANT ALL", "Statement wasn't well formed, can't be processed: Expected data manipulation"),
        (
            "SELECT * FROM T WHERE",
            "Statement wasn't well formed, can't be processed: Unexpected end of statement",
        ),
        (
            "SELECT * FROM FROM",
            "Statement wasn't well formed, can't be processed: Unexpected keyword at line 1, column 15",
        ),
        (
            "SELECT * FROM T WHERE a = = 1",
            "Statement wasn't well formed, can't be processed: Unexpected token at line 1, column 27",
        ),
        (
            "SELECT * FROM T x",
            "Statement wasn't well formed, can't be processed: Unexpected term at line 1, column 17",
        ),
        ("SELECT COUNT(*) FROM T", "Unexpected path component at 1:8:5"),
        ("SELECT *, a FROM T", "Other attributes should not be present in the projection when '*' is used."),
        ("SELECT a, a FROM T", "Duplicate identifiers in select clause: a"),
        ("SELECT a AS b FROM T", "Aliasing is not supported"),
        ("SELECT * FROM a.b.c", "A path may contain at most 2 components in the FROM clause"),
        (
            "SELECT * FROM T ORDER BY pk",
            "Must have WHERE clause in the statement when using ORDER BY clause.",
        ),
        (
            "INSERT INTO T VALUES {'pk': 'a'}",
            "Unsupported operation: Inserting multiple items in a single statement is not supported, "
            'use "INSERT INTO tableName VALUE item" instead',
        ),
        (
            "UPDATE T ADD a 1 WHERE pk = 'a'",
            "Only SET and REMOVE are supported in update expressions at this time",
        ),
        (
            "DELETE FROM T WHERE pk = 'a' RETURNING ALL NEW *",
            "Invalid returning clause: RETURNING ALL NEW *. Only RETURNING ALL OLD * is allowed in DELETE statements.",
        ),
    ],
)
def test_errors(statement: str, message: str) -> None:
    # Malformed statements carry the envelope; unsupported features their own bare texts.
    assert error_of(statement) == message


def test_map_literals_name_each_key_once() -> None:
    # A key given twice in a map literal is refused rather than silently overwritten.
    assert error_of("INSERT INTO \"t\" VALUE {'pk': 'a', 'pk': 'b'}") == "Duplicate key in a map literal: pk"


def test_deep_nesting_is_a_validation_error() -> None:
    # Nesting deeper than any real statement is refused as malformed, never a crash.
    assert error_of('SELECT * FROM "t" WHERE ' + "(" * 1000 + "a = 1" + ")" * 1000).startswith(
        "Statement wasn't well formed, can't be processed: "
    )
