"""`python -m validate` parses the largest table with Arrow while the libraries import
(validate/arrow_read.py): the problems are those of reading it afterwards, whatever the file holds;
each table is parsed once; nothing outside the package is read; an unusual descriptor starts nothing."""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validate import arrow_read, core
from validate.cli import main
from validate.descriptor import load

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module", autouse=True)
def fast_from_small_files():
    # the early parse and the fast reader from 16 KB: a 400-row package takes every path a
    # million-row one does, in a fraction of the time
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(arrow_read, "FAST_FROM_BYTES", 16 << 10)
        yield


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("big") / "pkg"
    assert main(["synth", str(out), "--rows", "400", "--from", str(ROOT)]) == 0
    return out


@pytest.fixture
def big(synthetic, tmp_path) -> Path:
    shutil.copytree(synthetic, tmp_path / "pkg")
    return tmp_path / "pkg"


def largest(root: Path) -> Path:
    desc, _ = load(root)
    path = max((root / r["path"] for r in desc.resources if "path" in r), key=lambda p: p.stat().st_size)
    assert path.stat().st_size >= arrow_read.FAST_FROM_BYTES
    return path


def answers(root: Path, capsys, early: bool, monkeypatch) -> tuple[int, str]:
    with monkeypatch.context() as m:
        if not early:
            m.setattr(arrow_read, "prefetch", lambda *a, **k: None)
        code = main([str(root)])
    assert arrow_read._started is None  # taken or dropped: a run never leaves a parsed table behind
    return code, capsys.readouterr().out


def test_the_largest_table_is_parsed_once_and_beside_the_imports(big, monkeypatch, capsys):
    calls = []
    parse = arrow_read.parse
    monkeypatch.setattr(arrow_read, "parse", lambda raw, fields: calls.append(threading.current_thread()) or parse(raw, fields))
    assert main([str(big)]) == 0, capsys.readouterr().out
    desc, _ = load(big)
    large = [r for r in desc.resources if (big / r["path"]).stat().st_size >= arrow_read.FAST_FROM_BYTES]
    assert len(calls) == len(large) and sum(t is not threading.main_thread() for t in calls) == 1


def _unclosed_quote(raw: bytes) -> bytes:
    return raw[:-1] + b',"\n'


def _blank_line(raw: bytes) -> bytes:
    cut = raw.index(b"\n", len(raw) // 2) + 1
    return raw[:cut] + b"\n" + raw[cut:]


def _reversed_rows(raw: bytes) -> bytes:
    head, *rows = raw.rstrip(b"\n").split(b"\n")
    return b"\n".join([head, *rows[::-1]]) + b"\n"


def _quoted_cell(raw: bytes) -> bytes:
    cut = raw.index(b"\n", len(raw) // 3) + 1
    end = raw.index(b",", cut)
    return raw[:cut] + b'"' + raw[cut:end] + b'"' + raw[end:]


@pytest.mark.parametrize("damage", [_unclosed_quote, _blank_line, _reversed_rows, _quoted_cell, lambda raw: b"", lambda raw: raw[: len(raw) // 2]])
def test_a_damaged_largest_table_gives_the_problems_of_reading_it_afterwards(big, monkeypatch, capsys, damage):
    path = largest(big)
    path.write_bytes(damage(path.read_bytes()))
    early = answers(big, capsys, True, monkeypatch)
    assert early[0] == 1 and early == answers(big, capsys, False, monkeypatch)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(at=st.floats(0, 1), chunk=st.binary(min_size=0, max_size=3), cut=st.integers(0, 3))
def test_any_byte_damage_to_the_largest_table_gives_the_same_answer_early_or_not(synthetic, tmp_path_factory, monkeypatch, capsys, at, chunk, cut):
    root = tmp_path_factory.mktemp("damage") / "pkg"
    shutil.copytree(synthetic, root)
    path = largest(root)
    raw = path.read_bytes()
    i = int(at * len(raw))
    path.write_bytes(raw[:i] + chunk + raw[i + cut:])
    assert answers(root, capsys, True, monkeypatch) == answers(root, capsys, False, monkeypatch)


def test_tables_read_beside_the_early_parse_give_the_answers_of_one_at_a_time(big, monkeypatch, capsys):
    # with the largest table's parse under way, one worker waits for it while the other reads the rest
    path = largest(big)
    path.write_bytes(_reversed_rows(path.read_bytes()))
    other = next(p for p in (big / "data").glob("*.csv") if p != path and p.stat().st_size > 1000)
    other.write_bytes(_blank_line(other.read_bytes()))
    one_at_a_time = answers(big, capsys, True, monkeypatch)
    monkeypatch.setattr(core, "PARALLEL_FROM_BYTES", 0)
    monkeypatch.setattr(core.os, "cpu_count", lambda: 2)
    pending = []
    was = arrow_read.pending
    monkeypatch.setattr(arrow_read, "pending", lambda *a: pending.append(was(*a)) or pending[-1])
    assert one_at_a_time[0] == 1 and answers(big, capsys, True, monkeypatch) == one_at_a_time == answers(big, capsys, False, monkeypatch)
    assert pending == [True, False]  # the early run read beside the parse; the other read the largest table first, alone


def test_a_table_changed_after_the_early_parse_is_read_whole_as_it_was_parsed(big, monkeypatch, capsys):
    # the early parse holds the bytes it parsed: a run sees one version of each file, never a mix
    path = largest(big)
    arrow_read.prefetch(big)
    arrow_read._started.thread.join()  # the bytes are read: the change below comes after them
    path.write_bytes(_reversed_rows(path.read_bytes()))
    monkeypatch.setattr(arrow_read, "prefetch", lambda *a, **k: None)
    code, out = main([str(big)]), capsys.readouterr().out
    assert code == 0 and arrow_read._started is None, out


def test_a_largest_table_the_descriptor_check_refuses_is_parsed_early_and_the_run_still_ends_cleanly(big, monkeypatch, capsys):
    # nothing takes the parse; its thread is no daemon, so the interpreter waits for it at exit
    # (a daemon stopped inside Arrow at shutdown aborts the process instead of exiting 1)
    path = largest(big)
    d = json.loads((big / "datapackage.json").read_text(encoding="utf-8"))
    res = next(r for r in d["resources"] if r.get("path") == path.relative_to(big).as_posix())
    res["schema"]["fields"][0]["type"] = "no-such-type"
    (big / "datapackage.json").write_text(json.dumps(d, indent=2), encoding="utf-8")
    arrow_read.prefetch(big)
    thread = arrow_read._started.thread
    monkeypatch.setattr(arrow_read, "prefetch", lambda *a, **k: None)
    assert main([str(big)]) == 1 and "descriptor-error" in capsys.readouterr().out
    assert arrow_read._started is None and not thread.daemon


@pytest.mark.parametrize("refused", ['"x": NaN', '"name": "again"'])
def test_a_descriptor_the_validator_refuses_outright_starts_nothing(big, refused):
    text = (big / "datapackage.json").read_text(encoding="utf-8")
    (big / "datapackage.json").write_text(text.replace("{", "{" + refused + ", ", 1), encoding="utf-8")
    arrow_read.prefetch(big)
    assert arrow_read._started is None


def test_the_early_parse_reads_nothing_outside_the_package(big, tmp_path):
    path = largest(big)
    outside = tmp_path / "outside.csv"
    path.rename(outside)
    path.symlink_to(outside)
    arrow_read.prefetch(big)
    assert arrow_read._started is None


def test_a_table_over_the_size_limit_is_not_read_early(big):
    arrow_read.prefetch(big, max_bytes=largest(big).stat().st_size - 1)
    assert arrow_read._started is None


def test_a_descriptor_that_is_a_fifo_starts_nothing_and_does_not_hang(tmp_path):
    os.mkfifo(tmp_path / "datapackage.json")
    arrow_read.prefetch(tmp_path)  # read_bytes refuses anything but a regular file: it never opens it
    assert arrow_read._started is None


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["resources", "schema", "fields", "name", "path", "dialect"]) | st.text(max_size=4), inner, max_size=4),
                    max_leaves=20)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(descriptor=JSON)
def test_any_descriptor_without_a_large_table_starts_nothing_and_raises_nothing(tmp_path, descriptor):
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    arrow_read.prefetch(tmp_path)  # no table of a megabyte here: nothing to start, and no exception
    assert arrow_read._started is None
