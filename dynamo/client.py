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

import re
import uuid
from functools import cache
from typing import Any

import botocore.session
from botocore.errorfactory import ClientExceptionsFactory
from botocore.model import OperationModel, ServiceModel, Shape
from botocore.paginate import Paginator
from botocore.parsers import create_parser
from botocore.validate import validate_parameters
from botocore.waiter import NormalizedOperationMethod, Waiter, WaiterModel

from dynamo import dispatch, wire
from dynamo.client_checks import accepts
from dynamo.engine import DEFAULT_REGION, Engine
from dynamo.errors import DynamoError
from dynamo.shapes import PYTHON


@cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@cache
def service_model() -> ServiceModel:
    return _session().get_service_model("dynamodb")


@cache
def _exceptions() -> Any:
    return ClientExceptionsFactory().create_client_exceptions(service_model())


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
def _operation(name: str) -> tuple[OperationModel, bool]:
    model = service_model().operation_model(name)
    return model, _has_timestamp(model.output_shape)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class _Meta:
    """The parts of ``client.meta`` that code written for boto3 commonly reads."""

    def __init__(self, region: str) -> None:
        self.region_name = region
        self.service_model = service_model()
        self.endpoint_url = f"embedded://dynamo/{region}"
        self.method_to_api_mapping = {_snake(op): op for op in self.service_model.operation_names}


class Client:
    """A boto3-compatible DynamoDB client bound to an :class:`Engine` and a region."""

    def __init__(
        self,
        engine: Engine,
        *,
        region: str = DEFAULT_REGION,
        parameter_validation: bool = True,
        owns_engine: bool = False,
    ) -> None:
        self.engine = engine
        self._ctx = engine.context(region)
        self._validate = parameter_validation
        self._owns_engine = owns_engine
        self._parser = create_parser("json")
        self.meta = _Meta(region)
        self.exceptions = _exceptions()

    # -- calling --------------------------------------------------------------------------

    def _call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        model, parse_output = _operation(operation)
        for member in model.idempotent_members:  # boto3 fills ClientRequestToken in the same way
            if member not in params:
                params[member] = str(uuid.uuid4())
        if self._validate and model.input_shape is not None and not accepts(model)(params):
            validate_parameters(params, model.input_shape)  # raises ParamValidationError, as boto3
        request_id = wire.request_id()
        try:
            result = dispatch.handle(self._ctx, operation, params, PYTHON)
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
        return operation_name in _paginator_config()

    def get_paginator(self, operation_name: str) -> Paginator[Any]:
        config = _paginator_config()[operation_name]
        api_name = self.meta.method_to_api_mapping[operation_name]
        return Paginator(getattr(self, operation_name), config, service_model().operation_model(api_name))

    def get_waiter(self, waiter_name: str) -> Any:
        model = _waiter_model()
        names = {_snake(name): name for name in model.waiter_names}
        config = model.get_waiter(names[waiter_name])
        method = NormalizedOperationMethod(getattr(self, _snake(config.operation)))
        return Waiter(names[waiter_name], config, method)  # type: ignore[arg-type]

    @property
    def waiter_names(self) -> list[str]:
        return sorted(_snake(name) for name in _waiter_model().waiter_names)

    # -- lifetime -------------------------------------------------------------------------

    def close(self) -> None:
        if self._owns_engine:
            self.engine.close()

    def __enter__(self) -> Client:
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
def _waiter_model() -> WaiterModel:
    return _session().get_waiter_model("dynamodb")


@cache
def _paginator_config() -> dict[str, Any]:
    model = _session().get_paginator_model("dynamodb")
    return {_snake(name): config for name, config in model._paginator_config.items()}  # type: ignore[attr-defined]


def _method(operation: str) -> Any:
    def method(self: Client, **kwargs: Any) -> dict[str, Any]:
        return self._call(operation, kwargs)

    method.__name__ = _snake(operation)
    method.__qualname__ = f"Client.{method.__name__}"
    method.__doc__ = f"DynamoDB ``{operation}``, as ``boto3.client('dynamodb').{method.__name__}``."
    return method


for _name in service_model().operation_names:
    setattr(Client, _snake(_name), _method(_name))
