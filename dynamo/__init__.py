"""A DynamoDB-compatible database on LMDB: embedded like SQLite, or served over HTTP.

>>> import dynamo
>>> client = dynamo.connect()          # a private temporary store; pass a path to keep data
>>> client.list_tables()["TableNames"]
[]
>>> client.close()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dynamo.cache import Cache, CacheSettings
from dynamo.engine import DEFAULT_REGION, Clock, Engine, Settings
from storage.env import Durability

if TYPE_CHECKING:
    from dynamo.client import Client, StreamsClient

__all__ = ["Cache", "CacheSettings", "Client", "Engine", "Settings", "StreamsClient", "connect"]
__version__ = "0.1.0"


def connect(
    path: str | None = None,
    *,
    region: str = DEFAULT_REGION,
    durability: Durability = "strict",
    clock: Clock | None = None,
    parameter_validation: bool = True,
    cache: CacheSettings | str | bool | None = None,
    **settings: Any,
) -> Client:
    """Open (or create) a database directory and return a boto3-compatible client.

    ``path=None`` makes a private temporary store, deleted on ``close()``. ``settings`` are
    :class:`Settings` fields (``account_id``, ``table_create_delay``,
    ``maintenance_interval``, ...). ``client.streams()`` is the matching DynamoDB Streams
    client.

    ``cache`` puts a DAX-like read-through cache in front: ``"dax"`` (DAX's semantics),
    ``"coherent"`` (never stale: every commit of this process invalidates what it changed; see
    the README for several processes on one directory), True (dax with
    default settings) or a :class:`CacheSettings` (TTLs, byte bounds, mode).
    ``client.cache_stats()`` shows what it does.
    """
    from dynamo.client import Client

    engine_kwargs: dict[str, Any] = {"durability": durability, "settings": Settings(**settings)}
    if clock is not None:
        engine_kwargs["clock"] = clock
    engine = Engine(path, **engine_kwargs)
    front = None if cache is None or cache is False else Cache(engine, CacheSettings.of(cache))
    return Client(
        engine,
        region=region,
        parameter_validation=parameter_validation,
        owns_engine=True,
        cache=front,
        owns_cache=front is not None,
    )


def __getattr__(name: str) -> Any:
    # The client (and botocore, a tenth of a second to import) loads on first use, so that
    # `dynamo serve`, which never needs it, starts without it.
    if name in ("Client", "StreamsClient"):
        from dynamo import client

        return getattr(client, name)
    raise AttributeError(f"module 'dynamo' has no attribute {name!r}")
