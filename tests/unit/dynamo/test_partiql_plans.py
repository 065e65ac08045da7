"""The single-item SELECT plan cache: per store, and never wrong after a schema change."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import dynamo
from tests.helpers import ROOT

STATEMENT = "SELECT * FROM \"tab\" WHERE pk = 'a'"


def _table(client: Any, *, with_sort_key: bool) -> None:
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    definitions = [{"AttributeName": "pk", "AttributeType": "S"}]
    if with_sort_key:
        schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
        definitions.append({"AttributeName": "sk", "AttributeType": "N"})
    client.create_table(
        TableName="tab", KeySchema=schema, AttributeDefinitions=definitions, BillingMode="PAY_PER_REQUEST"
    )


def test_two_stores_with_one_statement_plan_apart() -> None:
    # The same text on two stores whose tables differ gives each store's own answer.
    with dynamo.connect() as hashed, dynamo.connect() as ranged:
        _table(hashed, with_sort_key=False)
        _table(ranged, with_sort_key=True)
        hashed.put_item(TableName="tab", Item={"pk": {"S": "a"}})
        for sk in ("1", "2"):
            ranged.put_item(TableName="tab", Item={"pk": {"S": "a"}, "sk": {"N": sk}})
        for _ in range(2):
            assert len(hashed.execute_statement(Statement=STATEMENT)["Items"]) == 1
            assert len(ranged.execute_statement(Statement=STATEMENT)["Items"]) == 2


def test_a_plan_outlived_by_its_table_is_replanned(tmp_path: Any) -> None:
    # Another process's schema change (its catalog not yet seen here) never fails a statement.
    path = str(tmp_path / "db")
    with dynamo.connect(path) as here:
        _table(here, with_sort_key=False)
        here.put_item(TableName="tab", Item={"pk": {"S": "a"}})
        assert len(here.execute_statement(Statement=STATEMENT)["Items"]) == 1
        there = (
            "import dynamo, sys; sys.path.insert(0, '.');"
            "from tests.unit.dynamo.test_partiql_plans import _table;"
            f"c = dynamo.connect({path!r}); c.delete_table(TableName='tab'); _table(c, with_sort_key=True);"
            "[c.put_item(TableName='tab', Item={'pk': {'S': 'a'}, 'sk': {'N': sk}}) for sk in ('1', '2')];"
            "c.close()"
        )
        subprocess.run([sys.executable, "-c", there], check=True, cwd=ROOT)
        assert len(here.execute_statement(Statement=STATEMENT)["Items"]) == 2
