"""Expression language (condition, filter, key-condition, projection, update): see issue 3.

Imports only the standard library and ``storage.values``.
"""
