"""make bench: every run it times, and each ratio read against the speed targets."""

from __future__ import annotations

from pathlib import Path

from validate.bench import Run, bench, ratios, report, shuffled_copy, warm

ROOT = Path(__file__).resolve().parent.parent


def test_bench_times_the_arrow_floor_our_validation_and_a_shuffled_copy(tmp_path):
    runs = bench(ROOT, [300], tmp_path, frictionless=False, real_runs=1)
    assert {r.tool: r.exit_code for r in runs} == {"arrow-read": 0, "validate": 0, "validate-shuffled": 1, "real-imports": 0, "real-validate": 0}
    assert {r.tool: r.codes for r in runs}["validate-shuffled"] == ("not-canonical",)
    assert all(r.cpu > 0 for r in runs)
    text = report(runs)
    assert "| validate / Arrow read | 300 |" in text and "| shuffled / sorted | 300 |" in text
    assert "| real package: CPU s above importing the libraries | package |" in text
    assert "reported as not-canonical only: yes" in text


def test_the_shuffled_copy_holds_the_same_rows_in_another_order(tmp_path):
    package = tmp_path / "p"
    (package / "data").mkdir(parents=True)
    rows = [f"ev-{i:03d},x{i}".encode() for i in range(50)]
    (package / "data" / "events.csv").write_bytes(b"\n".join([b"event_id,title", *rows]) + b"\n")
    copy = shuffled_copy(package, seed=1)
    header, *got = (copy / "data" / "events.csv").read_bytes().split(b"\n")[:-1]
    assert header == b"event_id,title" and sorted(got) == rows and got != rows
    assert not list(tmp_path.glob(".shuffling-*"))  # the scratch copy became the result


def test_warming_reads_every_file_of_the_package_whole(tmp_path):
    package = tmp_path / "p"
    (package / "data" / "sources").mkdir(parents=True)
    (package / "datapackage.json").write_bytes(b"{}")
    (package / "data" / "events.csv").write_bytes(b"x" * ((1 << 24) + 5))  # more than one chunk
    (package / "data" / "sources" / "a.txt").write_bytes(b"abc")
    assert warm(package) == sum(p.stat().st_size for p in package.rglob("*") if p.is_file())


def runs_of(seconds: dict[tuple[str, int], float], peak: float = 500, codes=("not-canonical",)) -> list[Run]:
    return [Run(tool, n, n * 4, s, peak, 0, codes if tool == "validate-shuffled" else ()) for (tool, n), s in seconds.items()]


def test_each_ratio_is_marked_met_or_not_against_its_target():
    runs = runs_of({("arrow-read", 1000): 1.0, ("validate", 1000): 5.0, ("validate-shuffled", 1000): 9.0, ("frictionless", 1000): 200.0,
                    ("arrow-read", 10000): 10.0, ("validate", 10000): 80.0, ("validate-shuffled", 10000): 90.0, ("frictionless", 10000): 2000.0})
    got = {(what, n): (round(value, 3), value <= target) for what, n, value, target in ratios(runs)}
    assert got[("validate / Arrow read", 1000)] == (5.0, True)
    assert got[("validate / Arrow read", 10000)] == (8.0, False)
    assert got[("validate / frictionless", 1000)] == (0.025, True)
    assert got[("shuffled / sorted", 1000)] == (1.8, False)
    assert got[("growth 1,000 -> 10,000 (time ratio / rows ratio)", 10000)] == (1.6, False)
    assert "| validate / Arrow read | 10,000 | 8.00 | 7.00 | no |" in report(runs)


def test_the_real_package_is_read_against_the_cost_of_importing_the_libraries():
    runs = [Run("real-imports", 0, 100, 1.0, 90, 0, (), 1.60), Run("real-validate", 0, 100, 1.2, 150, 0, (), 1.80)]
    (what, n, value, target), = ratios(runs)
    assert (n, round(value, 3), target) == (0, 0.2, 0.15) and "| real package: CPU s above importing the libraries | package | 0.20 | 0.15 | no |" in report(runs)


def test_a_shuffled_table_reported_with_other_codes_is_flagged():
    runs = runs_of({("arrow-read", 10): 1.0, ("validate", 10): 1.0, ("validate-shuffled", 10): 1.0}, codes=("duplicate-primary-key", "not-canonical"))
    assert "reported as not-canonical only: no" in report(runs)


def test_validation_never_imports_hypothesis_even_where_it_is_installed():
    """pandera would import it (and hypothesis every installed plugin) on the first validation."""
    import subprocess
    import sys

    script = "import sys; from validate.core import validate_package; validate_package(sys.argv[1]); print('hypothesis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", script, str(ROOT)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "False", out.stderr
