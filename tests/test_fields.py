"""Table Schema field rules on small inline columns: every type and every constraint the
validator supports, including those the shipped descriptor does not use yet."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

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
]


@pytest.mark.parametrize("field,value,codes", CASES, ids=[f"{f.get('type')}:{v!r}" for f, v, _ in CASES])
def test_field_rule_fires_exactly_when_it_should(field, value, codes):
    fld = {"name": "x", **field}
    frame = pd.DataFrame({"x": pd.Series([value], dtype="str")})
    failing = {r.code for r in field_rules([fld], [], np.array([2]), hygiene=True) if not r.test(frame).all()}
    assert failing == codes
