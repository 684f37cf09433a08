"""Table Schema field rules on small inline columns: every type and every constraint the
validator supports, including those the shipped descriptor does not use yet."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.fields import field_rules

CASES = [
    # (field descriptor, value, codes it must trigger)
    ({"type": "integer"}, "-12", set()),
    ({"type": "integer"}, "1.5", {"type-error"}),
    ({"type": "number"}, "1.5e3", set()),
    ({"type": "number"}, "NaN", set()),
    ({"type": "number"}, "one", {"type-error"}),
    ({"type": "boolean"}, "TRUE", set()),
    ({"type": "boolean"}, "yes", {"type-error"}),
    ({"type": "date"}, "2024-02-29", set()),
    ({"type": "date"}, "2023-02-29", {"type-error"}),
    ({"type": "date"}, "2024-2-1", {"type-error"}),
    ({"type": "year"}, "2024", set()),
    ({"type": "year"}, "24", {"type-error"}),
    ({"type": "string", "constraints": {"required": True}}, "", {"missing-value"}),
    ({"type": "string", "constraints": {"pattern": "[a-z]+"}}, "abc1", {"pattern-mismatch"}),
    ({"type": "string", "constraints": {"enum": ["a", "b"]}}, "c", {"not-in-vocabulary"}),
    ({"type": "string", "constraints": {"enum": ["a", "b"]}}, "", set()),
    ({"type": "string", "constraints": {"minLength": 3}}, "ab", {"out-of-range"}),
    ({"type": "string", "constraints": {"maxLength": 3}}, "abcd", {"out-of-range"}),
    ({"type": "integer", "constraints": {"minimum": 0}}, "-1", {"out-of-range"}),
    ({"type": "integer", "constraints": {"maximum": 10}}, "11", {"out-of-range"}),
    ({"type": "number", "constraints": {"maximum": 1.5}}, "1.6", {"out-of-range"}),
    ({"type": "integer", "constraints": {"maximum": 10}}, "x", {"type-error"}),  # a type error is not also out of range
    ({"type": "string"}, " padded", {"whitespace"}),
    ({"type": "string"}, "@SUM(A1)", {"formula-injection"}),
    ({"type": "integer"}, "-5", set()),  # a negative number is not a formula in a typed field
    ({"type": "date"}, "2024-01-01\u200b", {"type-error", "invisible-character"}),
    # every other Table Schema type, and the formats (a bad cell is a type-error)
    ({"type": "datetime"}, "2024-01-01T10:00:00Z", set()),
    ({"type": "datetime"}, "2024-01-01T10:00:00+05:30", set()),
    ({"type": "datetime"}, "2024-01-01", {"type-error"}),
    ({"type": "datetime"}, "2024-02-30T10:00:00", {"type-error"}),
    ({"type": "datetime", "format": "%d/%m/%Y %H:%M"}, "31/12/2024 23:59", set()),
    ({"type": "datetime", "format": "%d/%m/%Y %H:%M"}, "2024-12-31T23:59:00", {"type-error"}),
    ({"type": "datetime", "format": "any"}, "31 Dec 2024 10:00", set()),
    ({"type": "datetime", "format": "any"}, "not a time", {"type-error"}),
    ({"type": "time"}, "23:59:59", set()),
    ({"type": "time"}, "24:00:01", {"type-error"}),
    ({"type": "time"}, "9:00", {"type-error"}),
    ({"type": "time", "format": "%H.%M"}, "09.30", set()),
    ({"type": "date", "format": "%d/%m/%Y"}, "31/12/2024", set()),
    ({"type": "date", "format": "%d/%m/%Y"}, "2024-12-31", {"type-error"}),
    ({"type": "date", "format": "any"}, "December 31, 2024", set()),
    ({"type": "yearmonth"}, "2024-12", set()),
    ({"type": "yearmonth"}, "2024-13", {"type-error"}),
    ({"type": "duration"}, "P1Y2M3DT4H5M6S", set()),
    ({"type": "duration"}, "1 year", {"type-error"}),
    ({"type": "geopoint"}, "90.5, -45", set()),
    ({"type": "geopoint"}, "190,45", {"type-error"}),
    ({"type": "geopoint", "format": "array"}, "[90, 45]", set()),
    ({"type": "geopoint", "format": "array"}, "[90]", {"type-error"}),
    ({"type": "geopoint", "format": "object"}, '{"lon": 90, "lat": 45}', set()),
    ({"type": "geopoint", "format": "object"}, '{"lon": 90, "lat": 95}', {"type-error"}),
    ({"type": "geojson"}, '{"type": "Point", "coordinates": [1, 2]}', set()),
    ({"type": "geojson"}, '{"type": "Topology"}', {"type-error"}),
    ({"type": "geojson", "format": "topojson"}, '{"type": "Topology", "objects": {}}', set()),
    ({"type": "geojson"}, "[1, 2]", {"type-error"}),
    ({"type": "object"}, '{"a": [1]}', set()),
    ({"type": "object"}, "[1]", {"type-error"}),
    ({"type": "array"}, '[1, "a"]', set()),
    ({"type": "array"}, '{"a": 1}', {"type-error"}),
    ({"type": "list"}, "a,b", set()),
    ({"type": "list", "itemType": "integer", "delimiter": ";"}, "1;2", set()),
    ({"type": "list", "itemType": "integer", "delimiter": ";"}, "1,2", {"type-error"}),
    ({"type": "list", "itemType": "date"}, "2024-01-01,2024-02-30", {"type-error"}),
    ({"type": "any"}, "anything at all", set()),
    ({"type": "string", "format": "email"}, "ann@example.org", set()),
    ({"type": "string", "format": "email"}, "ann.example.org", {"type-error"}),
    ({"type": "string", "format": "uri"}, "https://example.org/a?b=c", set()),
    ({"type": "string", "format": "uri"}, "example.org", {"type-error"}),
    ({"type": "string", "format": "uuid"}, "a8098c1a-f86e-11da-bd1a-00112444be1e", set()),
    ({"type": "string", "format": "uuid"}, "a8098c1a-f86e-11da-bd1a", {"type-error"}),
    ({"type": "string", "format": "binary"}, "aGVsbG8=", set()),
    ({"type": "string", "format": "binary"}, "aGVsbG8", {"type-error"}),
]


@pytest.mark.parametrize("field,value,codes", CASES, ids=[f"{f.get('type')}:{v!r}" for f, v, _ in CASES])
def test_field_rule_fires_exactly_when_it_should(field, value, codes):
    fld = {"name": "x", **field}
    frame = pd.DataFrame({"x": pd.Series([value], dtype="str")})
    failing = {r.code for r in field_rules([fld], [], np.array([2]), hygiene=True) if not r.test(frame).all()}
    assert failing == codes


def failing(fld: dict, values: list[str]) -> list[bool]:
    frame = pd.DataFrame({"x": pd.Series(values, dtype="str")})
    rules = [r for r in field_rules([{"name": "x", **fld}], [], np.arange(len(values))) if r.code == "type-error"]
    return [bool(b) for b in ~rules[0].ok(frame)["x"].to_numpy()] if rules else [False] * len(values)


@settings(max_examples=200, deadline=None)
@given(when=st.datetimes(timezones=st.none() | st.integers(-1439, 1439).map(lambda m: timezone(timedelta(minutes=m)))))
def test_any_datetime_the_stdlib_writes_is_a_datetime_and_a_time(when):
    """Offsets in whole minutes: ISO 8601 and RFC 3339 have no seconds in an offset (nor does dateutil)."""
    assert failing({"type": "datetime"}, [when.isoformat(), when.isoformat(timespec="seconds")]) == [False, False]
    assert failing({"type": "time"}, [when.timetz().isoformat()]) == [False]
    assert failing({"type": "date"}, [when.date().isoformat()]) == [False]
    assert failing({"type": "date", "format": "%d.%m.%Y"}, [f"{when:%d.%m}.{when.year:04d}"]) == [False]


TYPES = ["integer", "number", "boolean", "date", "year", "datetime", "time", "yearmonth", "duration", "geopoint", "geojson",
         "object", "array", "list", "any"]


@settings(max_examples=300, deadline=None)
@given(type_=st.sampled_from(TYPES), values=st.lists(st.text(max_size=30), min_size=1, max_size=5))
def test_any_text_is_answered_for_every_type_without_a_traceback(type_, values):
    assert len(failing({"type": type_}, values)) == len(values)
