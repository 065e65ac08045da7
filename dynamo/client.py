"""The embedded client: boto3's DynamoDB client API, served in-process.

Methods have boto3's names and keyword arguments (``put_item(TableName=..., Item=...)``),
binary values are ``bytes``, and errors are the exception classes a boto3 client raises
(``client.exceptions.ResourceNotFoundException``, all ``botocore.exceptions.ClientError``)
with the same ``e.response``. Where a response carries timestamps, or an error carries
modeled members (``Item``, ``CancellationReasons``), it is produced by botocore's own
parser from the wire document, so it is exactly what boto3 would return.

>>> import dynamo
>>> with dynamo.connect() as client:
...     _ = client.create_table(
...         TableName="users",
...         KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
...         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
...         BillingMode="PAY_PER_REQUEST",
...     )
...     _ = client.put_item(TableName="users", Item={"id": {"S": "u1"}, "n": {"N": "01.50"}})
...     client.get_item(TableName="users", Key={"id": {"S": "u1"}})["Item"]
{'id': {'S': 'u1'}, 'n': {'N': '1.5'}}
"""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any, Self

import botocore.exceptions
import botocore.session
from botocore import xform_name
from botocore.errorfactory import ClientExceptionsFactory
from botocore.model import OperationModel, ServiceModel, Shape
from botocore.paginate import Paginator
from botocore.parsers import create_parser
from botocore.validate import validate_parameters
from botocore.waiter import NormalizedOperationMethod, Waiter, WaiterModel

from dynamo import dispatch, wire
from dynamo.cache import Cache
from dynamo.client_checks import accepts
from dynamo.engine import DEFAULT_REGION, Engine
from dynamo.errors import DynamoError
from dynamo.shapes import PYTHON
from dynamo.triggers import Handler, Trigger


@cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@cache
def service_model(name: str = "dynamodb") -> ServiceModel:
    return _session().get_service_model(name)


@cache
def _exceptions(name: str) -> Any:
    return ClientExceptionsFactory().create_client_exceptions(service_model(name))


def _has_timestamp(shape: Shape | None, seen: frozenset[str] = frozenset()) -> bool:
    if shape is None or shape.name in seen:
        return False
    if shape.type_name == "timestamp":
        return True
    seen = seen | {shape.name}
    if shape.type_name == "structure":
        return any(_has_timestamp(m, seen) for m in shape.members.values())  # type: ignore[attr-defined]
    if shape.type_name == "list":
        return _has_timestamp(shape.member, seen)  # type: ignore[attr-defined]
    if shape.type_name == "map":
        return _has_timestamp(shape.value, seen)  # type: ignore[attr-defined]
    return False


@cache
def _operation(service: str, name: str) -> tuple[OperationModel, bool]:
    model = service_model(service).operation_model(name)
    return model, _has_timestamp(model.output_shape)


class _Meta:
    """The parts of ``client.meta`` that code written for boto3 commonly reads."""

    def __init__(self, region: str, service: str) -> None:
        self.region_name = region
        self.service_model = service_model(service)
        self.endpoint_url = f"embedded://dynamo/{region}"
        self.method_to_api_mapping = {xform_name(op): op for op in self.service_model.operation_names}


class _ServiceClient:
    """A boto3-compatible client of one service (``SERVICE``), bound to an
    :class:`Engine` and a region; subclasses get one method per operation."""

    SERVICE = ""

    def __init__(
        self,
        engine: Engine,
        *,
        region: str = DEFAULT_REGION,
        parameter_validation: bool = True,
        owns_engine: bool = False,
        cache: Cache | None = None,
        owns_cache: bool = False,
    ) -> None:
        self.engine = engine
        self._cache = cache
        self._owns_cache = owns_cache
        self._ctx = engine.context(region)
        self._validate = parameter_validation
        self._owns_engine = owns_engine
        self._parser = create_parser("json")
        self.meta = _Meta(region, self.SERVICE)
        self.exceptions = _exceptions(self.SERVICE)
        self._target = self.meta.service_model.metadata["targetPrefix"]

    # -- calling --------------------------------------------------------------------------

    def _call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        cache = self._cache
        model, parse_output = _operation(self.SERVICE, operation)
        for member in model.idempotent_members:  # boto3 fills ClientRequestToken in the same way
            if member not in params:
                params[member] = str(uuid.uuid4())
        if self._validate and model.input_shape is not None and not accepts(model)(params):
            validate_parameters(params, model.input_shape)  # raises ParamValidationError, as boto3
        request_id = wire.request_id()
        try:
            if cache is not None:
                result = cache.handle(self._ctx, operation, params, PYTHON, self._target)
            else:
                result = dispatch.handle(self._ctx, operation, params, PYTHON, self._target)
        except DynamoError as exc:
            raise self._error(exc, model, request_id) from None
        if parse_output and result is not None and model.output_shape is not None:
            response: dict[str, Any] = self._parser.parse(
                {"status_code": 200, "headers": {}, "body": wire.dumps(result)}, model.output_shape
            )
        else:
            response = {} if result is None else result
        response["ResponseMetadata"] = _metadata(request_id, 200)
        return response

    def _error(self, exc: DynamoError, model: OperationModel, request_id: str) -> Exception:
        raw = {"status_code": exc.status, "headers": {}, "body": wire.dumps(exc.body())}
        parsed: dict[str, Any] = self._parser.parse(raw, model.output_shape)  # type: ignore[arg-type]
        error_shape = model.service_model.shape_for_error_code(exc.code)  # type: ignore[arg-type]
        if error_shape is not None:
            parsed.update(self._parser.parse(raw, error_shape))
        parsed["ResponseMetadata"] = _metadata(request_id, exc.status)
        error_class = self.exceptions.from_code(exc.code)
        return error_class(parsed, model.name)  # type: ignore[no-any-return]

    # -- boto3 conveniences ---------------------------------------------------------------

    def can_paginate(self, operation_name: str) -> bool:
        return operation_name in _paginator_config(self.SERVICE)

    def get_paginator(self, operation_name: str) -> Paginator[Any]:
        config = _paginator_config(self.SERVICE)[operation_name]
        api_name = self.meta.method_to_api_mapping[operation_name]
        model = self.meta.service_model.operation_model(api_name)
        return Paginator(getattr(self, operation_name), config, model)

    def get_waiter(self, waiter_name: str) -> Any:
        model = _waiter_model(self.SERVICE)
        names = {xform_name(name): name for name in model.waiter_names}
        config = model.get_waiter(names[waiter_name])
        method = NormalizedOperationMethod(getattr(self, xform_name(config.operation)))
        return Waiter(names[waiter_name], config, method)  # type: ignore[arg-type]

    @property
    def waiter_names(self) -> list[str]:
        return sorted(xform_name(name) for name in _waiter_model(self.SERVICE).waiter_names)

    # -- lifetime -------------------------------------------------------------------------

    def close(self) -> None:
        if self._cache is not None and self._owns_cache:
            self._cache.close()
        if self._owns_engine:
            self.engine.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _metadata(request_id: str, status: int) -> dict[str, Any]:
    return {
        "RequestId": request_id,
        "HTTPStatusCode": status,
        "HTTPHeaders": {"x-amzn-requestid": request_id, "content-type": "application/x-amz-json-1.0"},
        "RetryAttempts": 0,
    }


@cache
def _waiter_model(service: str) -> WaiterModel:
    try:
        return _session().get_waiter_model(service)
    except botocore.exceptions.UnknownServiceError:  # DynamoDB Streams defines no waiters
        return WaiterModel({"version": 2, "waiters": {}})


@cache
def _paginator_config(service: str) -> dict[str, Any]:
    try:
        model = _session().get_paginator_model(service)
    except botocore.exceptions.UnknownServiceError:
        return {}
    return {xform_name(name): config for name, config in model._paginator_config.items()}  # type: ignore[attr-defined]


class StreamsClient(_ServiceClient):
    """A boto3-compatible DynamoDB Streams client (``boto3.client("dynamodbstreams")``)."""

    SERVICE = "dynamodbstreams"


class Client(_ServiceClient):
    """A boto3-compatible DynamoDB client (``boto3.client("dynamodb")``)."""

    SERVICE = "dynamodb"

    def cache_stats(self) -> dict[str, Any]:
        """The cache's counters, as ``GET /stats`` on a cache endpoint: for the item cache and
        the query cache, entries, bytes (and the bound), TTL, hits, misses, evictions,
        expirations and invalidations."""
        if self._cache is None:
            raise RuntimeError("this client has no cache: dynamo.connect(..., cache='dax' or 'coherent')")
        return self._cache.stats()

    def streams(self) -> StreamsClient:
        """A DynamoDB Streams client on the same engine and region."""
        return StreamsClient(self.engine, region=self._ctx.region, parameter_validation=self._validate)

    # -- beyond boto3: what a Lambda subscription and the TTL service do in AWS ---------------

    def add_trigger(
        self,
        table_name: str,
        handler: Handler,
        *,
        name: str | None = None,
        batch_size: int = 100,
        starting_position: str = "TRIM_HORIZON",
    ) -> str:
        """Call ``handler(event)`` with batches of ``table_name``'s stream records, shaped
        as the event a Lambda function gets (``{"Records": [...]}``), in order, at least
        once; returns the trigger's name, under which its position is saved (so the same
        name resumes after a restart). ``starting_position``, for a name seen for the first
        time: "TRIM_HORIZON" (oldest record kept) or "LATEST"."""
        if starting_position not in ("TRIM_HORIZON", "LATEST"):
            raise ValueError("starting_position must be TRIM_HORIZON or LATEST")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if name is None:
            qualname = getattr(handler, "__qualname__", "")
            if not qualname or "<" in qualname:  # lambdas and locals have no stable name
                raise ValueError(
                    "name a trigger whose handler has no stable name (a lambda or a local function)"
                )
            name = f"{handler.__module__}.{qualname}"
        if not name or len(name.encode("utf-8")) > 255:
            raise ValueError("a trigger name is 1 to 255 bytes")
        trigger = Trigger(name, self._ctx.region, table_name, handler, batch_size, starting_position)
        self.engine.triggers.add(trigger)
        return name

    def remove_trigger(self, name: str) -> None:
        self.engine.triggers.remove(name)

    def run_maintenance(self, now: float | None = None) -> tuple[int, int, int]:
        """Sweep expired items, trim streams and point-in-time history now: (items
        deleted, stream records trimmed, history entries and SYSTEM backups removed)."""
        return self.engine.maintenance.run(now)


def _method(cls: type[_ServiceClient], operation: str) -> Any:
    def method(self: _ServiceClient, **kwargs: Any) -> dict[str, Any]:
        cache = self._cache
        if cache is not None:  # a hit answers before anything else is looked at
            hit = cache.fast(self._ctx.region, operation, kwargs, PYTHON)
            if hit is not None:
                hit["ResponseMetadata"] = _metadata(wire.request_id(), 200)
                return hit
        return self._call(operation, kwargs)

    method.__name__ = xform_name(operation)
    method.__qualname__ = f"{cls.__name__}.{method.__name__}"
    method.__doc__ = f"``{operation}``, as ``boto3.client('{cls.SERVICE}').{method.__name__}``."
    return method


for _cls in (Client, StreamsClient):
    for _name in service_model(_cls.SERVICE).operation_names:
        setattr(_cls, xform_name(_name), _method(_cls, _name))
