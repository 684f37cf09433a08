"""fmt: canonical form that is lossless, idempotent, atomic, and refuses to touch invalid data."""

from __future__ import annotations

import csv
import io
import os
import random
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from validate import fmt
from validate.canonical import canonical_rows, render
from validate.cli import main

ROOT = Path(__file__).resolve().parent.parent


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "data").rglob("*")) if p.is_file()}


def spreadsheet_resave(raw: bytes, seed: int) -> bytes:
    """What a spreadsheet might do: shuffle rows, quote every cell, CRLF, a BOM."""
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
    body = rows[1:]
    random.Random(seed).shuffle(body)
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows([rows[0]] + body)
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


def test_fmt_restores_the_canonical_bytes_after_a_spreadsheet_resave(pkg):
    before = snapshot(pkg.root)
    for name in ["events", "actors", "event_actors", "commitments"]:
        pkg.write_raw(name, spreadsheet_resave(pkg.raw(name), seed=len(name)))
    assert {p.code for p in fmt.check(pkg.root)} == {"not-canonical"}
    written, problems, _ = fmt.apply(pkg.root)
    assert problems == [] and written == ["data/actors.csv", "data/commitments.csv", "data/event_actors.csv", "data/events.csv"]
    assert snapshot(pkg.root) == before


def test_fmt_reorders_a_permuted_header_with_its_columns(pkg):
    before = pkg.raw("actors")
    rows = pkg.rows("actors")
    order = list(reversed(range(len(rows[0]))))
    pkg.write_rows("actors", [[r[i] for i in order] for r in rows])
    assert fmt.apply(pkg.root) == (["data/actors.csv"], [], [])
    assert pkg.raw("actors") == before


def test_check_lists_file_and_line_and_writes_nothing(pkg, capsys):
    rows = pkg.rows("event_roles")
    pkg.write_rows("event_roles", [rows[0], rows[2], rows[1], rows[3]])
    before = snapshot(pkg.root)
    assert main(["fmt", str(pkg.root), "--check"]) == 1
    assert capsys.readouterr().out.startswith("data/event_roles.csv:2:1: not-canonical: ")
    assert snapshot(pkg.root) == before


def test_fmt_on_a_package_with_an_invalid_value_writes_nothing(pkg, capsys):
    pkg.set("actors", "india", "country", "XIN")
    pkg.write_raw("events", spreadsheet_resave(pkg.raw("events"), seed=1))
    before = snapshot(pkg.root)
    assert main(["fmt", str(pkg.root)]) == 1
    out = capsys.readouterr()
    assert "unknown-country" in out.out and "nothing was written" in out.err
    assert snapshot(pkg.root) == before


@pytest.mark.parametrize("damage", [b'"unclosed,', b"\xff", b"\x00"])
def test_fmt_on_a_broken_file_fails_and_leaves_it_untouched(pkg, damage):
    pkg.write_raw("events", spreadsheet_resave(pkg.raw("events"), seed=2))
    pkg.write_raw("actors", pkg.raw("actors") + damage + b"\n")
    before = snapshot(pkg.root)
    written, problems, _ = fmt.apply(pkg.root)
    assert written == [] and problems
    assert snapshot(pkg.root) == before


def test_a_failure_while_writing_leaves_every_file_as_it_was(pkg, monkeypatch):
    for name in ["events", "actors"]:
        pkg.write_raw(name, spreadsheet_resave(pkg.raw(name), seed=3))
    before = snapshot(pkg.root)
    real_fdopen = os.fdopen
    calls = []

    def failing_fdopen(fd, *args, **kwargs):
        calls.append(fd)
        if len(calls) == 2:  # the second temporary file: the disk is full
            os.close(fd)
            raise OSError(28, "No space left on device")
        return real_fdopen(fd, *args, **kwargs)

    monkeypatch.setattr(os, "fdopen", failing_fdopen)
    with pytest.raises(OSError):
        fmt.apply(pkg.root)
    assert snapshot(pkg.root) == before, "no table changed and no temporary file was left behind"


def test_formatting_twice_changes_nothing_the_second_time(pkg):
    pkg.write_raw("events", spreadsheet_resave(pkg.raw("events"), seed=4))
    assert fmt.apply(pkg.root)[0] == ["data/events.csv"]
    assert fmt.apply(pkg.root) == ([], [], [])


CELL = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12) | st.sampled_from(
    ["", ",", '"', '""', "\n", "\r\n", "a,b", ' lead', "trail ", "नमस्ते", "“curly”", "=1+1", "NA", "007"])


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 4).flatmap(lambda n: st.lists(st.lists(CELL, min_size=n, max_size=n), max_size=8).map(lambda rows: (n, rows))),
       st.randoms(use_true_random=False), st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]), st.sampled_from(["\n", "\r\n"]))
def test_canonical_form_is_lossless_and_idempotent(table, rnd, quoting, terminator):
    n, body = table
    fields = [f"f{i}" for i in range(n)]
    # any CSV writer's output of the same rows, in any order, reads back to the same rows ...
    shuffled = body[:]
    rnd.shuffle(shuffled)
    buf = io.StringIO()
    csv.writer(buf, quoting=quoting, lineterminator=terminator).writerows([fields] + shuffled)
    parsed = list(csv.reader(io.StringIO(buf.getvalue(), newline=""), strict=True))
    assume(parsed == [fields] + shuffled)  # csv.writer with an LF terminator cannot hold a bare CR: not a valid input
    once = render(canonical_rows(parsed[0], parsed[1:], fields, fields[:1]))
    # ... and its canonical form keeps every value, byte for byte,
    reread = list(csv.reader(io.StringIO(once, newline=""), strict=True))
    assert reread[0] == fields and sorted(reread[1:]) == sorted(body)
    assert once.endswith("\n") and ("\r" not in once or any("\r" in c for r in body for c in r))
    # and formatting the canonical form again changes nothing
    assert render(canonical_rows(reread[0], reread[1:], fields, fields[:1])) == once


def test_a_row_the_canonical_form_moves_to_the_end_is_located_within_the_file(pkg):
    """Its block in the canonical form starts after the last line: reported at the last line, not past it."""
    rows = pkg.rows("event_roles")
    pkg.write_rows("event_roles", [rows[0], rows[-1], *rows[1:-1]])  # the last row first: canonical puts it back at the end
    lines = pkg.raw("event_roles").count(b"\n")
    got = [p.line for p in fmt.check(pkg.root)]
    assert got and max(got) <= lines and 2 in got
