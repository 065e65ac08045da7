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
from collections.abc import Mapping
from decimal import Decimal
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


class BadLine(Exception):
    """A line that cannot be read (its message says why, as DynamoDB's error log would)."""


# -- writing -------------------------------------------------------------------------------


def json_line(item: Item) -> bytes:
    return wire.dumps({"Item": item}) + b"\n"


def _change(micros: int, keys: Item, old: Item | None, new: Item | None) -> dict[str, Any]:
    change: dict[str, Any] = {"Metadata": {"WriteTimestampMicros": micros}, "Keys": keys}
    if old is not None:
        change["OldImage"] = old
    if new is not None:
        change["NewImage"] = new
    return change


def json_change_line(micros: int, keys: Item, old: Item | None, new: Item | None) -> bytes:
    """An incremental export line: ``{"Metadata":{"WriteTimestampMicros":{"N":...}},
    "Keys":{...},"OldImage":{...},"NewImage":{...}}`` (images only when there are)."""
    change = _change(micros, keys, old, new)
    change["Metadata"] = {"WriteTimestampMicros": {"N": str(micros)}}
    return wire.dumps(change) + b"\n"


def ion_change_line(micros: int, keys: Item, old: Item | None, new: Item | None) -> bytes:
    """The same in Ion: images as items are written, the timestamp an Ion integer
    (DynamoDB's Ion form of incremental lines is unconfirmed)."""
    change = _change(micros, keys, old, new)
    for member in ("Keys", "OldImage", "NewImage"):
        if member in change:
            change[member] = {name: _to_ion(v) for name, v in change[member].items()}
    text: str = simpleion.dumps(change, binary=False)
    return text.encode("utf-8") + b"\n"


def _to_ion(value: dict[str, Any]) -> Any:
    ((tag, data),) = value.items()
    if tag == "S" or tag == "B" or tag == "BOOL":
        return data
    if tag == "N":
        return Decimal(data)
    if tag == "NULL":
        return None
    if tag == "M":
        return {name: _to_ion(v) for name, v in data.items()}
    if tag == "L":
        return [_to_ion(v) for v in data]
    members = [Decimal(m) for m in data] if tag == "NS" else list(data)
    return IonPyList.from_value(IonType.LIST, members, (_SET_ANNOTATIONS[tag],))


def ion_line(item: Item) -> bytes:
    """``$ion_1_0 {Item:{...}}``: every line carries the version marker, as DynamoDB's do."""
    text: str = simpleion.dumps({"Item": {name: _to_ion(v) for name, v in item.items()}}, binary=False)
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


def _from_ion(value: Any) -> dict[str, Any]:
    kind = getattr(value, "ion_type", None)
    if kind is None or kind is IonType.NULL or isinstance(value, IonPyNull):
        return {"NULL": True}
    if kind is IonType.BOOL:  # IonPyBool is an int: its type decides, not isinstance
        return {"BOOL": bool(value)}
    if kind in (IonType.STRING, IonType.SYMBOL):
        return {"S": str(value.text if hasattr(value, "text") else value)}
    if kind in (IonType.BLOB, IonType.CLOB):
        return {"B": bytes(value)}
    if kind in (IonType.INT, IonType.FLOAT, IonType.DECIMAL):
        return {"N": str(value)}
    if kind is IonType.STRUCT:
        return {"M": {str(k): _from_ion(v) for k, v in value.items()}}
    if kind in (IonType.LIST, IonType.SEXP):
        annotations = [a.text for a in getattr(value, "ion_annotations", ())]
        tag = _SET_OF_ANNOTATION.get(annotations[0]) if annotations else None
        if tag is None:
            return {"L": [_from_ion(v) for v in value]}
        if tag == "BS":
            return {"BS": [bytes(m) for m in value]}
        return {tag: [str(m) for m in value]}
    raise BadItem(f"Unsupported Ion value: {kind}")


def ion_items(line: bytes) -> list[Any]:
    """The raw ``Item`` structs of an Ion line: ``{Item:{...}}`` values, or a list of them
    (both forms appear in DynamoDB's documentation)."""
    try:
        values = simpleion.loads(line.decode("utf-8"), single_value=False)
    except Exception:  # amazon.ion raises many kinds of errors for bad text
        raise BadLine("The line is not valid Ion text") from None
    found: list[Any] = []
    for value in values:
        if getattr(value, "ion_type", None) is IonType.LIST:
            found.extend(_item_member(v, "a struct") for v in value)
        else:
            found.append(_item_member(value, "a struct"))
    return found


def ion_item(raw: Any) -> Item:
    if not isinstance(raw, Mapping):
        raise BadItem("The item is not a struct")
    return checked({str(k): _from_ion(v) for k, v in raw.items()}, PYTHON)


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
