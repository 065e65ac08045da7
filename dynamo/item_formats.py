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


class BadLine(Exception):
    """A line that is not an item (its message says why, as DynamoDB's error log would)."""


# -- writing -------------------------------------------------------------------------------


def json_line(item: Item) -> bytes:
    return wire.dumps({"Item": item}) + b"\n"


def json_line_of(document: dict[str, Any]) -> bytes:
    """Any DynamoDB JSON document (incremental exports) as one line."""
    return wire.dumps(document) + b"\n"


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


def checked(raw: Any, mode: str) -> Item:
    """An item from its DynamoDB JSON form, checked as PutItem checks an Item."""
    if not isinstance(raw, dict):
        raise BadLine("The item is not a map of attribute values")
    errors = Errors()
    try:
        item: Item = _ITEM_SHAPE.load(raw, "item", errors, mode)
    except DynamoError as exc:
        raise BadLine(exc.message or exc.code) from None
    if errors.semantic is not None:
        raise BadLine(errors.semantic.message or "Invalid attribute value")
    return item


def from_json_line(line: bytes) -> Item:
    try:
        document = orjson.loads(line)
    except orjson.JSONDecodeError:
        raise BadLine("Unexpected token in the line: it is not JSON") from None
    if not isinstance(document, dict) or set(document) != {"Item"}:
        raise BadLine('The line is not an object with the single member "Item"')
    return checked(document["Item"], JSON)


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
    raise BadLine(f"Unsupported Ion value: {kind}")


def from_ion_line(line: bytes) -> Item:
    try:
        document = simpleion.loads(line.decode("utf-8"))
    except Exception:  # amazon.ion raises many kinds of errors for bad text
        raise BadLine("The line is not valid Ion text") from None
    if (
        not isinstance(document, Mapping)
        or list(document) != ["Item"]
        or not isinstance(document["Item"], Mapping)
    ):
        raise BadLine("The line is not a struct with the single field Item")
    return checked({str(k): _from_ion(v) for k, v in document["Item"].items()}, PYTHON)


def from_csv_row(header: list[str], row: list[str], types: dict[str, str]) -> Item:
    """A CSV row: key columns (``types``: the table's and its GSIs' key attributes) get
    their declared type, every other column is a string; empty cells are left out."""
    if len(row) != len(header):
        raise BadLine(f"The row has {len(row)} columns, the header {len(header)}")
    raw: dict[str, Any] = {}
    for name, cell in zip(header, row, strict=True):
        if cell == "":
            continue
        kind = types.get(name, "S")
        raw[name] = {kind: cell}
    return checked(raw, PYTHON)
