"""TransactWriteItems: up to 100 Put, Update, Delete and ConditionCheck actions, all or nothing.

DynamoDB sorts a transaction's problems into two kinds (reference 8.2). Problems with the
request as a whole (expressions, unknown tables, empty key values, two actions on one
item, the 4 MB limit) fail it with a plain error. Problems with one action's data cancel
it with ``TransactionCanceledException``: one reason per action, in order.

Everything runs inside one LMDB write transaction, which makes the transaction
serializable against every other write:

1. each action's data is checked on its own (key types, index keys, key paths); the first
   failing action cancels the transaction with ``ValidationError`` and the rest ``None``;
2. every action's condition is evaluated against the stored item and every new item is
   computed, collecting all failures (no short-circuit);
3. only if nothing failed are the items written, index entries and statistics with them,
   and the ClientRequestToken remembered, all in the same commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from dynamo import rmw
from dynamo.attributes import AttributeMapShape
from dynamo.capacity import Capacities, read_units, write_units
from dynamo.engine import Context
from dynamo.errors import DynamoError, validation
from dynamo.expression_params import Expressions, prepare
from dynamo.idempotency import Idempotency
from dynamo.items import check_item_size, check_names
from dynamo.keys import check_index_keys, check_item_key, check_key, check_no_empty_keys
from dynamo.operations import Operation
from dynamo.params import (
    RETURN_ITEM_COLLECTION_METRICS,
    RETURN_VALUES_ON_CONDITION_CHECK_FAILURE,
    data_table_name,
    enum,
    expression_names,
    expression_values,
    return_consumed_capacity,
)
from dynamo.shapes import List, Member, Request, String, Struct
from dynamo.tables import data_table
from dynamo.transactions import Reason, cancelled, check_distinct_targets, only
from dynamo.writes import check_key_paths, collection_metrics_by_table, updated_item
from expressions import CONDITION, UPDATE, compile_condition
from expressions.ast import Update
from expressions.errors import ExpressionError, UpdateError
from storage.catalog import TableDef
from storage.errors import InvalidValue
from storage.store import StoredItem, WriteView
from storage.values import Item, item_size

MAX_ACTIONS: Final = 100
MAX_PAYLOAD: Final = 4 * 1024 * 1024
# The service's wording is unconfirmed; it is known to say "size cannot exceed".
PAYLOAD_TOO_LARGE: Final = "Transaction payload size cannot exceed 4 MB"
NO_ACTION: Final = "Invalid Request: TransactWriteRequest should contain Delete or Put or Update request"
MANY_ACTIONS: Final = "TransactItems can only contain one of Check, Put, Update or Delete"
COLLECTION_TOO_LARGE: Final = "Collection size exceeded."
CHECK, PUT, DELETE, UPDATE_ACTION = "ConditionCheck", "Put", "Delete", "Update"


def _action_shape(name: str, first: dict[str, Member], *, condition_required: bool = False) -> Member:
    members = {
        **first,
        "TableName": data_table_name(nested=True),
        "ConditionExpression": Member(String(), not_null=condition_required),
        "ExpressionAttributeNames": expression_names(),
        "ExpressionAttributeValues": expression_values(),
        "ReturnValuesOnConditionCheckFailure": enum(RETURN_VALUES_ON_CONDITION_CHECK_FAILURE),
    }
    if name == UPDATE_ACTION:  # the model lists UpdateExpression right after Key
        members = {"Key": members.pop("Key"), "UpdateExpression": Member(String(), not_null=True), **members}
    return Member(Struct(name, members))


_KEY = {"Key": Member(AttributeMapShape(), not_null=True)}
REQUEST = Request(
    "TransactWriteItemsInput",
    {
        "TransactItems": Member(
            List(
                Struct(
                    "TransactWriteItem",
                    {
                        CHECK: _action_shape(CHECK, _KEY, condition_required=True),
                        PUT: _action_shape(PUT, {"Item": Member(AttributeMapShape(), not_null=True)}),
                        DELETE: _action_shape(DELETE, _KEY),
                        UPDATE_ACTION: _action_shape(UPDATE_ACTION, _KEY),
                    },
                    value_struct=True,
                ),
                min_len=1,
                max_len=MAX_ACTIONS,
            ),
            required=True,
        ),
        "ReturnConsumedCapacity": return_consumed_capacity(),
        "ReturnItemCollectionMetrics": enum(RETURN_ITEM_COLLECTION_METRICS),
        "ClientRequestToken": Member(String(min_len=1, max_len=36)),
    },
)
_CONDITION_ONLY = Expressions({"ConditionExpression": CONDITION})
_EXPRESSIONS: Final = {
    CHECK: _CONDITION_ONLY,
    PUT: _CONDITION_ONLY,
    DELETE: _CONDITION_ONLY,
    UPDATE_ACTION: Expressions({"UpdateExpression": UPDATE, "ConditionExpression": CONDITION}),
}
# What computing an action's new item may raise: the action's data is invalid.
_DATA_ERRORS = (DynamoError, UpdateError, ExpressionError, InvalidValue)


@dataclass(frozen=True, slots=True)
class _Action:
    """One action of the transaction, checked as far as the request alone allows."""

    kind: str
    params: dict[str, Any]
    condition: Callable[[Item], bool] | None
    update: Update | None
    #: the Put item's size (None for other actions)
    size: int | None

    @classmethod
    def prepare(cls, kind: str, params: dict[str, Any]) -> _Action:
        """Expressions (request-level errors), and the Put item's names and size."""
        prepared = prepare(params, _EXPRESSIONS[kind])
        condition = prepared.condition("ConditionExpression")
        size = None
        if kind == PUT:
            check_names(params["Item"])
            size = check_item_size(params["Item"])
        return cls(
            kind,
            params,
            None if condition is None else compile_condition(condition),
            prepared.update(),
            size,
        )

    @property
    def return_item(self) -> bool:
        return self.params.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"

    @property
    def target(self) -> Item:
        """The item (Put) or key the action addresses, as given: not yet checked."""
        given: Item = self.params["Item"] if self.kind == PUT else self.params["Key"]
        return given

    @property
    def payload_size(self) -> int:
        return self.size if self.size is not None else item_size(self.params["Key"])

    def check(self, table: TableDef) -> Item:
        """Check the action's data against its table, as its single-item call would; the key."""
        if self.kind == PUT:
            item = check_item_key(table.key_schema, self.params["Item"])
            check_index_keys(table, item)
            return table.key_schema.key_of(item)
        key = check_key(table.key_schema, self.params["Key"])
        if self.update is not None:
            check_key_paths(self.update, table)
        return key

    def new_item(self, table: TableDef, key: Item, old: StoredItem | None) -> StoredItem | None:
        """What the action stores (None: nothing); ConditionCheck keeps the old item."""
        if self.kind == PUT:
            assert self.size is not None
            return self.params["Item"], self.size
        if self.kind == UPDATE_ACTION:
            return updated_item(table, self.update, None if old is None else old[0], key)
        return old if self.kind == CHECK else None


def _kind(entry: dict[str, Any]) -> str:
    """The one action an entry holds."""
    if not entry:
        raise validation(NO_ACTION)
    if len(entry) > 1:
        raise validation(MANY_ACTIONS)
    return next(iter(entry))


@dataclass(slots=True)
class _Outcome:
    """One action's effect: the stored item before and after, and what the write did."""

    before: StoredItem | None
    after: StoredItem | None
    change: rmw.Change | None = None


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    entries = req["TransactItems"]
    kinds = [_kind(entry) for entry in entries]
    actions = [_Action.prepare(kind, entry[kind]) for kind, entry in zip(kinds, entries, strict=True)]
    if sum(action.payload_size for action in actions) > MAX_PAYLOAD:
        raise validation(PAYLOAD_TOO_LARGE)
    token = req.get("ClientRequestToken")
    idempotency = None if token is None else Idempotency("TransactWriteItems", ctx.region, token, req)

    def transact(view: WriteView) -> dict[str, Any]:
        now = ctx.clock()  # read under the write lock: the token's ten minutes start at commit
        if idempotency is not None:
            idempotency.check(view, now)
        tables = [data_table(ctx, view, action.params["TableName"]) for action in actions]
        if idempotency is not None and idempotency.replayed(tables):
            return _replay(view, actions, tables, req)
        for action, table in zip(actions, tables, strict=True):
            check_no_empty_keys(table, action.target, index_keys=action.kind == PUT)
        check_distinct_targets(
            [(table, action.target) for action, table in zip(actions, tables, strict=True)]
        )
        keys = []
        for i, (action, table) in enumerate(zip(actions, tables, strict=True)):
            try:
                keys.append(action.check(table))
            except DynamoError as exc:
                raise only(len(actions), i, Reason.validation_error(exc)) from None
        outcomes = _evaluate(view, actions, tables, keys)
        for i, (action, table, key, outcome) in enumerate(zip(actions, tables, keys, outcomes, strict=True)):
            if action.kind == CHECK:
                continue
            try:
                outcome.change = rmw.apply(ctx, view, table, key, rmw.replace_with(outcome.after))
            except DynamoError as exc:
                if exc.code != "ItemCollectionSizeLimitExceededException":
                    raise
                reason = Reason("ItemCollectionSizeLimitExceeded", COLLECTION_TOO_LARGE)
                raise only(len(actions), i, reason) from None
        if idempotency is not None:
            idempotency.remember(view, tables, now)
        return _response(actions, tables, outcomes, req)

    return ctx.store.write(transact, grouped=True)


def _evaluate(
    view: WriteView, actions: list[_Action], tables: list[TableDef], keys: list[Item]
) -> list[_Outcome]:
    """Every condition and every new item; cancel with all the reasons found, if any."""
    reasons: list[Reason | None] = []
    outcomes = []
    for action, table, key in zip(actions, tables, keys, strict=True):
        old = view.get_item(table, key)
        old_item = None if old is None else old[0]
        reason = None
        after = None
        if action.condition is not None and not action.condition(old_item or {}):
            reason = Reason.condition_failed(old_item if action.return_item else None)
        else:
            try:
                after = action.new_item(table, key, old)
            except _DATA_ERRORS as exc:
                reason = Reason.validation_error(exc)
        reasons.append(reason)
        outcomes.append(_Outcome(old, after))
    if any(reasons):
        raise cancelled(reasons)
    return outcomes


def _response(
    actions: list[_Action], tables: list[TableDef], outcomes: list[_Outcome], req: dict[str, Any]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    capacities = Capacities()
    changes: list[tuple[str, rmw.Change]] = []
    for action, table, outcome in zip(actions, tables, outcomes, strict=True):
        capacity = capacities.of(table)
        before = 0 if outcome.before is None else outcome.before[1]
        after = 0 if outcome.after is None else outcome.after[1]
        capacity.units += 2 * write_units(before, after)  # transactional writes cost double
        if outcome.change is not None:
            capacity.add_index_writes(outcome.change.index_writes)  # index arms are not doubled
            changes.append((action.params["TableName"], outcome.change))
    report = capacities.render(req.get("ReturnConsumedCapacity"), "Write")
    if report is not None:
        out["ConsumedCapacity"] = report
    if req.get("ReturnItemCollectionMetrics") == "SIZE":
        metrics = collection_metrics_by_table(changes)
        if metrics:
            out["ItemCollectionMetrics"] = metrics
    return out


def _replay(
    view: WriteView, actions: list[_Action], tables: list[TableDef], req: dict[str, Any]
) -> dict[str, Any]:
    """The answer to a retry of a committed transaction: nothing is written again, and the
    capacity reported is that of reading each item transactionally."""
    out: dict[str, Any] = {}
    capacities = Capacities()
    for action, table in zip(actions, tables, strict=True):
        stored = view.get_item(table, action.check(table))  # valid: it ran on these tables
        size = 0 if stored is None else stored[1]
        capacities.of(table).units += 2 * read_units(size, True)
    report = capacities.render(req.get("ReturnConsumedCapacity"), "Read")
    if report is not None:
        out["ConsumedCapacity"] = report
    return out


OPERATION = Operation("TransactWriteItems", REQUEST, run, writes=True)
