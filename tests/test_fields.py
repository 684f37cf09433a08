"""Table Schema field rules on small inline columns: every type and every constraint the
validator supports, including those the shipped descriptor does not use yet."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from datetime import datetime, timedelta, timezone

from hypothesis import example, given, settings
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
    ({"type": "yearmonth"}, "2024-1", {"type-error"}),  # frictionless reads it with int(); the spec says YYYY-MM
    ({"type": "number"}, " 1", {"type-error"}),  # frictionless strips the cell; the spec's lexical form has no spaces
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
    ({"type": "object"}, '{"a": NaN}', {"type-error"}),  # Python's json reads NaN and Infinity; JSON has neither
    ({"type": "array"}, "[-Infinity]", {"type-error"}),
    ({"type": "geojson"}, '{"type": "Point", "coordinates": [Infinity, 1]}', {"type-error"}),
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
    # constraints compare values of the field's type
    ({"type": "number", "constraints": {"enum": [1]}}, "1.0", set()),
    ({"type": "number", "constraints": {"enum": [1]}}, "1.5", {"not-in-vocabulary"}),
    ({"type": "integer", "constraints": {"enum": [0]}}, "-0", set()),
    ({"type": "integer", "constraints": {"enum": ["7"]}}, "+07", set()),
    ({"type": "boolean", "constraints": {"enum": [True]}}, "0", {"not-in-vocabulary"}),
    ({"type": "object", "constraints": {"enum": [{"a": 1, "b": 2}]}}, '{"b": 2, "a": 1}', set()),
    ({"type": "date", "constraints": {"enum": ["2024-01-01"]}}, "2024-01-02", {"not-in-vocabulary"}),
    ({"type": "date", "constraints": {"minimum": "2024-01-01"}}, "2023-12-31", {"out-of-range"}),
    ({"type": "date", "constraints": {"exclusiveMaximum": "2024-01-01"}}, "2024-01-01", {"out-of-range"}),
    ({"type": "date", "format": "%d/%m/%Y", "constraints": {"minimum": "01/01/2024"}}, "31/12/2023", {"out-of-range"}),
    ({"type": "datetime", "constraints": {"maximum": "2024-01-01T00:00:00Z"}}, "2024-01-01T05:00:00+05:00", set()),
    ({"type": "datetime", "constraints": {"maximum": "2024-01-01T00:00:00Z"}}, "2024-01-01T01:00:00+00:00", {"out-of-range"}),
    ({"type": "time", "constraints": {"minimum": "09:00:00"}}, "08:59:59", {"out-of-range"}),
    ({"type": "yearmonth", "constraints": {"maximum": "2024-06"}}, "2024-07", {"out-of-range"}),
    ({"type": "year", "constraints": {"exclusiveMinimum": 2000}}, "2000", {"out-of-range"}),
    ({"type": "integer", "constraints": {"exclusiveMinimum": 0}}, "0", {"out-of-range"}),
    ({"type": "integer", "constraints": {"exclusiveMaximum": 10**30}}, str(10**30), {"out-of-range"}),
    ({"type": "number", "constraints": {"exclusiveMaximum": 1.5}}, "1.5", {"out-of-range"}),
    ({"type": "number", "constraints": {"maximum": 10**400}}, "1e300", set()),  # a bound too wide for a float, compared exactly
    ({"type": "number", "constraints": {"minimum": 0}}, "NaN", {"out-of-range"}),
    ({"type": "number", "constraints": {"maximum": "1000"}}, "INF", {"out-of-range"}),  # a bound may be written as text
    ({"type": "array", "constraints": {"minLength": 2}}, "[1]", {"out-of-range"}),
    ({"type": "list", "constraints": {"maxLength": 2}}, "a,b,c", {"out-of-range"}),
    ({"type": "object", "constraints": {"maxLength": 1}}, '{"a": 1, "b": 2}', {"out-of-range"}),
    ({"type": "array", "constraints": {"minLength": 2}}, "not json", {"type-error"}),  # a type error is not also out of range
    # trueValues, falseValues; decimalChar, groupChar, bareNumber
    ({"type": "boolean", "trueValues": ["yes"], "falseValues": ["no"]}, "no", set()),
    ({"type": "boolean", "trueValues": ["yes"], "falseValues": ["no"]}, "true", {"type-error"}),
    ({"type": "boolean", "trueValues": ["yes"], "constraints": {"enum": ["yes"]}}, "false", {"not-in-vocabulary"}),
    ({"type": "number", "decimalChar": ",", "groupChar": "."}, "1.234,5", set()),
    ({"type": "number", "decimalChar": ","}, "1.5", {"type-error"}),
    ({"type": "number", "decimalChar": ",", "constraints": {"maximum": 1.5}}, "1,6", {"out-of-range"}),
    ({"type": "number", "groupChar": " "}, "1 000 000.5", set()),
    ({"type": "number", "bareNumber": False}, "$1.50", set()),
    ({"type": "number", "bareNumber": False}, "95%", set()),
    ({"type": "number", "bareNumber": False}, "EUR 1.5 a", set()),
    ({"type": "number"}, "$1.50", {"type-error"}),
    ({"type": "number", "bareNumber": False}, "1.5.5", {"type-error"}),
    ({"type": "integer", "bareNumber": False}, "-12 km", set()),
    ({"type": "integer", "bareNumber": False, "constraints": {"minimum": 0}}, "-12 km", {"out-of-range"}),
    ({"type": "integer", "groupChar": ","}, "1,000", set()),
    ({"type": "integer", "groupChar": ",", "constraints": {"enum": [1000]}}, "1,000", set()),
    ({"type": "integer"}, "1,000", {"type-error"}),
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
    return [bool(b) for b in ~rules[0].verdicts(frame)["x"]] if rules else [False] * len(values)


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


@settings(max_examples=200, deadline=None)
@given(day=st.dates(), bound=st.dates(), key=st.sampled_from(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]))
def test_a_date_bound_compares_dates(day, bound, key):
    holds = {"minimum": day >= bound, "maximum": day <= bound, "exclusiveMinimum": day > bound, "exclusiveMaximum": day < bound}[key]
    fld = {"name": "x", "type": "date", "constraints": {key: bound.isoformat()}}
    frame = pd.DataFrame({"x": pd.Series([f"{day.year:04d}-{day.month:02d}-{day.day:02d}"], dtype="str")})
    assert all(r.test(frame).all() for r in field_rules([fld], [], np.array([2]))) == holds


@pytest.mark.parametrize("fld,values", [
    ({"type": "number"}, ["1.0", "1", "1e0"]),
    ({"type": "datetime"}, ["2024-01-01T00:00:00Z", "2024-01-01T00:00:00+00:00"]),
    ({"type": "datetime"}, ["2024-01-01T18:00:00Z", "2024-01-01T15:00:00-03:00"]),
    ({"type": "time"}, ["18:00:00Z", "15:00:00-03:00"]),
    ({"type": "object"}, ['{"a": 1}', '{ "a":1 }']),
    ({"type": "geopoint"}, ["1, 2", "1.0, 2.00", "1e0, 0.2e1"]),
    ({"type": "geopoint", "format": "array"}, ["[0, -0]", "[-0.0, 0.0]"]),
])
def test_unique_compares_values_of_the_type(fld, values):
    rule = next(r for r in field_rules([{"name": "x", "constraints": {"unique": True}, **fld}], [], np.arange(len(values)) + 2)
                if r.code == "duplicate-value")
    frame = pd.DataFrame({"x": pd.Series(values, dtype="str")})
    assert list(rule.test(frame)) == [True] + [False] * (len(values) - 1)


@settings(max_examples=200, deadline=None)
@given(x=st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-10**9, max_value=10**9))
def test_any_number_written_with_a_decimal_comma_and_grouped_thousands_is_read_as_itself(x):
    text = f"{x:,.2f}".replace(",", " ").replace(".", ",")
    fld = {"name": "x", "type": "number", "decimalChar": ",", "groupChar": " ", "bareNumber": False}
    frame = pd.DataFrame({"x": pd.Series([f"€ {text}"], dtype="str")})
    for key, holds in (("maximum", True), ("exclusiveMaximum", False)):
        rules = field_rules([{**fld, "constraints": {key: float(x)}}], [], np.array([2]))
        assert {r.code for r in rules if not r.test(frame).all()} == (set() if holds else {"out-of-range"})


DIGITS = st.text("0123456789", min_size=1, max_size=9000)


@settings(max_examples=150, deadline=None)
@example(sign="", digits="9" * 5000, zeros=0, bound=10, key="maximum")
@example(sign="-", digits="9" * 100_000, zeros=0, bound="-" + "9" * 99_999, key="minimum")
@example(sign="+", digits="5", zeros=5000, bound=5, key="exclusiveMaximum")
@given(sign=st.sampled_from(["", "+", "-"]), digits=DIGITS, zeros=st.integers(0, 3),
       bound=st.integers(-(10**30), 10**30) | st.builds(lambda d: int("9" * d), st.integers(19, 4000)) | DIGITS.map(lambda d: "1" + d),
       key=st.sampled_from(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]))
def test_an_integer_of_any_width_is_compared_exactly_with_any_bound(sign, digits, zeros, bound, key):
    """int() refuses texts of more than 4300 digits (Python 3.11) and converts quadratically: an
    integer cell or bound of any width is compared exactly, never an internal error."""
    import sys

    text = sign + "0" * zeros + digits
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        value, limit = int(text), int(bound)
    finally:
        sys.set_int_max_str_digits(old)
    holds = {"minimum": value >= limit, "maximum": value <= limit, "exclusiveMinimum": value > limit, "exclusiveMaximum": value < limit}[key]
    fits = -(2**63) <= value < 2**63
    fld = {"name": "x", "type": "integer", "constraints": {key: bound, "unique": True}}
    frame = pd.DataFrame({"x": pd.Series([text, text.lstrip("+")], dtype="str")})
    found = {r.code: list(r.test(frame)) for r in field_rules([fld], [], np.array([2, 3]))}
    assert found["out-of-range"] == [holds and fits] * 2
    assert found["duplicate-value"] == [True, False]  # +N and N are one integer, however wide


@settings(max_examples=150, deadline=None)
@example(when=datetime(1, 1, 1), minutes=300, other=-300)
@example(when=datetime(9999, 12, 31, 23, 59, 59), minutes=-300, other=60)
@given(when=st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(1, 1, 2)) | st.datetimes(min_value=datetime(9999, 12, 30)),
       minutes=st.integers(-1439, 1439), other=st.integers(-1439, 1439))
def test_a_datetime_at_the_edge_of_the_calendar_with_any_offset_is_compared_by_instant(when, minutes, other):
    """0001-01-01T00:00:00+05:00 is before year 1 in UTC: unique and enum compared its UTC
    datetime, which Python cannot hold (an internal error). The same instant written with
    another offset is still a duplicate."""
    first = when.replace(tzinfo=timezone(timedelta(minutes=minutes)))
    try:
        second = first.astimezone(timezone(timedelta(minutes=other)))
    except OverflowError:
        second = first
    fld = {"name": "x", "type": "datetime", "constraints": {"unique": True}}
    frame = pd.DataFrame({"x": pd.Series([first.isoformat(), second.isoformat()], dtype="str")})
    rule = next(r for r in field_rules([fld], [], np.array([2, 3])) if r.code == "duplicate-value")
    assert list(rule.test(frame)) == [True, False]


def test_a_column_of_values_all_out_of_range_is_reported_in_linear_time(tmp_path):
    """Each out-of-range message re-ran the bound tests on its one value (a pandas call per cell):
    20,000 failing cells took minutes. Messages are now made for all failing values at once."""
    import json
    import time

    from validate.core import validate_package

    (tmp_path / "t.csv").write_text("id,x\n" + "".join(f"r{j:06d},{j if j % 2 else '9' * 5000}\n" for j in range(20_000)))
    fields = [{"name": "id"}, {"name": "x", "type": "integer", "constraints": {"maximum": -1}}]
    (tmp_path / "datapackage.json").write_text(json.dumps({"resources": [{"name": "t", "path": "t.csv", "schema": {"fields": fields, "primaryKey": ["id"]}}]}))
    started = time.monotonic()
    found = validate_package(tmp_path)
    assert time.monotonic() - started < 60
    assert {(p.line, p.code) for p in found} == {(j + 2, "out-of-range") for j in range(20_000)}
    wide = next(p for p in found if p.line == 2)
    assert "outside the 64-bit integer range and maximum -1" in wide.message and "(5000 characters)" in wide.message and len(wide.message) < 500


@pytest.mark.parametrize("fmt", ["%Q" + "x" * 1_000_000, ["%Y"] * 100_000, 10**1000])
def test_a_refused_format_is_named_by_its_start_not_printed_whole(tmp_path, fmt):
    import json

    from validate.core import validate_package

    (tmp_path / "t.csv").write_text("id,x\na,1\n")
    fields = [{"name": "id"}, {"name": "x", "type": "date", "format": fmt}]
    (tmp_path / "datapackage.json").write_text(json.dumps({"resources": [{"name": "t", "path": "t.csv", "schema": {"fields": fields}}]}))
    found = validate_package(tmp_path)
    assert [p.code for p in found] == ["descriptor-error"] and len(found[0].message) < 600
