"""Properties of the stream building blocks: iterators, sequence numbers, event names."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from streams import iterators
from streams.model import parse_sequence_number, sequence_number
from streams.records import event_name

positions = st.builds(
    iterators.Position,
    st.text(min_size=1, max_size=60).filter(lambda a: "|1|" not in a),
    st.binary(min_size=16, max_size=16),
    st.from_regex(r"shardId-[0-9]{20}-[0-9a-f]{8}", fullmatch=True),
    st.integers(0, 2**63 - 1),
    st.floats(0, 4e9, allow_nan=False).map(lambda t: round(t, 3)),
)


@given(positions)
def test_iterator_round_trip(position: iterators.Position) -> None:
    # An iterator decodes to the position it encodes (to the millisecond).
    decoded = iterators.decode(iterators.encode(position))
    assert decoded is not None
    assert (decoded.stream_arn, decoded.log_id, decoded.shard_id, decoded.next_seq) == (
        position.stream_arn,
        position.log_id,
        position.shard_id,
        position.next_seq,
    )
    assert abs(decoded.issued - position.issued) < 0.002


@given(st.text(max_size=200))
def test_garbage_iterators_decode_to_none(text: str) -> None:
    # Anything that is not one of our iterators is refused without an exception.
    assert iterators.decode(text) is None or "|1|" in text


@given(st.integers(0, 2**63 - 1), st.integers(0, 2**63 - 1))
def test_sequence_numbers_order_as_numbers(a: int, b: int) -> None:
    # Wire sequence numbers have 21+ digits, compare numerically like the counter, and parse back.
    x, y = sequence_number(a), sequence_number(b)
    assert len(x) >= 21 and (int(x) < int(y)) == (a < b)
    assert parse_sequence_number(x) == a


def test_event_names() -> None:
    # INSERT/MODIFY/REMOVE, and no event for a write that changes nothing (sets unordered, numbers by value).
    item = {"pk": {"S": "a"}, "s": {"SS": ["x", "y"]}, "n": {"N": "1"}}
    assert event_name(None, item) == "INSERT"
    assert event_name(item, None) == "REMOVE"
    assert event_name(None, None) is None
    assert event_name(item, {"pk": {"S": "a"}, "s": {"SS": ["y", "x"]}, "n": {"N": "1.0"}}) is None
    assert event_name(item, {**item, "n": {"N": "2"}}) == "MODIFY"


@given(st.text(min_size=21, max_size=40))
def test_only_ascii_decimal_sequence_numbers_parse(text: str) -> None:
    # Unicode digits, signs, spaces and numbers below the base are not sequence numbers.
    parsed = parse_sequence_number(text)
    if parsed is not None:
        assert text.isascii() and text.isdigit() and sequence_number(parsed) == text


def test_iterator_positions_are_bounded() -> None:
    # An edited iterator with a position that is negative, lax or too large is refused.
    import base64

    for position in ("-5", " 7 ", "1_0", str(2**64), "²"):
        opaque = base64.urlsafe_b64encode(f"{'00' * 16}:shardId-x:{position}:1".encode()).decode()
        assert iterators.decode(f"arn:x|1|{opaque}") is None
