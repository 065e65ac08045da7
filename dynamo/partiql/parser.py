"""A recursive-descent parser for DynamoDB's PartiQL subset (reference 15.2-15.4).

One function per grammar rule; the precedence of conditions, loosest first, is
OR, AND, NOT, then a predicate (comparison, BETWEEN, IN, IS). Semantic rules that need
the table (key attributes, index kinds) belong to the translator, not here.
"""

from __future__ import annotations

from typing import Final

from dynamo.errors import DynamoError, validation
from dynamo.partiql import ast
from dynamo.partiql import errors as text
from dynamo.partiql.errors import malformed, unsupported
from dynamo.partiql.lexer import END, NUMBER, PARAM, PUNCT, QUOTED, STRING, WORD, Token, tokenize

# Words that cannot be bare identifiers (quote them to use them as names).
KEYWORDS: Final = frozenset(
    [
        "SELECT",
        "FROM",
        "WHERE",
        "AND",
        "OR",
        "NOT",
        "BETWEEN",
        "IN",
        "IS",
        "MISSING",
        "NULL",
        "TRUE",
        "FALSE",
        "INSERT",
        "INTO",
        "VALUE",
        "VALUES",
        "UPDATE",
        "SET",
        "REMOVE",
        "DELETE",
        "RETURNING",
        "ORDER",
        "BY",
        "ASC",
        "DESC",
        "EXISTS",
        "AS",
        "ADD",
    ]
)
COMPARISONS: Final = frozenset({"=", "<>", "!=", "<", "<=", ">", ">="})
_RETURNING: Final = {
    ("ALL", "OLD"): "ALL_OLD",
    ("MODIFIED", "OLD"): "UPDATED_OLD",
    ("ALL", "NEW"): "ALL_NEW",
    ("MODIFIED", "NEW"): "UPDATED_NEW",
}


def parse(statement: str) -> ast.Parsed:
    """The AST of one statement; ValidationException if it is not well formed."""
    parser = _Parser(tokenize(statement))
    try:
        parsed = parser.statement()
    except RecursionError:  # nesting no statement of 8192 characters needs; never a 500
        raise malformed("Statement is nested too deeply") from None  # unconfirmed
    parser.expect_end()
    return ast.Parsed(parsed, parser.params)


def unexpected(token: Token) -> DynamoError:
    if token.kind == END:
        return malformed("Unexpected end of statement")  # unconfirmed
    if token.upper in KEYWORDS:
        return malformed(f"Unexpected keyword {token.at()}")
    if token.kind == PUNCT:
        return malformed(f"Unexpected token {token.at()}")
    return malformed(f"Unexpected term {token.at()}")


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.params = 0

    # -- token helpers -------------------------------------------------------------------

    @property
    def token(self) -> Token:
        return self.tokens[self.pos]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.token
        if token.kind != END:
            self.pos += 1
        return token

    def at_keyword(self, *words: str) -> bool:
        return self.token.upper in words

    def at_punct(self, *symbols: str) -> bool:
        return self.token.kind == PUNCT and self.token.text in symbols

    def accept_keyword(self, word: str) -> bool:
        if self.token.upper == word:
            self.pos += 1
            return True
        return False

    def accept_punct(self, symbol: str) -> bool:
        if self.at_punct(symbol):
            self.pos += 1
            return True
        return False

    def keyword(self, word: str) -> None:
        if not self.accept_keyword(word):
            raise unexpected(self.token)

    def punct(self, symbol: str) -> None:
        if not self.accept_punct(symbol):
            raise unexpected(self.token)

    def expect_end(self) -> None:
        self.accept_punct(";")
        if self.token.kind != END:
            raise unexpected(self.token)

    # -- statements ----------------------------------------------------------------------

    def statement(self) -> ast.Statement:
        word = self.token.upper
        if word == "SELECT":
            return self.select()
        if word == "INSERT":
            return self.insert()
        if word == "UPDATE":
            return self.update()
        if word == "DELETE":
            return self.delete()
        if word == "EXISTS":
            self.advance()
            self.punct("(")
            select = self.select()
            self.punct(")")
            return ast.Exists(select)
        raise malformed("Expected data manipulation")

    def select(self) -> ast.Select:
        self.keyword("SELECT")
        projection = self.projection()
        self.keyword("FROM")
        source = self.source()
        where = self.where()
        order_by = None
        if self.accept_keyword("ORDER"):
            self.keyword("BY")
            keys = []
            while True:
                key = self.path()
                ascending = not self.accept_keyword("DESC")
                if ascending:
                    self.accept_keyword("ASC")
                keys.append((key, ascending))
                if not self.accept_punct(","):
                    break
            if where is None:
                raise unsupported(text.ORDER_BY_NEEDS_WHERE)
            order_by = tuple(keys)
        return ast.Select(projection, source, where, order_by)

    def projection(self) -> tuple[ast.Path, ...] | None:
        paths: list[ast.Path] = []
        star = False
        while True:
            if self.accept_punct("*"):
                star = True
            else:
                token = self.token
                if token.kind == WORD and token.upper not in KEYWORDS and self.peek().text == "(":
                    # Aggregates and other functions; DynamoDB reports this bare [dynoxide/AWS].
                    raise validation(f"Unexpected path component at {token.line}:{token.column}:5")
                path = self.path()
                if self.at_keyword("AS"):
                    raise unsupported(text.ALIASING)
                if path in paths:
                    raise unsupported(f"Duplicate identifiers in select clause: {path}")
                paths.append(path)
            if not self.accept_punct(","):
                break
        if star and paths:
            raise unsupported(text.STAR_WITH_OTHERS)
        return None if star else tuple(paths)

    def source(self) -> ast.Source:
        names = [self.identifier()]
        while self.accept_punct("."):
            names.append(self.identifier())
        if len(names) > 2:
            raise unsupported(text.FROM_COMPONENTS)
        return ast.Source(names[0], names[1] if len(names) == 2 else None)

    def where(self) -> ast.Expr | None:
        return self.condition() if self.accept_keyword("WHERE") else None

    def insert(self) -> ast.Insert:
        self.keyword("INSERT")
        self.keyword("INTO")
        source = self.source()
        if self.at_keyword("VALUES"):
            raise unsupported(text.MULTIPLE_INSERT)
        self.keyword("VALUE")
        item = self.value()
        if self.at_punct(","):
            raise unsupported(text.MULTIPLE_INSERT)
        if self.at_keyword("RETURNING"):
            raise unsupported(text.INSERT_RETURNING)
        return ast.Insert(source, item)

    def update(self) -> ast.Update:
        self.keyword("UPDATE")
        source = self.source()
        sets: list[tuple[ast.Path, ast.Expr]] = []
        removes: list[ast.Path] = []
        while True:
            if self.accept_keyword("SET"):
                while True:
                    path = self.path()
                    self.punct("=")
                    sets.append((path, self.operand()))
                    if not self.accept_punct(","):
                        break
            elif self.accept_keyword("REMOVE"):
                while True:
                    removes.append(self.path())
                    if not self.accept_punct(","):
                        break
            elif self.at_keyword("ADD", "DELETE"):
                raise unsupported(text.ONLY_SET_REMOVE)
            else:
                break
        if not sets and not removes:
            raise unexpected(self.token)
        where = self.where()
        return ast.Update(source, tuple(sets), tuple(removes), where, self.returning())

    def delete(self) -> ast.Delete:
        self.keyword("DELETE")
        self.keyword("FROM")
        source = self.source()
        where = self.where()
        returning = self.returning()
        if returning not in (None, "ALL_OLD"):
            shown = {"UPDATED_OLD": "MODIFIED OLD", "ALL_NEW": "ALL NEW", "UPDATED_NEW": "MODIFIED NEW"}[
                returning
            ]
            raise unsupported(f"Invalid returning clause: RETURNING {shown} *. {text.DELETE_RETURNING}")
        return ast.Delete(source, where, returning)

    def returning(self) -> str | None:
        if not self.accept_keyword("RETURNING"):
            return None
        which = self.advance().upper
        age = self.advance().upper
        mode = _RETURNING.get((which, age))
        if mode is None:
            raise unexpected(self.tokens[self.pos - 1])
        self.punct("*")
        return mode

    # -- conditions ----------------------------------------------------------------------

    def condition(self) -> ast.Expr:
        operands = [self.conjunction()]
        while self.accept_keyword("OR"):
            operands.append(self.conjunction())
        return operands[0] if len(operands) == 1 else ast.Logical("OR", tuple(operands))

    def conjunction(self) -> ast.Expr:
        operands = [self.negation()]
        while self.accept_keyword("AND"):
            operands.append(self.negation())
        return operands[0] if len(operands) == 1 else ast.Logical("AND", tuple(operands))

    def negation(self) -> ast.Expr:
        if self.accept_keyword("NOT"):
            return ast.Not(self.negation())
        return self.predicate()

    def predicate(self) -> ast.Expr:
        left = self.operand()
        token = self.token
        if token.kind == PUNCT and token.text in COMPARISONS:
            self.advance()
            op = "<>" if token.text == "!=" else token.text
            return ast.Compare(op, left, self.operand())
        if self.accept_keyword("BETWEEN"):
            low = self.operand()
            self.keyword("AND")
            return ast.Between(left, low, self.operand())
        negated = self.accept_keyword("NOT")
        if self.accept_keyword("IN"):
            found = ast.In(left, self.in_options())
            return ast.Not(found) if negated else found
        if negated:
            raise unexpected(self.token)
        if self.accept_keyword("IS"):
            negated = self.accept_keyword("NOT")
            what = self.advance().upper
            if what not in ("MISSING", "NULL"):
                raise unexpected(self.tokens[self.pos - 1])
            return ast.Is(left, what, negated)
        return left

    def in_options(self) -> tuple[ast.Expr, ...] | ast.Param:
        if self.token.kind == PARAM:
            return self.param()
        close = "]" if self.accept_punct("[") else ")" if self.accept_punct("(") else None
        if close is None:
            raise unexpected(self.token)
        options = [self.operand()]
        while self.accept_punct(","):
            options.append(self.operand())
        self.punct(close)
        return tuple(options)

    # -- operands ------------------------------------------------------------------------

    def operand(self) -> ast.Expr:
        left = self.term()
        while self.at_punct("+", "-"):
            op = self.advance().text
            left = ast.Arith(op, left, self.term())
        return left

    def term(self) -> ast.Expr:
        token = self.token
        if self.accept_punct("("):
            inner = self.condition()
            self.punct(")")
            return inner
        if token.kind == WORD and token.upper not in KEYWORDS and self.peek().text == "(":
            return self.call()
        if token.kind in (WORD, QUOTED) and token.upper not in ("TRUE", "FALSE", "NULL", "MISSING"):
            return self.path()
        if self.accept_keyword("MISSING"):
            return ast.Missing()
        return self.value()

    def call(self) -> ast.Call:
        name = self.advance().text.lower()
        self.punct("(")
        args: list[ast.Expr] = []
        if not self.at_punct(")"):
            args.append(self.operand())
            while self.accept_punct(","):
                args.append(self.operand())
        self.punct(")")
        return ast.Call(name, tuple(args))

    def identifier(self) -> str:
        token = self.token
        if token.kind == QUOTED or (token.kind == WORD and token.upper not in KEYWORDS):
            self.advance()
            return token.text
        raise unexpected(token)

    def path(self) -> ast.Path:
        elements: list[str | int] = [self.identifier()]
        while True:
            if self.accept_punct("."):
                elements.append(self.identifier())
            elif self.accept_punct("["):
                token = self.advance()
                if token.kind == NUMBER and token.text.isdigit():
                    elements.append(int(token.text))
                elif token.kind == STRING:
                    elements.append(token.text)
                else:
                    raise unexpected(token)
                self.punct("]")
            else:
                return ast.Path(tuple(elements))

    # -- values --------------------------------------------------------------------------

    def param(self) -> ast.Param:
        self.advance()
        self.params += 1
        return ast.Param(self.params - 1)

    def value(self) -> ast.Value:
        token = self.token
        if token.kind == PARAM:
            return self.param()
        if token.kind == STRING:
            self.advance()
            return ast.Literal({"S": token.text})
        if token.kind == NUMBER:
            self.advance()
            return ast.Literal({"N": token.text})
        if self.at_punct("-", "+") and self.peek().kind == NUMBER:
            sign = self.advance().text
            number = self.advance().text
            return ast.Literal({"N": number if sign == "+" else "-" + number})
        if token.upper in ("TRUE", "FALSE"):
            self.advance()
            return ast.Literal({"BOOL": token.upper == "TRUE"})
        if self.accept_keyword("NULL"):
            return ast.Literal({"NULL": True})
        if self.accept_punct("["):
            return ast.ListValue(self.values("]"))
        if self.accept_punct("<<"):
            return ast.SetValue(self.values(">>"))
        if self.accept_punct("{"):
            entries: list[tuple[str, ast.Value]] = []
            if not self.accept_punct("}"):
                while True:
                    key = self.advance()
                    if key.kind != STRING:  # map keys are single-quoted strings
                        raise unexpected(key)
                    if any(name == key.text for name, _ in entries):  # never "the last one wins"
                        raise validation(f"Duplicate key in a map literal: {key.text}")  # unconfirmed
                    self.punct(":")
                    entries.append((key.text, self.value()))
                    if not self.accept_punct(","):
                        break
                self.punct("}")
            return ast.MapValue(tuple(entries))
        raise unexpected(token)

    def values(self, close: str) -> tuple[ast.Value, ...]:
        items: list[ast.Value] = []
        if self.accept_punct(close):
            return ()
        while True:
            items.append(self.value())
            if not self.accept_punct(","):
                break
        self.punct(close)
        return tuple(items)
