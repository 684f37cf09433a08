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


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "validate", *args], cwd=cwd, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_valid_package_exits_0():
    out = run(str(ROOT))
    assert (out.returncode, out.stdout, out.stderr) == (0, "valid: no problems found\n", "")


def test_invalid_package_exits_1_with_located_lines(pkg):
    pkg.set("events", "ev-009", "event_mode", "expel")
    pkg.set("actors", "india", "country", "XIN")
    out = run(str(pkg.root))
    lines = out.stdout.splitlines()
    assert out.returncode == 1 and out.stderr == ""
    assert all(LINE.match(line) for line in lines[:-1])
    assert lines[-1] == "invalid: 2 problems in 2 files"
    # grouped by file in package order: actors before events
    assert lines[0].startswith("data/actors.csv:") and lines[1].startswith("data/events.csv:")


def test_json_format_is_machine_readable(pkg):
    pkg.set("actors", "india", "country", "XIN")
    out = run(str(pkg.root), "--format", "json")
    report = json.loads(out.stdout)
    assert out.returncode == 1 and report["valid"] is False
    assert [(p["path"], p["column"], p["code"]) for p in report["problems"]] == [("data/actors.csv", "country", "unknown-country")]


def test_github_format_emits_annotations(pkg):
    pkg.set("actors", "india", "country", "XIN")
    out = run(str(pkg.root), "--format", "github")
    line = pkg.line_of("actors", "india")
    assert out.stdout.startswith(f"::error file=data/actors.csv,line={line},title=unknown-country::country: ")


@pytest.mark.parametrize("args", [["--format", "xml"], ["--no-such-option"], ["a", "b"], ["--max-bytes", "0"]])
def test_usage_errors_exit_2(args):
    out = run(*args)
    assert out.returncode == 2 and "Traceback" not in out.stderr


def test_path_that_is_not_a_directory_exits_2(tmp_path):
    out = run(str(tmp_path / "nowhere"))
    assert out.returncode == 2 and "is not a directory" in out.stderr


def test_directory_without_descriptor_is_invalid_not_a_crash(tmp_path):
    out = run(str(tmp_path))
    assert out.returncode == 1 and out.stdout.startswith("datapackage.json:1:1: missing-file:")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help_from_its_docstring(command, capsys):
    assert main([command, "--help"]) == 0
    first_line = COMMANDS[command][0].__doc__.split("\n")[0]
    assert first_line.split()[0] in capsys.readouterr().out


def test_default_path_is_the_working_directory():
    assert run(cwd=ROOT).returncode == 0
