"""ORMs and boto3's resource layer, unchanged, against the server (issue 11).

PynamoDB (a model with a GSI, conditional saves, update actions, batch writes, queries)
and ``boto3.resource("dynamodb")`` (conditions from ``boto3.dynamodb.conditions``, the
batch writer, and the legacy parameters the resource layer still passes through).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Attr, Key
from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.exceptions import PutError, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from tests.helpers import unique

CREDENTIALS = {"aws_access_key_id": "AKIDTEST", "aws_secret_access_key": "secret"}


def _model(url: str) -> type[Model]:
    class ByOwner(GlobalSecondaryIndex["Order"]):
        class Meta:
            index_name = "by-owner"
            projection = AllProjection()

        owner = UnicodeAttribute(hash_key=True)
        total = NumberAttribute(range_key=True)

    class Order(Model):
        class Meta:
            table_name = unique("orm")
            host = url
            region = "us-east-1"
            aws_access_key_id = CREDENTIALS["aws_access_key_id"]
            aws_secret_access_key = CREDENTIALS["aws_secret_access_key"]

        order_id = UnicodeAttribute(hash_key=True)
        owner = UnicodeAttribute()
        total = NumberAttribute(default=0)
        tags = UnicodeSetAttribute(null=True)
        by_owner = ByOwner()

    return Order


@pytest.fixture(scope="module")
def order_model(server_url: str) -> Iterator[type[Model]]:
    model = _model(server_url)
    model.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
    yield model
    model.delete_table()


def test_pynamodb_model_round_trip(order_model: Any) -> None:
    # PynamoDB saves, reads, conditionally saves, updates, batch-writes and queries a GSI.
    Order = order_model
    Order(order_id="o1", owner="ann", total=10, tags={"new"}).save()
    with pytest.raises(PutError) as failed:
        Order(order_id="o1", owner="bob").save(condition=Order.order_id.does_not_exist())
    assert failed.value.cause_response_code == "ConditionalCheckFailedException"
    order = Order.get("o1")
    assert (order.owner, order.total, order.tags) == ("ann", 10, {"new"})
    order.update(actions=[Order.total.add(5), Order.tags.add({"paid"})])
    assert Order.get("o1").total == 15 and Order.get("o1").tags == {"new", "paid"}
    with pytest.raises(UpdateError):
        order.update(actions=[Order.total.set(1)], condition=Order.owner == "bob")
    with Order.batch_write() as batch:
        for i in range(30):  # more than one BatchWriteItem of 25
            batch.save(Order(order_id=f"b{i}", owner="bob", total=i))
    assert Order.count() == 31
    bobs = list(Order.by_owner.query("bob", Order.total >= 25))
    assert [o.total for o in bobs] == [25, 26, 27, 28, 29]
    assert sorted(o.order_id for o in Order.scan(Order.total > 27)) == ["b28", "b29"]
    Order.get("b0").delete(condition=Order.owner == "bob")
    assert Order.count() == 30


@pytest.fixture(scope="module")
def resource_table(server_url: str) -> Iterator[Any]:
    resource = boto3.resource("dynamodb", endpoint_url=server_url, region_name="us-east-1", **CREDENTIALS)
    table = resource.create_table(
        TableName=unique("res"),
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    table.wait_until_exists()
    yield table
    table.delete()


def test_boto3_resource_layer(resource_table: Any) -> None:
    # The resource layer's conditions, batch writer and legacy parameters all work.
    table = resource_table
    with table.batch_writer() as batch:
        for i in range(40):
            batch.put_item(Item={"pk": "p", "sk": i, "n": Decimal(i), "s": f"v{i}"})
    found = table.query(KeyConditionExpression=Key("pk").eq("p") & Key("sk").between(5, 7))["Items"]
    assert [item["sk"] for item in found] == [5, 6, 7]
    table.put_item(Item={"pk": "p", "sk": 100}, ConditionExpression=Attr("pk").not_exists())
    with pytest.raises(table.meta.client.exceptions.ConditionalCheckFailedException):
        table.put_item(Item={"pk": "p", "sk": 100}, ConditionExpression=Attr("pk").not_exists())
    table.update_item(Key={"pk": "p", "sk": 1}, AttributeUpdates={"n": {"Action": "ADD", "Value": 10}})
    assert table.get_item(Key={"pk": "p", "sk": 1}, AttributesToGet=["n"])["Item"] == {"n": Decimal(11)}
    legacy = table.scan(ScanFilter={"n": {"ComparisonOperator": "GT", "AttributeValueList": [Decimal(37)]}})
    assert sorted(item["sk"] for item in legacy["Items"]) == [38, 39]
    kept = table.query(
        KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": ["p"]}},
        QueryFilter={"s": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": ["v3"]}},
    )
    assert sorted(item["sk"] for item in kept["Items"]) == [3, *range(30, 40)]
    table.delete_item(Key={"pk": "p", "sk": 100}, Expected={"pk": {"Value": "p"}})
    assert "Item" not in table.get_item(Key={"pk": "p", "sk": 100})
