"""Tokens of a PartiQL statement, with their 1-based line and column for error details.

Bare words are identifiers or keywords (keywords are case-insensitive); double quotes
make a case-sensitive identifier out of anything (``""`` escapes a quote); single quotes
make a string (``''`` escapes a quote).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from dynamo.partiql.errors import malformed

WORD, QUOTED, STRING, NUMBER, PARAM, PUNCT, END = (
    "word",
    "quoted",
    "string",
    "number",
    "param",
    "punct",
    "end",
)

# Longest first, so "<=" never lexes as "<" then "=".
_PUNCT: Final = (
    "<<",
    ">>",
    "<=",
    ">=",
    "<>",
    "!=",
    "=",
    "<",
    ">",
    ",",
    ".",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    "+",
    "-",
    "*",
)
_WORD: Final = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_NUMBER: Final = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str  # identifiers and strings unescaped; keywords as written
    line: int
    column: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == WORD else ""

    def at(self) -> str:
        return f"at line {self.line}, column {self.column}"


def _quoted(source: str, start: int, quote: str) -> tuple[str, int]:
    """The unescaped text of a quoted token starting at ``start``, and the index after it."""
    parts = []
    i = start + 1
    while True:
        end = source.find(quote, i)
        if end < 0:
            raise malformed("Unexpected end of statement: unterminated quoted text")  # unconfirmed
        parts.append(source[i:end])
        if source.startswith(quote * 2, end):
            parts.append(quote)
            i = end + 2
            continue
        return "".join(parts), end + 1


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    i, line, line_start = 0, 1, 0
    n = len(source)
    while i < n:
        ch = source[i]
        if ch == "\n":
            i, line, line_start = i + 1, line + 1, i + 1
            continue
        if ch.isspace():
            i += 1
            continue
        if source.startswith("--", i):  # a comment runs to the end of its line
            end = source.find("\n", i)
            i = n if end < 0 else end
            continue
        column = i - line_start + 1
        if ch in "'\"":
            text, i = _quoted(source, i, ch)
            tokens.append(Token(STRING if ch == "'" else QUOTED, text, line, column))
            continue
        if ch == "?":
            tokens.append(Token(PARAM, "?", line, column))
            i += 1
            continue
        match = (
            _NUMBER.match(source, i)
            if ch.isdigit() or (ch == "." and source[i + 1 : i + 2].isdigit())
            else None
        )
        if match is not None:
            tokens.append(Token(NUMBER, match.group(), line, column))
            i = match.end()
            continue
        match = _WORD.match(source, i)
        if match is not None:
            tokens.append(Token(WORD, match.group(), line, column))
            i = match.end()
            continue
        punct = next((p for p in _PUNCT if source.startswith(p, i)), None)
        if punct is None:
            raise malformed(f"Unexpected character {ch!r} at line {line}, column {column}")  # unconfirmed
        tokens.append(Token(PUNCT, punct, line, column))
        i += len(punct)
    tokens.append(Token(END, "", line, i - line_start + 1))
    return tokens
