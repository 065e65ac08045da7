"""Where "S3" is: buckets as folders of a local directory, or a real S3-compatible server.

Exports write, and imports read, S3 objects. Locally a bucket ``b`` is the folder
``<s3 dir>/b`` and an object key is a path inside it, so exports are plain files a user
can open; with an endpoint configured, objects go through botocore's S3 client instead.
Both behave like S3 where it matters here: a bucket must exist before it is written to,
and a prefix is a plain string prefix of keys (``data`` matches ``data2/x``).
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any, Protocol


class NoSuchBucket(Exception):
    """The bucket does not exist (DynamoDB reports ``S3NoSuchBucket``)."""


class AccessDenied(Exception):
    """S3 refused the request (DynamoDB reports ``S3AccessDenied``)."""


class UnstorableKey(ValueError):
    """A key S3 would take but a folder cannot hold as the same path (``a//b``, ``../x``)."""


def at(location: dict[str, str]) -> ObjectStore:
    """The object store a location (recorded with an export or import) names: jobs use the
    store of the request that started them, whichever process runs them."""
    if "endpoint" in location:
        return S3Objects(location["endpoint"])
    return LocalObjects(location["dir"])


def s3_error(code: str, what: str) -> str:
    """S3's error text as DynamoDB quotes it in a FailureMessage."""
    request = secrets.token_hex(8).upper()
    status = 404 if code == "NoSuchBucket" else 403
    return (
        f"{what} (Service: Amazon S3; Status Code: {status}; Error Code: {code}; "
        f"Request ID: {request}; S3 Extended Request ID: {request}; Proxy: null)"
    )


def failure(exc: BaseException) -> tuple[str, str] | None:
    """DynamoDB's (FailureCode, FailureMessage) for a store error a job cannot get past."""
    if isinstance(exc, NoSuchBucket):
        return "S3NoSuchBucket", s3_error("NoSuchBucket", "The specified bucket does not exist")
    if isinstance(exc, AccessDenied):
        return "S3AccessDenied", s3_error("AccessDenied", "Access Denied")
    if isinstance(exc, UnstorableKey):
        return "UnknownError", str(exc)
    return None


class ObjectStore(Protocol):
    def check_bucket(self, bucket: str) -> None:
        """Raise :class:`NoSuchBucket` unless the bucket exists."""

    def put_bytes(self, bucket: str, key: str, data: bytes) -> None: ...

    def put_file(self, bucket: str, key: str, path: str) -> None:
        """Store the local file ``path`` as an object (the file may be moved)."""

    def keys(self, bucket: str, prefix: str) -> Iterator[tuple[str, int]]:
        """(key, size) of every object whose key starts with ``prefix``, in key order."""

    def open(self, bucket: str, key: str) -> IO[bytes]: ...


class LocalObjects:
    """Buckets as folders under ``root``."""

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)

    def _bucket(self, bucket: str) -> str:
        if not bucket or "/" in bucket or bucket in (".", ".."):
            raise NoSuchBucket(bucket)
        return os.path.join(self.root, bucket)

    def _path(self, bucket: str, key: str) -> str:
        parts = key.split("/")
        if any(part in ("", ".", "..") or "\0" in part or len(part.encode()) > 255 for part in parts):
            raise UnstorableKey(f"The object key {key!r} cannot be stored as a file of a local bucket folder")
        return os.path.join(self._bucket(bucket), *parts)

    def check_bucket(self, bucket: str) -> None:
        if not os.path.isdir(self._bucket(bucket)):
            raise NoSuchBucket(bucket)

    def put_bytes(self, bucket: str, key: str, data: bytes) -> None:
        path = self._path(bucket, key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as out:
            out.write(data)

    def put_file(self, bucket: str, key: str, path: str) -> None:
        target = self._path(bucket, key)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.move(path, target)

    def keys(self, bucket: str, prefix: str) -> Iterator[tuple[str, int]]:
        base = self._bucket(bucket)
        if not os.path.isdir(base):
            raise NoSuchBucket(bucket)
        found = []
        for folder, _, files in os.walk(base):
            for name in files:
                path = os.path.join(folder, name)
                key = os.path.relpath(path, base).replace(os.sep, "/")
                if key.startswith(prefix):
                    found.append((key, os.path.getsize(path)))
        yield from sorted(found)

    def open(self, bucket: str, key: str) -> IO[bytes]:
        return open(self._path(bucket, key), "rb")


class S3Objects:
    """A real S3-compatible server, through botocore's S3 client."""

    def __init__(self, endpoint: str, region: str = "us-east-1") -> None:
        import botocore.session

        session = botocore.session.get_session()
        self._client: Any = session.create_client(
            "s3",
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "local"),
            aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "local"),
        )

    @staticmethod
    def _translated(exc: Exception) -> Exception:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code")
        if code in ("NoSuchBucket", "404"):
            return NoSuchBucket(str(exc))
        if code in (
            "AccessDenied",
            "403",
            "AllAccessDisabled",
            "InvalidAccessKeyId",
            "SignatureDoesNotMatch",
        ):
            return AccessDenied(str(exc))
        return exc

    @contextmanager
    def _calling(self) -> Iterator[None]:
        try:
            yield
        except Exception as exc:
            translated = self._translated(exc)
            if translated is exc:
                raise
            raise translated from exc

    def check_bucket(self, bucket: str) -> None:
        with self._calling():
            self._client.head_bucket(Bucket=bucket)

    def put_bytes(self, bucket: str, key: str, data: bytes) -> None:
        with self._calling():
            self._client.put_object(Bucket=bucket, Key=key, Body=data)

    def put_file(self, bucket: str, key: str, path: str) -> None:
        with open(path, "rb") as body, self._calling():
            self._client.put_object(Bucket=bucket, Key=key, Body=body)
        os.remove(path)

    def keys(self, bucket: str, prefix: str) -> Iterator[tuple[str, int]]:
        token: str | None = None
        while True:
            extra = {"ContinuationToken": token} if token else {}
            with self._calling():
                page = self._client.list_objects_v2(Bucket=bucket, Prefix=prefix, **extra)
            for entry in page.get("Contents", []):
                yield entry["Key"], int(entry["Size"])
            if not page.get("IsTruncated"):
                return
            token = page["NextContinuationToken"]

    def open(self, bucket: str, key: str) -> IO[bytes]:
        with self._calling():
            body: IO[bytes] = self._client.get_object(Bucket=bucket, Key=key)["Body"]
        return body
