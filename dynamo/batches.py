"""What BatchGetItem and BatchWriteItem share: the ``RequestItems`` map and batch limits.

``RequestItems`` maps table names to per-table requests. DynamoDB validates its keys and
values as *map* constraints, echoing the whole map in the message: as a Java ``toString``
for BatchWriteItem, as JSON for BatchGetItem. A key may also be a table ARN, and then the
response is keyed by the ARN as sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from dynamo.errors import validation
from dynamo.params import NAME_PATTERN, valid_table_name
from dynamo.shapes import Errors, Map, Rendered, Shape

DUPLICATE_KEYS: Final = "Provided list of item keys contains duplicates"
_KEY_RULES: Final = (
    "Map keys must satisfy constraint: [Member must have length less than or equal to 255, "
    f"Member must have length greater than or equal to 3, Member must satisfy regular expression pattern: {NAME_PATTERN}]"
)

#: Per-table checks run after the map's own constraints: (table name, value, errors).
ValueCheck = Callable[[str, Any, Errors], None]


class RequestItems(Map):
    """The ``RequestItems`` map of a batch operation.

    ``echo`` renders the map for messages. ``value_rules`` is the text of the constraint
    every value must satisfy and ``value_ok`` the test (BatchWriteItem: 1-25 requests);
    ``check_value`` adds per-table violations of its own (BatchGetItem's ``Keys``).
    """

    def __init__(
        self,
        value: Shape,
        *,
        value_java: str,
        echo: Callable[[dict[str, Any]], str],
        value_rules: str | None = None,
        value_ok: Callable[[Any], bool] | None = None,
        check_value: ValueCheck | None = None,
        empty_rule: str | None = None,
    ) -> None:
        super().__init__(value, value_java=value_java)
        self.echo = echo
        self.value_rules = value_rules
        self.value_ok = value_ok
        self.check_value = check_value
        self.empty_rule = empty_rule

    def constrain(self, value: dict[str, Any], path: str, errors: Errors) -> None:
        if not value and self.empty_rule is not None:
            errors.add_unvalued("RequestItems", self.empty_rule)
        if not all(valid_table_name(name) for name in value):
            errors.add(Rendered(self.echo(value)), path, _KEY_RULES)
        if self.value_ok is not None and not all(self.value_ok(v) for v in value.values()):
            errors.add(
                Rendered(self.echo(value)), path, f"Map value must satisfy constraint: [{self.value_rules}]"
            )
        if self.check_value is not None:
            for name, element in value.items():
                self.check_value(name, element, errors)


def check_total(count: int, limit: int, operation: str) -> None:
    """At most ``limit`` keys or requests in one call, across all tables."""
    if count > limit:
        raise validation(f"Too many items requested for the {operation} call")
