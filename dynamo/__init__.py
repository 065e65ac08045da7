"""A DynamoDB-compatible database on LMDB: embedded like SQLite, or served over HTTP.

>>> import dynamo
>>> client = dynamo.connect()          # a private temporary store; pass a path to keep data
>>> client.list_tables()["TableNames"]
[]
>>> client.close()
"""

from __future__ import annotations

from typing import Any

from dynamo.client import Client, StreamsClient
from dynamo.engine import DEFAULT_REGION, Clock, Engine, Settings
from storage.env import Durability

__all__ = ["Client", "Engine", "Settings", "StreamsClient", "connect"]
__version__ = "0.1.0"


def connect(
    path: str | None = None,
    *,
    region: str = DEFAULT_REGION,
    durability: Durability = "strict",
    clock: Clock | None = None,
    parameter_validation: bool = True,
    **settings: Any,
) -> Client:
    """Open (or create) a database directory and return a boto3-compatible client.

    ``path=None`` makes a private temporary store, deleted on ``close()``. ``settings`` are
    :class:`Settings` fields (``account_id``, ``table_create_delay``,
    ``maintenance_interval``, ...). ``client.streams()`` is the matching DynamoDB Streams
    client.
    """
    engine_kwargs: dict[str, Any] = {"durability": durability, "settings": Settings(**settings)}
    if clock is not None:
        engine_kwargs["clock"] = clock
    engine = Engine(path, **engine_kwargs)
    return Client(engine, region=region, parameter_validation=parameter_validation, owns_engine=True)
