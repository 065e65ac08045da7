"""DynamoDB Streams: shards, records, iterators and retention (imports only ``storage``)."""
