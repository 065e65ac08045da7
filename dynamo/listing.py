"""Pages of ListExports and ListImports.

Both list records newest (or highest ARN) first and continue from a ``NextToken``: here,
lowercase hex of the operation's name and the last key shown, padded with zero bytes to
DynamoDB's token shape (``([0-9a-f]{16})+``, at least 112 characters). A token made by the
other operation, or by nobody, is refused with DynamoDB's message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final, TypeVar

from dynamo.errors import validation

T = TypeVar("T")
_MIN_BYTES: Final = 56  # 112 hex characters
_BLOCK: Final = 8  # 16 hex characters


def _token(operation: str, last: str) -> str:
    data = f"{operation}\0{last}".encode()
    size = max(_MIN_BYTES, -(-len(data) // _BLOCK) * _BLOCK)
    return data.ljust(size, b"\0").hex()


def _resume_after(operation: str, token: str) -> str:
    try:
        kind, _, last = bytes.fromhex(token).rstrip(b"\0").decode().partition("\0")
    except (ValueError, UnicodeDecodeError):
        kind, last = "", ""
    if kind != operation or not last:
        raise validation(f"Invalid Request: Provided nextToken is invalid: {token}")
    return last


def page(
    operation: str, entries: Sequence[T], key: Callable[[T], str], limit: int, token: str | None
) -> tuple[list[T], str | None]:
    """One page of ``entries`` in descending ``key`` order, and the token for the next."""
    ordered = sorted(entries, key=key, reverse=True)
    if token is not None:
        after = _resume_after(operation, token)
        ordered = [e for e in ordered if key(e) < after]
    shown = ordered[:limit]
    more = len(ordered) > len(shown)
    return shown, (_token(operation, key(shown[-1])) if more else None)
