"""PartiQL (ExecuteStatement, BatchExecuteStatement, ExecuteTransaction) beside the
expression requests each statement stands for: same items, same errors, same capacity."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers import create_gsi_table, create_table, raises, unique

S = {"S": "x"}


def n(value: int) -> dict[str, str]:
    return {"N": str(value)}


@pytest.fixture(scope="module")
def hr(client: Any) -> Iterator[str]:
    """pk S / sk N, with a partition "p" of sk 0..9 (v = "v<sk>", odd sk have "odd")."""
    name = create_table(client, range_key=("sk", "N"))
    for i in range(10):
        item = {"pk": {"S": "p"}, "sk": n(i), "v": {"S": f"v{i}"}}
        if i % 2:
            item["odd"] = {"BOOL": True}
        client.put_item(TableName=name, Item=item)
    client.put_item(TableName=name, Item={"pk": {"S": "q"}, "sk": n(0), "v": {"S": "q0"}})
    yield name
    client.delete_table(TableName=name)


@pytest.fixture(scope="module")
def gsi(client: Any) -> Iterator[str]:
    name = create_gsi_table(client)
    for i in range(4):
        client.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}, "g": {"S": "G" if i < 3 else "H"}})
    yield name
    client.delete_table(TableName=name)


def run(client: Any, statement: str, *params: dict[str, Any], **extra: Any) -> Any:
    if params:
        extra["Parameters"] = list(params)
    return client.execute_statement(Statement=statement, **extra)


def by_key(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: (item["pk"]["S"], item.get("sk", {"N": "0"})["N"]))


# -- SELECT ---------------------------------------------------------------------------------


def test_select_key_condition_is_query(client: Any, hr: str) -> None:
    # WHERE pk = ? AND sk > ? returns what Query with that KeyConditionExpression returns, at its cost.
    got = run(
        client,
        f'SELECT * FROM "{hr}" WHERE pk = ? AND sk > ?',
        {"S": "p"},
        n(6),
        ReturnConsumedCapacity="TOTAL",
    )
    want = client.query(
        TableName=hr,
        KeyConditionExpression="pk = :p AND sk > :s",
        ExpressionAttributeValues={":p": {"S": "p"}, ":s": n(6)},
        ReturnConsumedCapacity="TOTAL",
    )
    assert got["Items"] == want["Items"] and len(got["Items"]) == 3
    assert got["ConsumedCapacity"] == want["ConsumedCapacity"]
    assert "NextToken" not in got


def test_select_filter_projection_and_order(client: Any, hr: str) -> None:
    # Non-key predicates filter, projections project, ORDER BY sk DESC reverses: as Query does.
    got = run(
        client,
        f"SELECT v, sk FROM \"{hr}\" WHERE pk = 'p' AND sk BETWEEN 2 AND 7 AND odd = true ORDER BY sk DESC",
    )
    want = client.query(
        TableName=hr,
        KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
        FilterExpression="odd = :t",
        ProjectionExpression="v, sk",
        ScanIndexForward=False,
        ExpressionAttributeValues={":p": {"S": "p"}, ":a": n(2), ":b": n(7), ":t": {"BOOL": True}},
    )
    assert got["Items"] == want["Items"] == [{"v": {"S": f"v{i}"}, "sk": n(i)} for i in (7, 5, 3)]


def test_select_predicates_on_key_attributes(client: Any, hr: str) -> None:
    # Unlike a FilterExpression, WHERE may hold further sort-key predicates and begins_with.
    got = run(client, f"SELECT sk FROM \"{hr}\" WHERE pk = 'p' AND sk >= 3 AND sk <> 4 AND sk < 6")
    assert got["Items"] == [{"sk": n(3)}, {"sk": n(5)}]
    got = run(client, f"SELECT v FROM \"{hr}\" WHERE pk = 'p' AND begins_with(v, 'v1')")
    assert got["Items"] == [{"v": {"S": "v1"}}]


def test_select_without_partition_key_is_scan(client: Any, hr: str) -> None:
    # Without pk = ..., SELECT is a Scan with the WHERE clause as filter, at the Scan's cost.
    got = run(
        client,
        f"SELECT * FROM \"{hr}\" WHERE v IN ['v1', 'q0'] OR size(v) > 5",
        ReturnConsumedCapacity="TOTAL",
    )
    want = client.scan(
        TableName=hr,
        FilterExpression="v IN (:a, :b) OR size(v) > :five",
        ExpressionAttributeValues={":a": {"S": "v1"}, ":b": {"S": "q0"}, ":five": n(5)},
        ReturnConsumedCapacity="TOTAL",
    )
    assert by_key(got["Items"]) == by_key(want["Items"]) and len(got["Items"]) == 2
    assert got["ConsumedCapacity"] == want["ConsumedCapacity"]


def test_select_partition_in_list_is_several_queries(client: Any, hr: str) -> None:
    # pk IN [...] (or pk = a OR pk = b) reads each partition; capacity is the sum of the Queries.
    got = run(
        client, f"SELECT * FROM \"{hr}\" WHERE pk IN ['q', 'p'] AND sk = 0", ReturnConsumedCapacity="TOTAL"
    )
    assert got["Items"] == [
        {"pk": {"S": "q"}, "sk": n(0), "v": {"S": "q0"}},
        {"pk": {"S": "p"}, "sk": n(0), "v": {"S": "v0"}},
    ]
    assert got["ConsumedCapacity"] == {"TableName": hr, "CapacityUnits": 1.0}
    also = run(client, f"SELECT * FROM \"{hr}\" WHERE (pk = 'q' OR pk = 'p') AND sk = 0")
    assert also["Items"] == got["Items"]


def test_select_is_missing_and_null(client: Any, hr: str) -> None:
    # IS MISSING is attribute_not_exists; IS NOT MISSING attribute_exists.
    got = run(client, f"SELECT sk FROM \"{hr}\" WHERE pk = 'p' AND odd IS MISSING AND sk < 4")
    assert got["Items"] == [{"sk": n(0)}, {"sk": n(2)}]
    got = run(client, f"SELECT sk FROM \"{hr}\" WHERE pk = 'p' AND odd IS NOT MISSING AND sk < 4")
    assert got["Items"] == [{"sk": n(1)}, {"sk": n(3)}]
    assert run(client, f"SELECT sk FROM \"{hr}\" WHERE pk = 'p' AND odd IS NULL")["Items"] == []


def test_pagination_with_limit_and_next_token(client: Any, hr: str) -> None:
    # Limit counts items evaluated (like Query's Limit); NextToken continues where the page stopped.
    statement = f"SELECT sk FROM \"{hr}\" WHERE pk = 'p' AND odd = true"
    pages, token = [], None
    while True:
        extra = {"NextToken": token} if token else {}
        page = run(client, statement, Limit=4, **extra)
        pages.append(page["Items"])
        token = page.get("NextToken")
        if token is None:
            break
    assert pages[0] == [{"sk": n(1)}, {"sk": n(3)}]
    assert [item for page in pages for item in page] == [{"sk": n(i)} for i in (1, 3, 5, 7, 9)]
    first = run(client, statement, Limit=4)
    with raises("ValidationException", "NextToken does not match request"):
        run(client, f"SELECT * FROM \"{hr}\" WHERE pk = 'p'", Limit=4, NextToken=first["NextToken"])
    with raises("ValidationException", "Invalid NextToken"):
        run(client, statement, NextToken="not a token")


def test_pagination_over_several_partitions(client: Any, hr: str) -> None:
    # With pk IN [...], pages continue across partitions.
    statement = f"SELECT sk FROM \"{hr}\" WHERE pk IN ['q', 'p'] AND sk < 2"
    first = run(client, statement, Limit=1)
    assert first["Items"] == [{"sk": n(0)}] and "NextToken" in first
    rest = []
    token = first["NextToken"]
    while token:
        page = run(client, statement, Limit=1, NextToken=token)
        rest.extend(page["Items"])
        token = page.get("NextToken")
    assert rest == [{"sk": n(0)}, {"sk": n(1)}]


def test_index_read(client: Any, gsi: str) -> None:
    # "Table"."Index" reads the index like Query with IndexName; strongly consistent GSI reads are refused.
    got = run(
        client, f'SELECT pk FROM "{gsi}"."gsi" WHERE g = ?', {"S": "G"}, ReturnConsumedCapacity="INDEXES"
    )
    want = client.query(
        TableName=gsi,
        IndexName="gsi",
        KeyConditionExpression="g = :g",
        ProjectionExpression="pk",
        ExpressionAttributeValues={":g": {"S": "G"}},
        ReturnConsumedCapacity="INDEXES",
    )
    assert got["Items"] == want["Items"] and len(got["Items"]) == 3
    assert got["ConsumedCapacity"] == want["ConsumedCapacity"]
    with raises(
        "ValidationException", "Strongly consistent read is not supported on Global Secondary Indexes"
    ):
        run(client, f'SELECT * FROM "{gsi}"."gsi" WHERE g = \'G\'', ConsistentRead=True)
    with raises("ValidationException", "The table does not have the specified index: nope"):
        run(client, f'SELECT * FROM "{gsi}"."nope"')
    with raises("ValidationException", "This operation is not supported on an index"):
        run(client, f'DELETE FROM "{gsi}"."gsi" WHERE pk = \'k0\'')


# -- writes ---------------------------------------------------------------------------------


def test_insert_is_conditional_put(client: Any, table: str) -> None:
    # INSERT stores the item as PutItem does, at the same cost, and refuses an existing key.
    a, b = unique(), unique()
    item = {
        "n": n(12),
        "s": {"SS": ["x", "y"]},
        "l": {"L": [{"BOOL": True}, {"NULL": True}]},
        "m": {"M": {"k": S}},
    }
    got = run(
        client,
        f"INSERT INTO \"{table}\" VALUE {{'pk': ?, 'n': 1.2e1, 's': <<'x', 'y'>>, 'l': [true, NULL], 'm': {{'k': 'x'}}}}",
        {"S": a},
        ReturnConsumedCapacity="TOTAL",
    )
    want = client.put_item(TableName=table, Item={"pk": {"S": b}, **item}, ReturnConsumedCapacity="TOTAL")
    assert got["Items"] == []
    assert got["ConsumedCapacity"] == want["ConsumedCapacity"]
    assert client.get_item(TableName=table, Key={"pk": {"S": a}})["Item"] == {"pk": {"S": a}, **item}
    with raises("DuplicateItemException", "Duplicate primary key exists in table"):
        run(client, f"INSERT INTO \"{table}\" VALUE {{'pk': '{a}'}}")
    with raises("ValidationException", "Key attribute should be present in the item: Key pk"):
        run(client, f"INSERT INTO \"{table}\" VALUE {{'x': 'a'}}")


def test_update_is_update_item_on_existing_item(client: Any, table: str) -> None:
    # UPDATE applies SET/REMOVE like UpdateItem; RETURNING ALL NEW * answers what ReturnValues ALL_NEW does.
    a, b = unique(), unique()
    start = {"n": n(1), "l": {"L": [n(1)]}, "s": {"SS": ["a"]}, "gone": S}
    for key in (a, b):
        client.put_item(TableName=table, Item={"pk": {"S": key}, **start})
    got = run(
        client,
        f"UPDATE \"{table}\" SET n = n + 2 SET l = list_append(l, [2]), s = set_add(s, <<'b'>>) "
        "REMOVE gone WHERE pk = ? RETURNING ALL NEW *",
        {"S": a},
        ReturnConsumedCapacity="TOTAL",
    )
    want = client.update_item(
        TableName=table,
        Key={"pk": {"S": b}},
        UpdateExpression="SET n = n + :two, l = list_append(l, :l) ADD s :s REMOVE gone",
        ExpressionAttributeValues={":two": n(2), ":l": {"L": [n(2)]}, ":s": {"SS": ["b"]}},
        ReturnValues="ALL_NEW",
        ReturnConsumedCapacity="TOTAL",
    )
    assert got["Items"] == [{**want["Attributes"], "pk": {"S": a}}]
    assert got["ConsumedCapacity"] == want["ConsumedCapacity"]
    old = run(client, f"UPDATE \"{table}\" SET n = 9 WHERE pk = '{a}' RETURNING MODIFIED OLD *")
    assert old["Items"] == [{"n": n(3)}]
    assert run(client, f"UPDATE \"{table}\" SET n = 10 WHERE pk = '{a}'")["Items"] == []


def test_update_missing_item_or_false_condition_fails(client: Any, table: str) -> None:
    # UPDATE is not an upsert: a missing item, or a false extra predicate, fails the condition.
    with raises("ConditionalCheckFailedException", "The conditional request failed"):
        run(client, f"UPDATE \"{table}\" SET a = 1 WHERE pk = '{unique()}'")
    a = unique()
    client.put_item(TableName=table, Item={"pk": {"S": a}, "a": n(1)})
    with raises("ConditionalCheckFailedException", "The conditional request failed") as info:
        run(
            client,
            f"UPDATE \"{table}\" SET a = 2 WHERE pk = '{a}' AND a = 5",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert info.value.response["Item"] == {"pk": {"S": a}, "a": n(1)}
    with raises(
        "ValidationException", "Where clause does not contain a mandatory equality on all key attributes"
    ):
        run(client, f'UPDATE "{table}" SET a = 2 WHERE a = 1')


def test_delete_returning_all_old(client: Any, table: str) -> None:
    # DELETE ... RETURNING ALL OLD * answers DeleteItem's ALL_OLD; a missing item is success.
    a, b = unique(), unique()
    for key in (a, b):
        client.put_item(TableName=table, Item={"pk": {"S": key}, "v": S})
    got = run(
        client,
        f'DELETE FROM "{table}" WHERE pk = ? RETURNING ALL OLD *',
        {"S": a},
        ReturnConsumedCapacity="TOTAL",
    )
    want = client.delete_item(
        TableName=table, Key={"pk": {"S": b}}, ReturnValues="ALL_OLD", ReturnConsumedCapacity="TOTAL"
    )
    assert got["Items"] == [{**want["Attributes"], "pk": {"S": a}}]
    assert got["ConsumedCapacity"] == want["ConsumedCapacity"]
    assert "Item" not in client.get_item(TableName=table, Key={"pk": {"S": a}})
    assert run(client, f"DELETE FROM \"{table}\" WHERE pk = '{a}' RETURNING ALL OLD *")["Items"] == []
    client.put_item(TableName=table, Item={"pk": {"S": a}, "v": S})
    with raises("ConditionalCheckFailedException", "The conditional request failed"):
        run(client, f"DELETE FROM \"{table}\" WHERE pk = '{a}' AND v = 'other'")


def test_statement_errors(client: Any, table: str) -> None:
    # Parameter counts, unknown tables, EXISTS outside transactions and bad Limits are refused.
    with raises("ValidationException", "Number of parameters in request and statement don't match."):
        run(client, f'SELECT * FROM "{table}" WHERE pk = ?')
    with raises("ResourceNotFoundException", "Requested resource not found"):
        run(client, f'SELECT * FROM "{unique()}"')
    with raises("ValidationException", "EXISTS can only be used in ExecuteTransaction write requests."):
        run(client, f"EXISTS(SELECT * FROM \"{table}\" WHERE pk = 'a')")
    with raises(
        "ValidationException", "Statement wasn't well formed, can't be processed: Expected data manipulation"
    ):
        run(client, "DROP TABLE x")
    with raises("ValidationException", "MISSING must be compared using IS operator"):
        run(client, f'SELECT * FROM "{table}" WHERE a = MISSING')
    with raises(
        "ValidationException",
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1",
    ):
        run(client, f'SELECT * FROM "{table}"', Limit=0)


# -- ExecuteTransaction ---------------------------------------------------------------------


def tx(statement: str, *params: dict[str, Any]) -> dict[str, Any]:
    return {"Statement": statement, "Parameters": list(params)} if params else {"Statement": statement}


def test_transaction_writes_all_or_nothing(client: Any, table: str) -> None:
    # A failing statement cancels every write, with one reason per statement (DuplicateItem for INSERT).
    a, b, c, d = unique(), unique(), unique(), unique()
    client.put_item(TableName=table, Item={"pk": {"S": b}, "n": n(1)})
    client.put_item(TableName=table, Item={"pk": {"S": d}})
    statements = [
        tx(f"INSERT INTO \"{table}\" VALUE {{'pk': '{a}'}}"),
        tx(f'UPDATE "{table}" SET n = n + 1 WHERE pk = ? AND n = 5', {"S": b}),
        tx(f"INSERT INTO \"{table}\" VALUE {{'pk': '{d}'}}"),
    ]
    with raises("TransactionCanceledException") as info:
        client.execute_transaction(TransactStatements=statements)
    assert info.value.response["CancellationReasons"] == [
        {"Code": "None"},
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"},
        {"Code": "DuplicateItem", "Message": "Duplicate primary key exists in table"},
    ]
    assert "Item" not in client.get_item(TableName=table, Key={"pk": {"S": a}})
    ok = [
        tx(f"INSERT INTO \"{table}\" VALUE {{'pk': '{a}'}}"),
        tx(f'UPDATE "{table}" SET n = n + 1 WHERE pk = ?', {"S": b}),
        tx(f"DELETE FROM \"{table}\" WHERE pk = '{c}'"),
    ]
    got = client.execute_transaction(TransactStatements=ok, ReturnConsumedCapacity="TOTAL")
    assert got["ConsumedCapacity"] == [{"TableName": table, "CapacityUnits": 6.0, "WriteCapacityUnits": 6.0}]
    assert client.get_item(TableName=table, Key={"pk": {"S": b}})["Item"]["n"] == n(2)


def test_transaction_cancels_on_exists(client: Any, table: str) -> None:
    # EXISTS is a ConditionCheck: a missing item cancels the transaction.
    a = unique()
    statements = [
        tx(f"INSERT INTO \"{table}\" VALUE {{'pk': '{a}'}}"),
        tx(f"EXISTS(SELECT * FROM \"{table}\" WHERE pk = '{unique()}')"),
    ]
    with raises("TransactionCanceledException") as info:
        client.execute_transaction(TransactStatements=statements)
    assert [r["Code"] for r in info.value.response["CancellationReasons"]] == [
        "None",
        "ConditionalCheckFailed",
    ]
    assert "Item" not in client.get_item(TableName=table, Key={"pk": {"S": a}})


def test_transaction_reads(client: Any, table: str) -> None:
    # SELECTs by full key read one snapshot, like TransactGetItems, at its cost.
    a = unique()
    client.put_item(TableName=table, Item={"pk": {"S": a}, "v": S, "w": S})
    got = client.execute_transaction(
        TransactStatements=[
            tx(f'SELECT v FROM "{table}" WHERE pk = ?', {"S": a}),
            tx(f"SELECT * FROM \"{table}\" WHERE pk = '{unique()}'"),
        ],
        ReturnConsumedCapacity="TOTAL",
    )
    want = client.transact_get_items(
        TransactItems=[
            {"Get": {"TableName": table, "Key": {"pk": {"S": a}}, "ProjectionExpression": "v"}},
            {"Get": {"TableName": table, "Key": {"pk": {"S": unique()}}}},
        ],
        ReturnConsumedCapacity="TOTAL",
    )
    assert got["Responses"] == want["Responses"] == [{"Item": {"v": S}}, {}]
    assert got["ConsumedCapacity"] == want["ConsumedCapacity"]


def test_transaction_errors(client: Any, table: str, gsi: str) -> None:
    # Mixing reads and writes, RETURNING, index reads and partial keys are refused with DynamoDB's texts.
    read = tx(f"SELECT * FROM \"{table}\" WHERE pk = 'a'")
    write = tx(f"DELETE FROM \"{table}\" WHERE pk = 'b'")
    with raises(
        "ValidationException",
        "ExecuteTransaction API does not support both read and write operations in the same request.",
    ):
        client.execute_transaction(TransactStatements=[read, write])
    with raises(
        "ValidationException",
        "Validation failed in TransactStatements[1]: RETURNING clause is not supported in ExecuteTransaction.",
    ):
        client.execute_transaction(
            TransactStatements=[write, tx(f"DELETE FROM \"{table}\" WHERE pk = 'c' RETURNING ALL OLD *")]
        )
    with raises(
        "ValidationException",
        "Validation failed in TransactStatements[0]: Reads on indices are not supported within transactions.",
    ):
        client.execute_transaction(TransactStatements=[tx(f'SELECT * FROM "{gsi}"."gsi" WHERE g = \'G\'')])
    with raises(
        "ValidationException",
        "Select statements within ExecuteTransaction must specify the primary key in the where clause.",
    ):
        client.execute_transaction(TransactStatements=[tx(f"SELECT * FROM \"{table}\" WHERE v = 'a'")])
    with raises("ValidationException", "Transaction request cannot include multiple operations on one item"):
        client.execute_transaction(TransactStatements=[write, write])


# -- BatchExecuteStatement ------------------------------------------------------------------


def test_batch_reads_with_per_statement_errors(client: Any, table: str) -> None:
    # Each statement answers in order; a bad one reports Error in its own entry, at BatchGetItem's cost.
    a = unique()
    client.put_item(TableName=table, Item={"pk": {"S": a}, "v": S})
    got = client.batch_execute_statement(
        Statements=[
            tx(f'SELECT v FROM "{table}" WHERE pk = ?', {"S": a}),
            tx(f"SELECT * FROM \"{table}\" WHERE v = 'x'"),
            tx("SELEKT *"),
            tx(f"SELECT * FROM \"{table}\" WHERE pk = '{unique()}'"),
        ],
        ReturnConsumedCapacity="TOTAL",
    )
    want = client.batch_get_item(
        RequestItems={table: {"Keys": [{"pk": {"S": a}}, {"pk": {"S": unique()}}]}},
        ReturnConsumedCapacity="TOTAL",
    )
    assert got["Responses"] == [
        {"TableName": table, "Item": {"v": S}},
        {
            "Error": {
                "Code": "ValidationError",
                "Message": "Select statements within BatchExecuteStatement must specify the primary key in the where clause.",
            }
        },
        {
            "Error": {
                "Code": "ValidationError",
                "Message": "Statement wasn't well formed, can't be processed: Expected data manipulation",
            }
        },
        {"TableName": table},
    ]
    assert got["ConsumedCapacity"] == want["ConsumedCapacity"]


def test_batch_writes_each_on_its_own(client: Any, table: str) -> None:
    # Writes succeed or fail one by one: a duplicate INSERT fails alone.
    a, b, c = unique(), unique(), unique()
    client.put_item(TableName=table, Item={"pk": {"S": a}})
    got = client.batch_execute_statement(
        Statements=[
            tx(f"INSERT INTO \"{table}\" VALUE {{'pk': '{a}'}}"),
            tx(f"INSERT INTO \"{table}\" VALUE {{'pk': '{b}'}}"),
            tx(f"UPDATE \"{table}\" SET v = 1 WHERE pk = '{c}'"),
        ]
    )
    assert got["Responses"] == [
        {"Error": {"Code": "DuplicateItem", "Message": "Duplicate primary key exists in table"}},
        {"TableName": table},
        {"Error": {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}},
    ]
    assert "Item" in client.get_item(TableName=table, Key={"pk": {"S": b}})


def test_batch_errors(client: Any, table: str) -> None:
    # Reads and writes may not share a batch; the list holds 1 to 25 statements.
    read = tx(f"SELECT * FROM \"{table}\" WHERE pk = 'a'")
    write = tx(f"DELETE FROM \"{table}\" WHERE pk = 'b'")
    with raises(
        "ValidationException", "Read and write requests together in the same batch is not supported."
    ):
        client.batch_execute_statement(Statements=[read, write])
    with raises(
        "ValidationException",
        "1 validation error detected: Value '[]' at 'statements' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1",
    ):
        client.batch_execute_statement(Statements=[])
    with raises("ValidationException", startswith="1 validation error detected: Value '["):
        client.batch_execute_statement(Statements=[read] * 26)


def test_partitions_once_each_and_in_key_order(client: Any, hr: str) -> None:
    # A partition named twice is read once; ORDER BY orders across partitions as within them.
    twice = run(client, f"SELECT sk FROM \"{hr}\" WHERE pk IN ['q', 'q']")
    assert twice["Items"] == [{"sk": n(0)}]
    ascending = run(client, f"SELECT pk, sk FROM \"{hr}\" WHERE pk IN ['q', 'p'] ORDER BY pk")
    assert [item["pk"]["S"] for item in ascending["Items"]] == ["p"] * 10 + ["q"]
    descending = run(client, f"SELECT pk, sk FROM \"{hr}\" WHERE pk = 'p' OR pk = 'q' ORDER BY pk DESC")
    assert [item["pk"]["S"] for item in descending["Items"]] == ["q"] + ["p"] * 10
    assert [item["sk"]["N"] for item in descending["Items"][1:]] == [str(i) for i in range(9, -1, -1)]


def test_deeply_nested_statements_are_refused_not_crashed(client: Any, hr: str, table: str) -> None:
    # Nesting no real statement needs is a ValidationException (never an internal error),
    # and in a batch it is that statement's own error.
    nested = f'SELECT * FROM "{hr}" WHERE ' + "(" * 600 + "pk = 'p'" + ")" * 600
    with raises("ValidationException"):
        run(client, nested)
    long_sum = f'UPDATE "{table}" SET x = 1' + " + 1" * 1000 + " WHERE pk = 'a'"
    with raises("ValidationException"):
        run(client, long_sum)
    batch = client.batch_execute_statement(
        Statements=[{"Statement": nested}, {"Statement": f"SELECT * FROM \"{hr}\" WHERE pk = 'q' AND sk = 0"}]
    )
    assert batch["Responses"][0]["Error"]["Code"] == "ValidationError"
    assert batch["Responses"][1]["Item"]["v"] == {"S": "q0"}


def test_a_page_over_several_partitions_stops_at_1_mb(client: Any) -> None:
    # An IN list's partitions share one page's 1 MB: the rest comes with the NextToken, none lost.
    table = create_table(client, range_key=("sk", "N"))
    big = "x" * 300_000
    for p in ("a", "b", "c", "d", "e"):
        client.put_item(TableName=table, Item={"pk": {"S": p}, "sk": n(0), "v": {"S": big}})
    statement = f"SELECT pk FROM \"{table}\" WHERE pk IN ['a', 'b', 'c', 'd', 'e']"
    first = run(client, statement)
    assert 0 < len(first["Items"]) < 5 and "NextToken" in first
    seen = [item["pk"]["S"] for item in first["Items"]]
    token = first["NextToken"]
    while token:
        page = run(client, statement, NextToken=token)
        seen += [item["pk"]["S"] for item in page["Items"]]
        token = page.get("NextToken")
    assert sorted(seen) == ["a", "b", "c", "d", "e"]
    client.delete_table(TableName=table)


def test_order_by_both_keys(client: Any, hr: str) -> None:
    # ORDER BY may name the partition key and the sort key, each with its own direction.
    got = run(client, f"SELECT pk, sk FROM \"{hr}\" WHERE pk IN ['p', 'q'] ORDER BY pk DESC, sk ASC")
    assert [(item["pk"]["S"], int(item["sk"]["N"])) for item in got["Items"]] == [("q", 0)] + [
        ("p", i) for i in range(10)
    ]
