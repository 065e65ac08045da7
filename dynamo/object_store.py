"""Where "S3" is: buckets as folders of a local directory, or a real S3-compatible server.

Exports write, and imports read, S3 objects. Locally a bucket ``b`` is the folder
``<s3 dir>/b`` and an object key is a path inside it, so exports are plain files a user
can open; with an endpoint configured, objects go through botocore's S3 client instead.
Both behave like S3 where it matters here: a bucket must exist before it is written to,
and a prefix is a plain string prefix of keys (``data`` matches ``data2/x``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import IO, Any, Protocol


class NoSuchBucket(Exception):
    """The bucket does not exist (DynamoDB reports ``S3NoSuchBucket``)."""


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
        base = self._bucket(bucket)
        path = os.path.normpath(os.path.join(base, key))
        if not path.startswith(base + os.sep):
            raise ValueError(f"object key {key!r} leaves its bucket")
        return path

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

    def _no_such_bucket(self, exc: Exception) -> bool:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code")
        return code in ("NoSuchBucket", "404")

    def check_bucket(self, bucket: str) -> None:
        try:
            self._client.head_bucket(Bucket=bucket)
        except Exception as exc:
            if self._no_such_bucket(exc):
                raise NoSuchBucket(bucket) from None
            raise

    def put_bytes(self, bucket: str, key: str, data: bytes) -> None:
        self._client.put_object(Bucket=bucket, Key=key, Body=data)

    def put_file(self, bucket: str, key: str, path: str) -> None:
        with open(path, "rb") as body:
            self._client.put_object(Bucket=bucket, Key=key, Body=body)
        os.remove(path)

    def keys(self, bucket: str, prefix: str) -> Iterator[tuple[str, int]]:
        token: str | None = None
        while True:
            extra = {"ContinuationToken": token} if token else {}
            try:
                page = self._client.list_objects_v2(Bucket=bucket, Prefix=prefix, **extra)
            except Exception as exc:
                if self._no_such_bucket(exc):
                    raise NoSuchBucket(bucket) from None
                raise
            for entry in page.get("Contents", []):
                yield entry["Key"], int(entry["Size"])
            if not page.get("IsTruncated"):
                return
            token = page["NextContinuationToken"]

    def open(self, bucket: str, key: str) -> IO[bytes]:
        body: IO[bytes] = self._client.get_object(Bucket=bucket, Key=key)["Body"]
        return body
