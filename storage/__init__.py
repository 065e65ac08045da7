"""LMDB storage engine: the value model, key codec, environment, catalog and item store.

This package knows nothing about the DynamoDB wire protocol; it imports only the standard
library, ``lmdb`` and ``msgpack``. Errors raised here are neutral (``storage.errors``) and
are translated to DynamoDB error types by ``dynamo.errors``.
"""
