"""CreateTable: validation messages, defaults and the returned TableDescription."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests.helpers import create_table, raises, unique

OOMPVWI = "One or more parameter values were invalid: "
HASH = [{"AttributeName": "pk", "KeyType": "HASH"}]
DEFS = [{"AttributeName": "pk", "AttributeType": "S"}]


def _create(client: Any, **kwargs: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "TableName": unique(),
        "KeySchema": HASH,
        "AttributeDefinitions": DEFS,
        "BillingMode": "PAY_PER_REQUEST",
    }
    params.update(kwargs)
    return dict(client.create_table(**params))


def test_create_returns_creating_description(client: Any) -> None:
    # CreateTable answers with TableStatus CREATING and a full on-demand description.
    name = unique()
    desc = _create(client, TableName=name)["TableDescription"]
    assert desc["TableName"] == name
    assert desc["TableStatus"] == "CREATING"
    assert desc["KeySchema"] == HASH
    assert desc["AttributeDefinitions"] == DEFS
    assert desc["ProvisionedThroughput"] == {
        "NumberOfDecreasesToday": 0,
        "ReadCapacityUnits": 0,
        "WriteCapacityUnits": 0,
    }
    assert desc["BillingModeSummary"] == {"BillingMode": "PAY_PER_REQUEST"}
    assert desc["ItemCount"] == 0 and desc["TableSizeBytes"] == 0
    assert desc["TableArn"].startswith("arn:aws:dynamodb:us-east-1:") and desc["TableArn"].endswith(
        f":table/{name}"
    )
    assert len(desc["TableId"]) == 36
    assert desc["DeletionProtectionEnabled"] is False
    assert isinstance(desc["CreationDateTime"], datetime)
    assert "WarmThroughput" not in desc


def test_provisioned_table_has_no_billing_summary(client: Any) -> None:
    # A PROVISIONED table reports its capacity and no BillingModeSummary.
    desc = _create(
        client,
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 7},
    )["TableDescription"]
    assert desc["ProvisionedThroughput"] == {
        "NumberOfDecreasesToday": 0,
        "ReadCapacityUnits": 5,
        "WriteCapacityUnits": 7,
    }
    assert "BillingModeSummary" not in desc


def test_billing_mode_defaults_to_provisioned(client: Any) -> None:
    # Without BillingMode the table is PROVISIONED, so throughput is required.
    with raises(
        "ValidationException",
        OOMPVWI
        + "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED",
    ):
        client.create_table(TableName=unique(), KeySchema=HASH, AttributeDefinitions=DEFS)


def test_pay_per_request_rejects_throughput(client: Any) -> None:
    # On-demand tables may not be given ProvisionedThroughput.
    with raises(
        "ValidationException",
        OOMPVWI
        + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
    ):
        _create(client, ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})


def test_capacity_zero_is_a_constraint_error(client: Any) -> None:
    # Capacity units below 1 fail the generic constraint check, with the member path.
    with raises(
        "ValidationException",
        "1 validation error detected: Value '0' at 'provisionedThroughput.readCapacityUnits' failed to satisfy "
        "constraint: Member must have value greater than or equal to 1",
    ):
        client.create_table(
            TableName=unique(),
            KeySchema=HASH,
            AttributeDefinitions=DEFS,
            ProvisionedThroughput={"ReadCapacityUnits": 0, "WriteCapacityUnits": 1},
        )


def test_short_table_name(client: Any) -> None:
    # Table names have at least 3 characters.
    with raises(
        "ValidationException",
        "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: "
        "Member must have length greater than or equal to 3",
    ):
        _create(client, TableName="ab")


def test_bad_table_name_characters(client: Any) -> None:
    # Table names match [a-zA-Z0-9_.-]+.
    with raises(
        "ValidationException",
        "1 validation error detected: Value 'abc;' at 'tableName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    ):
        _create(client, TableName="abc;")


def test_bad_key_type_enum(client: Any) -> None:
    # KeyType must be HASH or RANGE; the path names the list element (1-based).
    with raises(
        "ValidationException",
        "1 validation error detected: Value 'PARTITION' at 'keySchema.1.member.keyType' failed to satisfy "
        "constraint: Member must satisfy enum value set: [HASH, RANGE]",
    ):
        _create(client, KeySchema=[{"AttributeName": "pk", "KeyType": "PARTITION"}])


def test_bad_attribute_type_enum(client: Any) -> None:
    # Key attributes can only be B, N or S.
    with raises(
        "ValidationException",
        "1 validation error detected: Value 'BOOL' at 'attributeDefinitions.1.member.attributeType' failed to "
        "satisfy constraint: Member must satisfy enum value set: [B, N, S]",
    ):
        _create(client, AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "BOOL"}])


def test_too_many_key_elements(client: Any) -> None:
    # A key schema has at most two elements; the value is shown as Java renders it.
    schema = [
        {"AttributeName": "a", "KeyType": "HASH"},
        {"AttributeName": "b", "KeyType": "RANGE"},
        {"AttributeName": "c", "KeyType": "RANGE"},
    ]
    with raises(
        "ValidationException",
        "1 validation error detected: Value '[KeySchemaElement(attributeName=a, keyType=HASH), "
        "KeySchemaElement(attributeName=b, keyType=RANGE), KeySchemaElement(attributeName=c, keyType=RANGE)]' "
        "at 'keySchema' failed to satisfy constraint: Member must have length less than or equal to 2",
    ):
        _create(
            client,
            KeySchema=schema,
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in "abc"],
        )


def test_key_without_definition(client: Any) -> None:
    # A key attribute missing from AttributeDefinitions is reported with both lists.
    with raises(
        "ValidationException",
        OOMPVWI + "Some index key attributes are not defined in AttributeDefinitions. Keys: [pk], "
        "AttributeDefinitions: [other]",
    ):
        _create(client, AttributeDefinitions=[{"AttributeName": "other", "AttributeType": "S"}])


def test_fewer_definitions_than_keys(client: Any) -> None:
    # More key elements than definitions gives the short "no definition" message.
    with raises("ValidationException", "Invalid KeySchema: Some index key attribute have no definition"):
        _create(client, KeySchema=[*HASH, {"AttributeName": "sk", "KeyType": "RANGE"}])


def test_extra_definition_without_indexes(client: Any) -> None:
    # Without indexes, AttributeDefinitions must match the key schema exactly.
    with raises(
        "ValidationException",
        OOMPVWI + "Number of attributes in KeySchema does not exactly match number of attributes defined in "
        "AttributeDefinitions",
    ):
        _create(client, AttributeDefinitions=[*DEFS, {"AttributeName": "x", "AttributeType": "N"}])


def test_duplicate_definition(client: Any) -> None:
    # The same attribute defined twice is rejected.
    with raises("ValidationException", "Attribute Name is duplicated: pk"):
        _create(client, AttributeDefinitions=[*DEFS, {"AttributeName": "pk", "AttributeType": "N"}])


def test_hash_and_range_same_name(client: Any) -> None:
    # Hash and range keys must be different attributes.
    with raises(
        "ValidationException",
        "Both the Hash Key and the Range Key element in the KeySchema have the same name",
    ):
        _create(
            client,
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "pk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[*DEFS, {"AttributeName": "x", "AttributeType": "S"}],
        )


def test_first_key_must_be_hash(client: Any) -> None:
    # The first key schema element is the HASH key.
    with raises(
        "ValidationException", "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"
    ):
        _create(client, KeySchema=[{"AttributeName": "pk", "KeyType": "RANGE"}])


def test_second_key_must_be_range(client: Any) -> None:
    # The second key schema element is the RANGE key.
    with raises(
        "ValidationException", "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"
    ):
        _create(
            client,
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "HASH"},
            ],
            AttributeDefinitions=[*DEFS, {"AttributeName": "sk", "AttributeType": "S"}],
        )


def test_table_already_exists(client: Any) -> None:
    # Creating an existing table is ResourceInUseException.
    name = create_table(client)
    with raises("ResourceInUseException", f"Table already exists: {name}"):
        _create(client, TableName=name)
    client.delete_table(TableName=name)


def _gsi(name: str, key: str, projection: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "IndexName": name,
        "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"} if projection is None else projection,
        **extra,
    }


def test_indexes_are_described(client: Any) -> None:
    # GSIs and LSIs are stored and described with their key schemas, projections and ARNs.
    name = unique()
    defs = [
        *DEFS,
        {"AttributeName": "sk", "AttributeType": "N"},
        {"AttributeName": "g", "AttributeType": "S"},
    ]
    _create(
        client,
        TableName=name,
        KeySchema=[*HASH, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=defs,
        GlobalSecondaryIndexes=[
            _gsi("by-g", "g", {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["z", "a"]})
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by-g-local",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "g", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    )
    table = client.describe_table(TableName=name)["Table"]
    assert [d["AttributeName"] for d in table["AttributeDefinitions"]] == ["g", "pk", "sk"]  # sorted by name
    (gsi,) = table["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "by-g" and gsi["IndexStatus"] == "ACTIVE"
    assert gsi["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a", "z"]}
    assert gsi["IndexArn"] == table["TableArn"] + "/index/by-g"
    assert gsi["ProvisionedThroughput"]["ReadCapacityUnits"] == 0
    (lsi,) = table["LocalSecondaryIndexes"]
    assert lsi["IndexName"] == "by-g-local" and "IndexStatus" not in lsi
    assert lsi["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    client.delete_table(TableName=name)


def test_unused_definition_with_indexes(client: Any) -> None:
    # With indexes, a definition no key uses is reported with both lists.
    with raises(
        "ValidationException",
        OOMPVWI
        + "Some AttributeDefinitions are not used. AttributeDefinitions: [pk, g, x], keys used: [pk, g]",
    ):
        _create(
            client,
            AttributeDefinitions=[
                *DEFS,
                {"AttributeName": "g", "AttributeType": "S"},
                {"AttributeName": "x", "AttributeType": "S"},
            ],
            GlobalSecondaryIndexes=[_gsi("by-g", "g")],
        )


@pytest.mark.parametrize(
    ("projection", "message"),
    [
        ({}, "Unknown ProjectionType: null"),
        (
            {"ProjectionType": "KEYS_ONLY", "NonKeyAttributes": ["a"]},
            "ProjectionType is KEYS_ONLY, but NonKeyAttributes is specified",
        ),
        ({"ProjectionType": "INCLUDE"}, "ProjectionType is INCLUDE, but NonKeyAttributes is not specified"),
        (
            {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a", "a"]},
            "Duplicate element in NonKeyAttributes: a",
        ),
    ],
)
def test_projection_rules(client: Any, projection: dict[str, Any], message: str) -> None:
    # Index projections: a type is required and NonKeyAttributes go only with INCLUDE.
    with raises("ValidationException", OOMPVWI + message):
        _create(
            client,
            AttributeDefinitions=[*DEFS, {"AttributeName": "g", "AttributeType": "S"}],
            GlobalSecondaryIndexes=[_gsi("by-g", "g", projection)],
        )


def test_gsi_throughput_on_demand(client: Any) -> None:
    # On-demand tables may not give an index ProvisionedThroughput.
    with raises(
        "ValidationException",
        OOMPVWI
        + "ProvisionedThroughput should not be specified for index: by-g when BillingMode is PAY_PER_REQUEST",
    ):
        _create(
            client,
            AttributeDefinitions=[*DEFS, {"AttributeName": "g", "AttributeType": "S"}],
            GlobalSecondaryIndexes=[
                _gsi("by-g", "g", ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
            ],
        )


def test_gsi_throughput_required_when_provisioned(client: Any) -> None:
    # A provisioned table's GSI needs its own throughput.
    with raises("ValidationException", OOMPVWI + "ProvisionedThroughput is not specified for index: by-g"):
        client.create_table(
            TableName=unique(),
            KeySchema=HASH,
            BillingMode="PROVISIONED",
            ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
            AttributeDefinitions=[*DEFS, {"AttributeName": "g", "AttributeType": "S"}],
            GlobalSecondaryIndexes=[_gsi("by-g", "g")],
        )


def test_duplicate_index_names(client: Any) -> None:
    # Index names are unique across a table's GSIs and LSIs.
    with raises("ValidationException", OOMPVWI + "Duplicate index name: by-g"):
        _create(
            client,
            AttributeDefinitions=[*DEFS, {"AttributeName": "g", "AttributeType": "S"}],
            GlobalSecondaryIndexes=[_gsi("by-g", "g"), _gsi("by-g", "g")],
        )


def test_lsi_needs_table_range_key(client: Any) -> None:
    # LSIs exist only on tables with a sort key.
    with raises(
        "ValidationException",
        OOMPVWI
        + "Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex",
    ):
        _create(
            client,
            AttributeDefinitions=[*DEFS, {"AttributeName": "g", "AttributeType": "S"}],
            LocalSecondaryIndexes=[
                {
                    "IndexName": "lsi",
                    "KeySchema": [
                        {"AttributeName": "pk", "KeyType": "HASH"},
                        {"AttributeName": "g", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
        )


def test_lsi_needs_same_hash_key(client: Any) -> None:
    # An LSI shares the table's partition key.
    with raises(
        "ValidationException",
        OOMPVWI
        + "Index KeySchema does not have the same leading hash key as table KeySchema for index: lsi. "
        "index hash key: g, table hash key: pk",
    ):
        _create(
            client,
            KeySchema=[*HASH, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                *DEFS,
                {"AttributeName": "sk", "AttributeType": "S"},
                {"AttributeName": "g", "AttributeType": "S"},
            ],
            LocalSecondaryIndexes=[
                {
                    "IndexName": "lsi",
                    "KeySchema": [
                        {"AttributeName": "g", "KeyType": "HASH"},
                        {"AttributeName": "sk", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
        )


def test_empty_gsi_list(client: Any) -> None:
    # An empty GlobalSecondaryIndexes list is an error, not "no indexes".
    with raises("ValidationException", OOMPVWI + "List of GlobalSecondaryIndexes is empty"):
        _create(client, GlobalSecondaryIndexes=[])


def test_stream_enabled_needs_view_type(client: Any) -> None:
    # StreamEnabled true requires a StreamViewType.
    with raises(
        "ValidationException",
        OOMPVWI + "Table is being created with a stream enabled, UpdateViewType is required",
    ):
        _create(client, StreamSpecification={"StreamEnabled": True})


def test_table_class_is_validated(client: Any) -> None:
    # TableClass has its own message, not the generic enum one.
    with raises(
        "ValidationException",
        "Invalid table-class parameter provided. Please try again with a valid table-class value: "
        "[STANDARD, STANDARD_INFREQUENT_ACCESS].",
    ):
        _create(client, TableClass="GLACIER")


def test_table_class_and_protection_are_described(client: Any) -> None:
    # TableClassSummary appears when a class was given; DeletionProtectionEnabled always.
    name = unique()
    _create(client, TableName=name, TableClass="STANDARD_INFREQUENT_ACCESS", DeletionProtectionEnabled=True)
    table = client.describe_table(TableName=name)["Table"]
    assert table["TableClassSummary"] == {"TableClass": "STANDARD_INFREQUENT_ACCESS"}
    assert table["DeletionProtectionEnabled"] is True


def test_tags_on_create_are_validated(client: Any) -> None:
    # Tag keys may not start with aws: (any case).
    with raises("ValidationException", "Tag Key cannot be prefixed with aws:, Key: AWS:x"):
        _create(client, Tags=[{"Key": "AWS:x", "Value": "v"}])
