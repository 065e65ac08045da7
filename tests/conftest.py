"""Fixtures shared by the whole suite.

The API suite is written once and runs against every front end: the ``client`` fixture
is parametrised over the embedded client and a real HTTP server (started once per test
session on a free loopback port, driven by boto3). ``pytest --endpoint URL`` runs the same
tests against any DynamoDB-compatible endpoint instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import settings

import dynamo
from tests.helpers import boto_client, create_table, running_server, unique

# Property tests check behaviour, not speed (speed lives in benchmarks/): no per-example
# deadline, which a cold start on a busy two-core machine can miss.
settings.register_profile("suite", deadline=None, print_blob=True)
settings.load_profile("suite")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--endpoint", default=None, help="run the API tests against this DynamoDB endpoint URL")


@pytest.fixture(scope="session")
def s3_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The folder of "S3" buckets (exports, imports) of both front ends of this session."""
    return str(tmp_path_factory.mktemp("s3"))


@pytest.fixture(scope="session")
def server_url(request: pytest.FixtureRequest, s3_dir: str) -> Iterator[str]:
    endpoint = request.config.getoption("--endpoint")
    if endpoint:
        yield endpoint
        return
    with running_server("--in-memory", "--s3-dir", s3_dir) as (url, _):
        yield url


@pytest.fixture(scope="session")
def embedded_client(s3_dir: str) -> Iterator[Any]:
    # As the boto3 client: parameters are checked by the server side only.
    client = dynamo.connect(parameter_validation=False, s3_dir=s3_dir)
    yield client
    client.close()


@pytest.fixture
def bucket(request: pytest.FixtureRequest, s3_dir: str) -> str:
    """A new, empty bucket (a folder of the local S3 directory) for one test."""
    if request.config.getoption("--endpoint"):
        pytest.skip("needs the local S3 folder of a server this suite started")
    name = unique("bucket")
    os.makedirs(os.path.join(s3_dir, name))
    return name


def _front_ends(config: pytest.Config) -> list[str]:
    return ["http"] if config.getoption("--endpoint") else ["embedded", "http"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "client" in metafunc.fixturenames:
        metafunc.parametrize("front_end", _front_ends(metafunc.config), scope="session")


@pytest.fixture(scope="session")
def client(front_end: str, request: pytest.FixtureRequest) -> Any:
    """A boto3-style DynamoDB client: embedded, or boto3 against the HTTP server."""
    if front_end == "embedded":
        return request.getfixturevalue("embedded_client")
    return boto_client(request.getfixturevalue("server_url"))


@pytest.fixture(scope="session")
def streams_client(front_end: str, request: pytest.FixtureRequest) -> Any:
    """A boto3-style DynamoDB Streams client on the same front end as ``client``."""
    if front_end == "embedded":
        return request.getfixturevalue("embedded_client").streams()
    return boto_client(request.getfixturevalue("server_url"), service="dynamodbstreams")


@pytest.fixture(scope="module")
def table(client: Any) -> Iterator[str]:
    """A hash-key table (``pk`` S) shared by the tests of one module."""
    name = create_table(client)
    yield name
    client.delete_table(TableName=name)


@pytest.fixture(scope="module")
def table_hr(client: Any) -> Iterator[str]:
    """A hash+range table (``pk`` S, ``sk`` N) shared by the tests of one module."""
    name = create_table(client, range_key=("sk", "N"))
    yield name
    client.delete_table(TableName=name)
