"""TagResource, UntagResource, ListTagsOfResource, and tags given at CreateTable."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import create_table, raises, unique

OOMPVWI = "One or more parameter values were invalid: "


@pytest.fixture(scope="module")
def arn(client: Any, table: str) -> str:
    return str(client.describe_table(TableName=table)["Table"]["TableArn"])


def tags_of(client: Any, arn: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in client.list_tags_of_resource(ResourceArn=arn)["Tags"]}


def test_tag_untag_list(client: Any, arn: str) -> None:
    # Tags upsert by key, untagging absent keys is fine, and the answers have empty bodies.
    response = client.tag_resource(
        ResourceArn=arn, Tags=[{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": ""}]
    )
    assert set(response) == {"ResponseMetadata"}
    client.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "prod"}])
    assert tags_of(client, arn) == {"env": "prod", "team": ""}
    client.untag_resource(ResourceArn=arn, TagKeys=["team", "never-set"])
    assert tags_of(client, arn) == {"env": "prod"}


def test_tags_given_at_create(client: Any) -> None:
    # Tags passed to CreateTable are listed afterwards.
    name = create_table(client, Tags=[{"Key": "a", "Value": "1"}])
    arn = client.describe_table(TableName=name)["Table"]["TableArn"]
    assert tags_of(client, arn) == {"a": "1"}
    client.delete_table(TableName=name)


def test_no_tags_is_an_empty_list(client: Any) -> None:
    # A table without tags lists Tags: [].
    name = create_table(client)
    arn = client.describe_table(TableName=name)["Table"]["TableArn"]
    assert client.list_tags_of_resource(ResourceArn=arn)["Tags"] == []
    client.delete_table(TableName=name)


def test_empty_tag_lists(client: Any, arn: str) -> None:
    # Empty Tags / TagKeys lists have their own (misspelt) messages.
    with raises("ValidationException", "Atleast one Tag needs to be provided as Input."):
        client.tag_resource(ResourceArn=arn, Tags=[])
    with raises("ValidationException", "Atleast one Tag Key needs to be provided as Input."):
        client.untag_resource(ResourceArn=arn, TagKeys=[])


def test_tag_key_rules(client: Any, arn: str) -> None:
    # Tag keys: 1..128 allowed characters, no aws: prefix, no duplicates in one call.
    with raises("ValidationException", "The Tag Key provided is invalid, Key: a#b"):
        client.tag_resource(ResourceArn=arn, Tags=[{"Key": "a#b", "Value": "v"}])
    with raises("ValidationException", "The Tag Key provided is invalid, Key: " + "k" * 129):
        client.tag_resource(ResourceArn=arn, Tags=[{"Key": "k" * 129, "Value": "v"}])
    with raises("ValidationException", "Tag Key cannot be prefixed with aws:, Key: aws:x"):
        client.tag_resource(ResourceArn=arn, Tags=[{"Key": "aws:x", "Value": "v"}])
    with raises("ValidationException", "Duplicate Tag Keys provided as input: Duplicate Tag Key found d"):
        client.tag_resource(ResourceArn=arn, Tags=[{"Key": "d", "Value": "1"}, {"Key": "d", "Value": "2"}])
    with raises("ValidationException", "The Tag Value provided is invalid, Value: " + "v" * 257):
        client.tag_resource(ResourceArn=arn, Tags=[{"Key": "k", "Value": "v" * 257}])


def test_tag_limit(client: Any) -> None:
    # At most 50 tags per table, counting the ones it already has; a rejected call changes nothing.
    name = create_table(client)
    arn = client.describe_table(TableName=name)["Table"]["TableArn"]
    client.tag_resource(ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    with raises(
        "ValidationException", "Number of Tags exceed the current limit for the provided ResourceArn"
    ):
        client.tag_resource(ResourceArn=arn, Tags=[{"Key": "one-more", "Value": "v"}])
    assert len(tags_of(client, arn)) == 50
    client.tag_resource(ResourceArn=arn, Tags=[{"Key": "k0", "Value": "changed"}])  # replacing is fine
    client.delete_table(TableName=name)


def test_bad_arns(client: Any, arn: str) -> None:
    # Resource ARNs must be ARNs of a table in this account and region.
    with raises("ValidationException", OOMPVWI + "ARNs must start with 'arn:': mytable"):
        client.list_tags_of_resource(ResourceArn="mytable")
    index_arn = arn + "/index/by-x"
    with raises(
        "ValidationException",
        OOMPVWI
        + f"Invalid resource arn provided, only table or stream is accepted. Provided resource arn: {index_arn}",
    ):
        client.tag_resource(ResourceArn=index_arn, Tags=[{"Key": "a", "Value": "b"}])
    other_region = arn.replace(":us-east-1:", ":eu-west-1:")
    with raises(
        "ValidationException", f"Invalid TableArn: Invalid ResourceArn provided as input {other_region}"
    ):
        client.list_tags_of_resource(ResourceArn=other_region)
    other_account = arn.split(":")
    other_account[4] = "999999999999"
    with raises("AccessDeniedException"):
        client.list_tags_of_resource(ResourceArn=":".join(other_account))


def test_missing_table(client: Any, arn: str) -> None:
    # Tag operations on a table that does not exist name the ARN.
    missing = arn.rsplit("/", 1)[0] + "/" + unique()
    message = f"Requested resource not found: ResourceArn: {missing} not found"
    with raises("ResourceNotFoundException", message):
        client.list_tags_of_resource(ResourceArn=missing)
    with raises("ResourceNotFoundException", message):
        client.tag_resource(ResourceArn=missing, Tags=[{"Key": "a", "Value": "b"}])
    with raises("ResourceNotFoundException", message):
        client.untag_resource(ResourceArn=missing, TagKeys=["a"])
