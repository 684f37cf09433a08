"""Synthetic packages: valid under every rule, deterministic, and a fair ground for parity with
frictionless: every table-level error frictionless reports, we report at the same line and field."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import Pkg
from validate.cli import main
from validate.core import validate_package

ROOT = Path(__file__).resolve().parent.parent
# frictionless error type -> the codes of ours that cover it
PARITY = {
    "type-error": {"type-error"},
    "constraint-error": {"missing-value", "pattern-mismatch", "not-in-vocabulary", "out-of-range", "duplicate-value"},
    "unique-error": {"duplicate-value", "duplicate-primary-key"},
    "primary-key": {"duplicate-primary-key"},
    "foreign-key": {"dangling-foreign-key"},
}


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "pkg"
    assert main(["synth", str(out), "--rows", "6000", "--from", str(ROOT)]) == 0  # events past the Arrow threshold
    return out


def test_synthetic_package_is_valid_under_every_rule_and_frictionless(synthetic):
    assert [p.format() for p in validate_package(synthetic)] == []
    done = subprocess.run([str(Path(sys.executable).with_name("frictionless")), "validate", "datapackage.json", "--json"],
                          cwd=synthetic, capture_output=True, text=True)
    assert json.loads(done.stdout)["valid"]


def test_synthetic_sizes_are_proportional(synthetic):
    count = {p.stem: p.read_text(encoding="utf-8").count("\n") - 1 for p in (synthetic / "data").glob("*.csv")}
    assert (count["events"], count["actors"], count["event_actors"], count["commitments"], count["commitment_parties"], count["sources"]) == (
        6000, 600, 12000, 3000, 6000, 6)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    for name, seed in [("a", 1), ("b", 1), ("c", 2)]:
        assert main(["synth", str(tmp_path / name), "--rows", "50", "--seed", str(seed), "--from", str(ROOT)]) == 0
    assert files(tmp_path / "a") == files(tmp_path / "b") != files(tmp_path / "c")


def test_synth_refuses_to_overwrite(tmp_path):
    (tmp_path / "x").mkdir()
    assert main(["synth", str(tmp_path / "x"), "--rows", "5", "--from", str(ROOT)]) == 2


def test_every_table_error_frictionless_reports_we_report_at_the_same_line_and_field(synthetic, tmp_path):
    import shutil

    pkg = Pkg(tmp_path / "pkg")
    shutil.copytree(synthetic, pkg.root)
    pkg.set("events", "ev-0000010", "char_start", "x")  # type
    pkg.set("events", "ev-0000020", "summary", "")  # required
    pkg.set("events", "ev-0000030", "cameo_code", "12")  # pattern, and a dangling cameo code
    pkg.set("events", "ev-0000040", "date_start", "2024-02-30")  # impossible date
    pkg.set("events", "ev-0005990", "char_start", "-1")  # minimum
    pkg.set("event_types", "AGREE", "scheme", "CAMEO")  # enum
    pkg.set("event_actors", ("ev-0000050",), "actor_id", "no-such-actor")  # foreign key
    pkg.append("event_actors", pkg.rows("event_actors")[7])  # composite primary key
    pkg.append("actors", pkg.rows("actors")[3])  # single primary key, unique
    done = subprocess.run([str(Path(sys.executable).with_name("frictionless")), "validate", "datapackage.json", "--json"],
                          cwd=pkg.root, capture_output=True, text=True)
    theirs = [(f"data/{task['name']}.csv", e) for task in json.loads(done.stdout)["tasks"] for e in task["errors"] if e["type"] in PARITY]
    ours = validate_package(pkg.root)
    located = {(p.path, p.line, p.column, p.code) for p in ours}
    assert len(theirs) >= 9
    keys = {f"data/{r['name']}.csv": "+".join(r["schema"]["primaryKey"]) for r in pkg.descriptor()["resources"]}
    for path, e in theirs:
        field = e.get("fieldName") or (keys[path] if e["type"] == "primary-key" else e.get("fieldNames", [None])[0])
        assert any((path, e["rowNumber"], field, code) in located for code in PARITY[e["type"]]), (path, e["type"], e["rowNumber"], field, e["note"])
