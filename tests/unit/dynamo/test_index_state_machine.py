"""A state machine: random puts, updates and deletes on a table with a GSI and an LSI,
checked after every step against an in-memory model (Query, Scan, index contents)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

import dynamo

PKS = st.sampled_from(["a", "b", "c"])
SKS = st.integers(-3, 3)
GS = st.one_of(st.none(), st.sampled_from(["g1", "g2"]))
LS = st.one_of(st.none(), st.sampled_from(["l1", "l2", "l3"]))
VALUES = st.integers(0, 9)


class IndexedTable(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.client = dynamo.connect(parameter_validation=False)
        self.client.create_table(
            TableName="model",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "N"},
                {"AttributeName": "g", "AttributeType": "S"},
                {"AttributeName": "l", "AttributeType": "S"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by-g",
                    "KeySchema": [
                        {"AttributeName": "g", "KeyType": "HASH"},
                        {"AttributeName": "sk", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["v"]},
                }
            ],
            LocalSecondaryIndexes=[
                {
                    "IndexName": "by-l",
                    "KeySchema": [
                        {"AttributeName": "pk", "KeyType": "HASH"},
                        {"AttributeName": "l", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                }
            ],
        )
        self.model: dict[tuple[str, int], dict[str, Any]] = {}

    def teardown(self) -> None:
        self.client.close()

    @staticmethod
    def _item(pk: str, sk: int, g: str | None, l_value: str | None, v: int) -> dict[str, Any]:
        item: dict[str, Any] = {
            "pk": {"S": pk},
            "sk": {"N": str(sk)},
            "v": {"N": str(v)},
            "w": {"S": "payload"},
        }
        if g is not None:
            item["g"] = {"S": g}
        if l_value is not None:
            item["l"] = {"S": l_value}
        return item

    @rule(pk=PKS, sk=SKS, g=GS, l_value=LS, v=VALUES)
    def put(self, pk: str, sk: int, g: str | None, l_value: str | None, v: int) -> None:
        item = self._item(pk, sk, g, l_value, v)
        self.client.put_item(TableName="model", Item=item)
        self.model[(pk, sk)] = item

    @rule(pk=PKS, sk=SKS, g=GS, v=VALUES)
    def update(self, pk: str, sk: int, g: str | None, v: int) -> None:
        key = {"pk": {"S": pk}, "sk": {"N": str(sk)}}
        if g is None:
            expression, values = "SET v = :v REMOVE g", {":v": {"N": str(v)}}
        else:
            expression, values = "SET v = :v, g = :g", {":v": {"N": str(v)}, ":g": {"S": g}}
        self.client.update_item(
            TableName="model", Key=key, UpdateExpression=expression, ExpressionAttributeValues=values
        )
        item = dict(self.model.get((pk, sk), key))
        item["v"] = {"N": str(v)}
        if g is None:
            item.pop("g", None)
        else:
            item["g"] = {"S": g}
        self.model[(pk, sk)] = item

    @rule(pk=PKS, sk=SKS)
    def delete(self, pk: str, sk: int) -> None:
        self.client.delete_item(TableName="model", Key={"pk": {"S": pk}, "sk": {"N": str(sk)}})
        self.model.pop((pk, sk), None)

    def _query(self, **params: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        start = None
        while True:
            extra = {"ExclusiveStartKey": start} if start else {}
            page = self.client.query(TableName="model", Limit=2, **params, **extra)
            items += page["Items"]
            start = page.get("LastEvaluatedKey")
            if not start:
                return items

    @invariant()
    def table_queries_match(self) -> None:
        for pk in ("a", "b", "c"):
            got = self._query(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": pk}})
            expected = [self.model[k] for k in sorted(k for k in self.model if k[0] == pk)]
            assert got == expected

    @invariant()
    def gsi_matches(self) -> None:
        for g in ("g1", "g2"):
            got = self._query(
                IndexName="by-g", KeyConditionExpression="g = :g", ExpressionAttributeValues={":g": {"S": g}}
            )
            expected = [
                {n: item[n] for n in ("g", "sk", "pk", "v")}
                for item in self.model.values()
                if item.get("g") == {"S": g}
            ]
            assert sorted(map(repr, got)) == sorted(map(repr, expected))
            assert [Decimal(i["sk"]["N"]) for i in got] == sorted(Decimal(i["sk"]["N"]) for i in got)

    @invariant()
    def lsi_matches(self) -> None:
        for pk in ("a", "b", "c"):
            got = self._query(
                IndexName="by-l",
                KeyConditionExpression="pk = :p",
                ExpressionAttributeValues={":p": {"S": pk}},
            )
            expected = [
                {n: item[n] for n in ("pk", "l", "sk")}
                for (p, _), item in self.model.items()
                if p == pk and "l" in item
            ]
            assert sorted(map(repr, got)) == sorted(map(repr, expected))
            assert [i["l"]["S"] for i in got] == sorted(i["l"]["S"] for i in got)

    @invariant()
    def scan_and_counts_match(self) -> None:
        items = self.client.scan(TableName="model")["Items"]
        assert sorted(map(repr, items)) == sorted(map(repr, self.model.values()))
        table = self.client.describe_table(TableName="model")["Table"]
        assert table["ItemCount"] == len(self.model)
        (gsi,) = table["GlobalSecondaryIndexes"]
        assert gsi["ItemCount"] == sum(1 for item in self.model.values() if "g" in item)


TestIndexedTable = IndexedTable.TestCase
TestIndexedTable.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)
