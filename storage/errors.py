"""Neutral errors raised by the storage layer.

The messages of :class:`InvalidValue` are the texts DynamoDB shows for the same mistake
(they are facts of the value model, like "38 significant digits"), but the *type* is ours:
``dynamo.errors`` decides which DynamoDB error each one becomes.
"""


class StorageError(Exception):
    """Base class of every error raised by ``storage``."""


class InvalidValue(StorageError):
    """An attribute value breaks a rule of the value model (number range, empty set, ...)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TooManyDatabases(StorageError):
    """Creating this table or index would exceed the environment's ``max_dbs``."""


class CorruptStore(StorageError):
    """The data directory holds something this version cannot read."""
