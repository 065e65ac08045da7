"""Tokens of DynamoDB's expression language, with their positions in the source.

The token classes of DynamoDB's grammar: names ``[A-Za-z][A-Za-z0-9_]*``, of which
``IN BETWEEN NOT AND OR SET ADD DELETE REMOVE`` (any case) are always keywords, never
attribute names; ``#name`` and ``:value`` references ``[A-Za-z0-9_]+``; list indexes
``0|[1-9][0-9]*``; comparators, ``+ -`` and ``( ) [ ] . ,``; quoted strings (a token no
rule accepts). Spaces, tabs, CR and LF separate tokens. Any other character is a
one-character token no rule accepts, so the parser reports it as the offending token of
a syntax error, as DynamoDB does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

NAME: Final = "name"
KEYWORD: Final = "keyword"
ALIAS: Final = "alias"
VALUE: Final = "value"
NUMBER: Final = "number"
PUNCT: Final = "punct"
ERROR: Final = "error"
EOF: Final = "eof"

KEYWORDS: Final = frozenset({"IN", "BETWEEN", "NOT", "AND", "OR", "SET", "ADD", "DELETE", "REMOVE"})
_TOKEN: Final = re.compile(
    r"""
    (?P<ws>[ \t\r\n]+)
  | (?P<name>[A-Za-z][A-Za-z0-9_]*)
  | (?P<alias>\#[A-Za-z0-9_]+)
  | (?P<value>:[A-Za-z0-9_]+)
  | (?P<number>0|[1-9][0-9]*)
  | (?P<string>"[^"]*"|'[^']*')
  | (?P<punct><>|<=|>=|[=<>()\[\],.+\-])
  | (?P<error>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    start: int
    end: int


def tokenize(source: str) -> list[Token]:
    """All tokens of ``source``, ending with an EOF token."""
    tokens = []
    for match in _TOKEN.finditer(source):
        kind = match.lastgroup
        assert kind is not None
        if kind == "ws":
            continue
        text = match.group()
        if kind == NAME and text.upper() in KEYWORDS:
            kind = KEYWORD
        tokens.append(Token(kind, text, match.start(), match.end()))
    tokens.append(Token(EOF, "<EOF>", len(source), len(source)))
    return tokens


def syntax_error_message(source: str, tokens: list[Token], index: int) -> str:
    """``Syntax error; token: "<tok>", near: "<window>"``.

    The window is the source from the token before the offending one to the token after
    it, whitespace in between included verbatim; at the end of input, from the last token
    to the end.
    """
    token = tokens[index]
    start = tokens[index - 1].start if index > 0 else token.start
    if token.kind == EOF:
        near = source[start:]
    else:
        following = tokens[index + 1]
        near = source[start : following.end if following.kind != EOF else len(source)]
    return f'Syntax error; token: "{token.text}", near: "{near}"'
