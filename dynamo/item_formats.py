"""Items as export and import files hold them (reference 14.2, 14.3): DynamoDB JSON lines,
Amazon Ion lines and CSV rows, each way.

Writing is exact: a DynamoDB JSON line is ``{"Item":{...}}`` in the wire shape (binary as
base64, numbers canonical); an Ion line is a ``$ion_1_0`` marker and an ``{Item:{...}}``
struct with DynamoDB's type mapping (S string, N decimal, B blob, BOOL bool, NULL null,
M struct, L list, sets as lists annotated ``$dynamodb_SS``/``NS``/``BS``).

Reading turns a line into an item and then checks it with the same attribute-value rules
as a PutItem request, so an imported item is exactly what the API would have stored.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from decimal import Context, Decimal
from typing import Any, Final

import orjson
from amazon.ion import simpleion
from amazon.ion.core import IonType
from amazon.ion.simple_types import IonPyList, IonPyNull

from dynamo import wire
from dynamo.attributes import AttributeMapShape
from dynamo.errors import DynamoError
from dynamo.shapes import JSON, PYTHON, Errors
from storage.values import Item

_SET_ANNOTATIONS: Final = {"SS": "$dynamodb_SS", "NS": "$dynamodb_NS", "BS": "$dynamodb_BS"}
_SET_OF_ANNOTATION: Final = {v: k for k, v in _SET_ANNOTATIONS.items()}
_ITEM_SHAPE: Final = AttributeMapShape()
_DECODER: Final = json.JSONDecoder()
_DIGITS: Final = Context(prec=40)  # more than a DynamoDB number has: normalize never rounds


class BadLine(Exception):
    """A line that cannot be read (its message says why, as DynamoDB's error log would)."""


# -- writing -------------------------------------------------------------------------------


def json_line(item: Item) -> bytes:
    return wire.dumps({"Item": item}) + b"\n"


def _ion_number(text: str) -> Decimal:
    """A number as DynamoDB's Ion exports write it: trailing zeros moved into the exponent
    (``600`` is ``6d2``, ``103`` is ``103.``), all 38 digits kept."""
    return Decimal(text).normalize(_DIGITS)


def _to_ion(value: dict[str, Any]) -> Any:
    ((tag, data),) = value.items()
    if tag == "S" or tag == "B" or tag == "BOOL":
        return data
    if tag == "N":
        return _ion_number(data)
    if tag == "NULL":
        return None
    if tag == "M":
        return {name: _to_ion(v) for name, v in data.items()}
    if tag == "L":
        return [_to_ion(v) for v in data]
    members = [_ion_number(m) for m in data] if tag == "NS" else list(data)
    return IonPyList.from_value(IonType.LIST, members, (_SET_ANNOTATIONS[tag],))


def ion_line(item: Item) -> bytes:
    """``$ion_1_0 {Item:{...}}``: every line carries the version marker, as DynamoDB's do."""
    text: str = simpleion.dumps({"Item": {name: _to_ion(v) for name, v in item.items()}}, binary=False)
    return text.encode("utf-8") + b"\n"


def _change(timestamp: Any, keys: Any, old: Any, new: Any) -> dict[str, Any]:
    change: dict[str, Any] = {"Metadata": {"WriteTimestampMicros": timestamp}, "Keys": keys}
    if old is not None:
        change["OldImage"] = old
    if new is not None:
        change["NewImage"] = new
    return change


def json_change_line(micros: int, keys: Item, old: Item | None, new: Item | None) -> bytes:
    """An incremental export line: ``{"Metadata":{"WriteTimestampMicros":{"N":...}},
    "Keys":{...},"OldImage":{...},"NewImage":{...}}`` (images only when there are)."""
    return wire.dumps(_change({"N": str(micros)}, keys, old, new)) + b"\n"


def ion_change_line(micros: int, keys: Item, old: Item | None, new: Item | None) -> bytes:
    """The same in Ion: images as items are written, the timestamp an Ion integer
    (DynamoDB's Ion form of incremental lines is unconfirmed)."""

    def ion(item: Item | None) -> dict[str, Any] | None:
        return None if item is None else {name: _to_ion(v) for name, v in item.items()}

    text: str = simpleion.dumps(_change(micros, ion(keys), ion(old), ion(new)), binary=False)
    return text.encode("utf-8") + b"\n"


# -- reading -------------------------------------------------------------------------------
#
# DynamoDB tells two failures apart (reference 14.3): a line that cannot be read at all
# abandons the rest of its file (one error), while an item that is readable but invalid
# is one error and the file goes on.


class BadItem(Exception):
    """An item that is read but cannot be imported (its message goes to the error log)."""


def checked(raw: Any, mode: str) -> Item:
    """An item from its DynamoDB JSON form, checked as PutItem checks an Item."""
    if not isinstance(raw, dict):
        raise BadItem("The item is not a map of attribute values")
    errors = Errors()
    try:
        item: Item = _ITEM_SHAPE.load(raw, "item", errors, mode)
    except DynamoError as exc:
        raise BadItem(exc.message or exc.code) from None
    if errors.semantic is not None:
        raise BadItem(errors.semantic.message or "Invalid attribute value")
    return item


def _item_member(document: Any, what: str) -> Any:
    if not isinstance(document, Mapping) or list(document) != ["Item"]:
        raise BadLine(f"The line is not {what} with the single member Item")
    return document["Item"]


def json_items(line: bytes) -> list[Any]:
    """The raw ``Item`` maps of a DynamoDB JSON line: usually one, but objects written
    back to back on one line are each an item, as DynamoDB reads them."""
    try:
        documents = [orjson.loads(line)]
    except orjson.JSONDecodeError:
        documents = _run_together(line)
    return [_item_member(d, "an object") for d in documents]


def _run_together(line: bytes) -> list[Any]:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        raise BadLine("The line is not UTF-8 text") from None
    documents, position = [], 0
    while position < len(text):
        try:
            document, position = _DECODER.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise BadLine(f"Unexpected JSON at offset {exc.pos}: {exc.msg}") from None
        documents.append(document)
        while position < len(text) and text[position].isspace():
            position += 1
    return documents


def json_item(raw: Any) -> Item:
    return checked(raw, JSON)


def _ion_text(value: Any) -> str | None:
    """A non-null Ion string or symbol's text (None for anything else)."""
    if isinstance(value, IonPyNull):
        return None
    kind = getattr(value, "ion_type", None)
    if kind is IonType.SYMBOL:
        text: str | None = value.text
        return text
    if kind is IonType.STRING:
        return str(value)
    return None


# Set members by annotation: the Ion types a member may have, and how it becomes wire data.
_SET_MEMBERS: Final[dict[str, tuple[tuple[IonType, ...], str, Callable[[Any], Any]]]] = {
    "SS": ((IonType.STRING, IonType.SYMBOL), "strings", _ion_text),
    "NS": ((IonType.INT, IonType.DECIMAL, IonType.FLOAT), "numbers", str),
    "BS": ((IonType.BLOB, IonType.CLOB), "binaries", bytes),
}


def _from_ion(value: Any) -> dict[str, Any]:
    kind = getattr(value, "ion_type", None)
    if kind is None or isinstance(value, IonPyNull):
        return {"NULL": True}  # null, and typed nulls (null.string, ...)
    if kind is IonType.BOOL:  # IonPyBool is an int: its type decides, not isinstance
        return {"BOOL": bool(value)}
    if kind in (IonType.STRING, IonType.SYMBOL):
        text = _ion_text(value)
        if text is None:
            raise BadItem("A symbol without text is not a string")
        return {"S": text}
    if kind in (IonType.BLOB, IonType.CLOB):
        return {"B": bytes(value)}
    if kind in (IonType.INT, IonType.FLOAT, IonType.DECIMAL):
        return {"N": str(value)}
    if kind is IonType.STRUCT:
        return {"M": _ion_fields(value)}
    if kind in (IonType.LIST, IonType.SEXP):
        annotations = [a.text for a in getattr(value, "ion_annotations", ())]
        tag = _SET_OF_ANNOTATION.get(annotations[0]) if annotations else None
        if tag is None:
            return {"L": [_from_ion(v) for v in value]}
        allowed, what, convert = _SET_MEMBERS[tag]
        members = []
        for member in value:
            if isinstance(member, IonPyNull) or getattr(member, "ion_type", None) not in allowed:
                raise BadItem(f"A {_SET_ANNOTATIONS[tag]} set may hold only {what}")
            members.append(convert(member))
        return {tag: members}
    raise BadItem(f"Unsupported Ion value: {kind.name}")


def _ion_fields(struct: Any) -> dict[str, Any]:
    fields = {}
    for name, value in struct.items():
        text = name if isinstance(name, str) else getattr(name, "text", None)
        if text is None:
            raise BadItem("A field name is a symbol without text")
        fields[text] = _from_ion(value)
    return fields


def ion_item_structs(value: Any) -> list[Any]:
    """The raw ``Item`` structs of one top-level Ion value: an ``{Item:{...}}`` struct, or
    a list of them (both forms appear in DynamoDB's documentation)."""
    if getattr(value, "ion_type", None) is IonType.LIST and not isinstance(value, IonPyNull):
        return [_item_member(v, "a struct") for v in value]
    return [_item_member(value, "a struct")]


def ion_items(line: bytes) -> list[Any]:
    """The raw ``Item`` structs of a text of Ion values."""
    try:
        values = simpleion.loads(line.decode("utf-8"), single_value=False)
    except Exception:  # amazon.ion raises many kinds of errors for bad text
        raise BadLine("The line is not valid Ion text") from None
    return [raw for value in values for raw in ion_item_structs(value)]


def ion_item(raw: Any) -> Item:
    if not isinstance(raw, Mapping) or isinstance(raw, IonPyNull):
        raise BadItem("The item is not a struct")
    return checked(_ion_fields(raw), PYTHON)


def csv_item(header: list[str], row: list[str], types: Mapping[str, str]) -> Item:
    """A CSV row: key columns (``types``: the table's and its GSIs' key attributes) get
    their declared type, every other column is a string; empty cells are left out."""
    if len(row) > len(header):
        raise BadItem(f"The row has {len(row)} columns but the header names {len(header)}")
    raw: dict[str, Any] = {}
    for name, cell in zip(header, row, strict=False):
        if cell:
            raw[name] = {types.get(name, "S"): cell}
    return checked(raw, JSON)  # cells are text: a B key column holds base64, as in JSON
