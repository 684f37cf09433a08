"""Pandera schemas built from datapackage.json, one per resource, and run into located problems."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrorReason

from validate.declarations import reference_target
from validate.problems import Problem, problem


def _import_pandera_checks_without_hypothesis() -> None:
    """pandera's built-in checks import its data-synthesis strategies, which import hypothesis
    when it is installed (as in this project's environment), and hypothesis then loads every
    installed plugin: 0.4-0.9 s of each run. Validation synthesises no data, so those modules are
    imported with hypothesis hidden, unless something has imported it already (the test suite)."""
    if "hypothesis" in sys.modules:
        return
    sys.modules["hypothesis"] = None  # `import hypothesis` now raises ImportError
    try:
        import pandera.backends.pandas.builtin_checks  # noqa: F401
    finally:
        del sys.modules["hypothesis"]


_import_pandera_checks_without_hypothesis()

from .context import Context
from .coverage import exclusion_rules
from .fields import field_rules
from .keys import confusable_rule, cycle_rules, foreign_key_rules, primary_key_rule, retired_rule, unique_key_rules
from .rule import CellRule, Rule, typed_fields
from .rules import (attribution_rules, basis_rules, code_rules, crosswalk_rule, edtf_rules, evidence_rules, mode_rules, place_code_rules,
                    source_rules, verbatim_rules)


def resource_rules(res: dict, ctx: Context, lines: np.ndarray) -> list[Rule | CellRule]:
    """Every rule for one resource, in the order its problems are most useful to read: the specs'
    rules, then each project rule the descriptor declares for it."""
    schema = res["schema"]
    fields = schema["fields"]
    pk = schema.get("primaryKey", [])
    rules: list[Rule | CellRule] = field_rules(fields, pk, lines, hygiene="textHygiene" in ctx.conventions)
    # keys compare values of their fields' types; text fields (all of this package's keys) as they are
    typed = ctx.typed() | {res["name"]: typed_fields(fields)}
    missing = {f["name"]: f["missingValues"] for f in fields if "missingValues" in f}
    if pk:
        rules.append(primary_key_rule(pk, lines, typed[res["name"]]))
    rules += unique_key_rules(schema, lines, typed[res["name"]], missing)
    if res.get("vocabulary") is True and pk:
        rules.append(confusable_rule(pk, lines))
    declared = ctx.fields() | {res["name"]: {f["name"]: f for f in fields}}
    rules += foreign_key_rules(schema.get("foreignKeys", []), res["name"], ctx.frames, typed, missing, declared)
    if ctx.retired is not None and ctx.retired != res["name"]:
        rules += retired_rule(pk, res["name"], ctx.retired_ids)
    rules += cycle_rules(schema.get("foreignKeys", []), res["name"], typed[res["name"]], missing, declared[res["name"]])
    rules += edtf_rules(fields) + basis_rules(fields) + mode_rules(ctx, fields) + crosswalk_rule(ctx, res) + code_rules(fields)
    rules += attribution_rules(fields) + place_code_rules(fields)
    rules += source_rules(ctx, res) + evidence_rules(ctx, res) + verbatim_rules(ctx, res) + exclusion_rules(ctx, res)
    return rules


def aligned(res: dict, columns: list[str]) -> dict:
    """The resource as far as a table whose header names only `columns` can be checked: those
    fields, the keys made of them alone; every declaration naming an absent field switches off."""
    have = set(columns)
    if have >= {f["name"] for f in res["schema"]["fields"]}:
        return res
    schema = dict(res["schema"])
    schema["fields"] = [f for f in schema["fields"] if f["name"] in have]
    schema["primaryKey"] = schema["primaryKey"] if set(schema["primaryKey"]) <= have else []
    schema["uniqueKeys"] = [key for key in schema.get("uniqueKeys", []) if set(key) <= have]
    # a key to the resource itself also needs the fields it references (a damaged header may lack them)
    schema["foreignKeys"] = [fk for fk in schema.get("foreignKeys", []) if set(fk["fields"]) <= have
                             and (reference_target(fk, res["name"]) != res["name"] or set(fk["reference"]["fields"]) <= have)]
    return {**res, "schema": schema}


def build_schema(res: dict, rules: list[Rule | CellRule], failed: dict | None = None, columns: bool = True) -> pa.DataFrameSchema:
    """The pandera schema of a resource: its columns in descriptor order, and every rule as a named
    check (where the i-th fails, `failed[i]` is True where the row passes).

    Columns carry no dtype and allow nulls: the reader makes every cell a string and an empty cell
    the empty string, so pandera's per-column dtype and null checks could never fail. Missing
    values are the rules' business. `columns=False` leaves the columns out: the reader has checked
    the header already, locating each missing or extra field at its line and column, and pandera's
    components would only say it again unlocated, at 0.1 ms a column (15 ms of the 30 schemas'
    cost of a validation of this package, more than any rule)."""
    checks = [r.check(failed, i) for i, r in enumerate(rules)]
    if not columns:
        return pa.DataFrameSchema(checks=checks, name=res["name"])
    fields = {f["name"]: pa.Column(None, nullable=True) for f in res["schema"]["fields"]}
    return pa.DataFrameSchema(fields, checks=checks, name=res["name"], strict=True, ordered=True)


def check_table(res: dict, frame: pd.DataFrame, lines: np.ndarray, ctx: Context) -> list[Problem]:
    """The problems of one table: pandera runs every rule and says which failed; each failed
    rule locates its rows and explains them."""
    rules = resource_rules(res, ctx, lines)
    verdicts: dict[int, np.ndarray] = {}  # by the rule's place: two rules may share a name (two keys on the same fields)
    try:
        build_schema(res, rules, verdicts, columns=False).validate(frame, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:  # the table-wide checks are the rules, in order; a column's errors are not
        errors = [e for e in exc.schema_errors if isinstance(e.check_index, int) and 0 <= e.check_index < len(rules)
                  and getattr(e.check, "name", None) == rules[e.check_index].name]
    broken = [e for e in errors if e.reason_code == SchemaErrorReason.CHECK_ERROR]
    if broken:  # a rule raised instead of answering: a bug in this tool, not in the data
        raise RuntimeError(f"rule {broken[0].check.name} failed: {broken[0].failure_cases}")
    out = []
    for at in dict.fromkeys(e.check_index for e in errors):
        rule = rules[at]
        for i, field, detail in rule.failures(frame, frame.index[~verdicts[at]]):
            out.append(problem(res["path"], lines[i], field, rule.code, detail))
    return out
