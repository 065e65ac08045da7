"""A DAX-like read-through cache: ``Cache`` over an engine, configured by ``CacheSettings``."""

from dynamo.cache.layer import Cache, CacheSettings

__all__ = ["Cache", "CacheSettings"]
