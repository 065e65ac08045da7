"""DynamoDB Streams: shards, records, iterators and retention (imports only ``storage``).

* :mod:`streams.model` - a stream, its shards and sequence numbers;
* :mod:`streams.records` - what a write records, and the wire form of a record;
* :mod:`streams.log` - creating, disabling, recording, shard rollover, trimming;
* :mod:`streams.iterators` - shard iterators;
* :mod:`streams.reading` - reading a shard within GetRecords' limits.
"""
