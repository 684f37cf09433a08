"""The command line: exit codes, output formats, help, and no tracebacks."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from validate.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parent.parent
LINE = re.compile(r"^[^:\n]+:\d+:[^:\n]+: [a-z]+(-[a-z]+)*: .+$")


class Result:
    def __init__(self, returncode, out):
        self.returncode, self.stdout, self.stderr = returncode, out.out, out.err


@pytest.fixture
def run(capsys):
    """The CLI in this process (fast); test_python_dash_m_runs_the_cli covers the real entry point."""

    def invoke(*args):
        code = main(list(args))
        return Result(code, capsys.readouterr())

    return invoke


def test_python_dash_m_runs_the_cli():
    ok = subprocess.run([sys.executable, "-m", "validate", str(ROOT)], capture_output=True, text=True, cwd="/", env={"PYTHONPATH": str(ROOT)})
    bad = subprocess.run([sys.executable, "-m", "validate", "--format", "xml"], capture_output=True, text=True, cwd="/", env={"PYTHONPATH": str(ROOT)})
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "valid: no problems found\n", "")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr and "Traceback" not in bad.stderr


def test_valid_package_exits_0(run):
    out = run(str(ROOT))
    assert (out.returncode, out.stdout, out.stderr) == (0, "valid: no problems found\n", "")


def test_invalid_package_exits_1_with_located_lines(pkg, run):
    pkg.set("events", "ev-007", "event_mode", "expel")  # no CAMEO code: the crosswalk does not apply
    pkg.set("actors", "india", "country", "XIN")
    out = run(str(pkg.root))
    lines = out.stdout.splitlines()
    assert out.returncode == 1 and out.stderr == ""
    assert all(LINE.match(line) for line in lines[:-1])
    assert lines[-1] == "invalid: 2 problems in 2 files"
    # grouped by file in package order: actors before events
    assert lines[0].startswith("data/actors.csv:") and lines[1].startswith("data/events.csv:")


def test_json_format_is_machine_readable(pkg, run):
    pkg.set("actors", "india", "country", "XIN")
    out = run(str(pkg.root), "--format", "json")
    report = json.loads(out.stdout)
    assert out.returncode == 1 and report["valid"] is False
    assert [(p["path"], p["column"], p["code"]) for p in report["problems"]] == [("data/actors.csv", "country", "unknown-country")]


def test_github_format_emits_annotations(pkg, run):
    pkg.set("actors", "india", "country", "XIN")
    out = run(str(pkg.root), "--format", "github")
    line = pkg.line_of("actors", "india")
    assert out.stdout.startswith(f"::error file=data/actors.csv,line={line},title=unknown-country::country: ")


@pytest.mark.parametrize("args", [["--format", "xml"], ["--no-such-option"], ["a", "b"], ["--max-bytes", "0"]])
def test_usage_errors_exit_2(args, run):
    out = run(*args)
    assert out.returncode == 2 and "Traceback" not in out.stderr


def test_path_that_is_not_a_directory_exits_2(tmp_path, run):
    out = run(str(tmp_path / "nowhere"))
    assert out.returncode == 2 and "is not a directory" in out.stderr


def test_help_lists_every_command(run):
    out = run("--help")
    assert out.returncode == 0 and all(f"  {name} " in out.stdout for name in COMMANDS)


def test_unknown_command_is_a_usage_error_naming_the_commands(tmp_path, run, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = run("frobnicate")
    assert out.returncode == 2 and "unknown command 'frobnicate'" in out.stderr and all(name in out.stderr for name in COMMANDS)


def test_directory_without_descriptor_is_invalid_not_a_crash(tmp_path, run):
    out = run(str(tmp_path))
    assert out.returncode == 1 and out.stdout.startswith("datapackage.json:1:1: missing-file:")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help_from_its_docstring(command, capsys):
    assert main([command, "--help"]) == 0
    first_line = COMMANDS[command][0].__doc__.split("\n")[0]
    assert first_line.split()[0] in capsys.readouterr().out


def test_default_path_is_the_working_directory(run, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert run().returncode == 0


def test_docs_and_site_on_a_bare_package_answer_without_internal_error(pkg, capsys):
    assert main(["docs", "--check", str(pkg.root)]) == 1  # the codebook and figures are missing: stale
    (pkg.root / "dist").mkdir()
    (pkg.root / "dist" / "SHA256SUMS").write_text("")
    assert main(["site", str(pkg.root)]) == 2
    err = capsys.readouterr().err
    assert "internal error" not in err and "CITATION.cff" in err


@pytest.mark.parametrize("command", ["export", "docs"])
def test_publishing_a_package_without_name_or_version_is_a_located_refusal(command, tmp_path, run):
    (tmp_path / "data.csv").write_text("id,value\n1,a\n", encoding="utf-8")
    (tmp_path / "datapackage.json").write_text(json.dumps({"resources": [{"name": "data", "path": "data.csv", "schema": {
        "fields": [{"name": "id", "type": "integer"}, {"name": "value", "type": "string"}]}}]}), encoding="utf-8")
    assert run(str(tmp_path)).returncode == 0  # valid under the specs alone
    out = run(command, str(tmp_path))
    assert out.returncode == 1 and out.stdout.startswith("datapackage.json:1:1: descriptor-error:") and "internal error" not in out.stderr


@pytest.mark.parametrize("command", ["docs", "export", "workbook"])
def test_a_command_that_writes_refuses_a_broken_descriptor_before_reading_any_table(command, pkg, run):
    """The descriptor's own problems are enough to refuse: the tables are not read (a table that
    cannot be decoded goes unreported here, `validate` reports it), and nothing is written."""
    d = pkg.descriptor()
    d["version"] = "one"
    pkg.write_descriptor(d)
    pkg.write_raw("actors", b"\xff\xfe not utf-8")
    before = sorted(p.relative_to(pkg.root) for p in pkg.root.rglob("*"))
    out = run(command, str(pkg.root))
    assert out.returncode == 1 and "nothing was written" in out.stderr
    assert [line.split(":")[0] for line in out.stdout.splitlines()[:-1]] == ["datapackage.json"]
    assert sorted(p.relative_to(pkg.root) for p in pkg.root.rglob("*")) == before


TIED = """
import sys
sys.path.insert(0, sys.argv[1])
from validate.problems import problem, sort_problems
found = [problem("datapackage.json", 7, "3", "descriptor-error", f"foreign key {i} of the field") for i in range(12)]
print([p.message for p in sort_problems(found, ["datapackage.json"])])
"""


def test_problems_at_one_cell_come_out_in_the_same_order_whatever_the_hash_seed():
    import os

    outputs = {subprocess.run([sys.executable, "-c", TIED, str(ROOT)], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout for seed in range(6)}
    assert len(outputs) == 1


@pytest.mark.parametrize("args", [["{root}"], ["fmt", "--check", "{root}"], ["docs", "--check", "{root}"],
                                  ["workbook", "{root}", "--out", "{tmp}/w.xlsx"], ["synth", "{tmp}/s", "--rows", "5", "--from", "{root}"]],
                         ids=["check", "fmt", "docs", "workbook", "synth"])
def test_a_run_that_starts_with_the_collector_off_turns_it_on_once_its_libraries_are_imported(pkg, args, tmp_path, capsys):
    """python -m validate starts with the garbage collector off (validate/__main__.py); each command
    turns it on, with what the imports allocated frozen out of its passes, before its work."""
    import gc

    gc.disable()
    try:
        main([a.format(root=pkg.root, tmp=tmp_path) for a in args])
        assert gc.isenabled() and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.enable()
    capsys.readouterr()


def test_an_in_process_caller_keeps_its_collector_as_it_was(pkg, capsys):
    import gc

    frozen = gc.get_freeze_count()
    assert main([str(pkg.root)]) == 0 and gc.isenabled() and gc.get_freeze_count() == frozen
    capsys.readouterr()


@pytest.mark.parametrize("command", [["workbook", "--out", "{file}/w.xlsx"], ["export", "--out", "{file}/dist"]])
def test_an_output_the_machine_refuses_is_a_usage_error_naming_it_not_an_internal_error(pkg, tmp_path, command, capsys):
    (tmp_path / "file").write_text("a file, not a folder\n")
    args = [a.format(file=tmp_path / "file") for a in command]
    assert main([*args, str(pkg.root)]) == 2
    err = capsys.readouterr().err
    assert "internal error" not in err and f"cannot write or read {tmp_path / 'file'}" in err


def test_a_path_with_a_line_break_or_escape_is_echoed_escaped_on_one_line(tmp_path, capsys):
    odd = tmp_path / "no\x1b[31m\nsuch"
    assert main([str(odd)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "\x1b" not in err and "no\\x1b[31m\\nsuch is not a directory" in err


@pytest.mark.parametrize("command", [["workbook", "--out", "{dir}/w\x1b[2J\n.xlsx"], ["export", "--out", "{dir}/d\x1b[2J\nist"]])
def test_a_written_path_with_a_line_break_or_escape_is_printed_escaped(pkg, tmp_path, command, capsys):
    args = [a.format(dir=tmp_path) for a in command]
    assert main([*args, str(pkg.root)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines and all("\x1b" not in line and "\\x1b[2J\\n" in line for line in lines)


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_a_value_from_the_data_with_a_line_break_or_escape_cannot_forge_a_problem_line(pkg, fmt, capsys):
    key = pkg.rows("sources")[1][0]
    pkg.set("sources", key, "text_path", "data/sources/\x1b[31mEVIL\nforged:1:1: ok.txt")
    assert main([str(pkg.root), "--format", fmt]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out and not any(line.startswith("forged") for line in out.splitlines())


def test_a_usage_error_quoting_a_huge_text_is_cut_to_a_readable_line(tmp_path, capsys, monkeypatch):
    import validate.cli as cli

    def huge(**kwargs):
        raise cli.UsageError("x" * 1_000_000)

    monkeypatch.setitem(cli.COMMANDS, "docs", (huge, *cli.COMMANDS["docs"][1:]))
    assert main(["docs", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and len(err) < 2200 and "(1,000,000 characters in all)" in err
