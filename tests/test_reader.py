"""The fast (Arrow) reader for large tables: used only when it provably parsed the file right,
and every file it is unsure of goes to the strict reader, which finds the same problems as on
a small file. Arrow alone would silently accept an unclosed final quote and blank lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from validate.canonical import render
from validate.cli import main
from validate.descriptor import load
from validate.arrow_read import FAST_FROM_BYTES
from validate.reader import decode, parse, read_canonical_fast, read_table

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("big") / "pkg"
    assert main(["synth", str(out), "--rows", "6000", "--from", str(ROOT)]) == 0
    desc, _ = load(out)
    res = desc.resource("events")
    assert (out / res["path"]).stat().st_size >= FAST_FROM_BYTES
    return out, res


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def fast(raw: bytes, res: dict):
    """The fast reader's table, or None when it defers to the strict reader; it also checks that
    any problem it reports is the row-order one."""
    got = read_canonical_fast(raw, res["path"], res["name"], [f["name"] for f in res["schema"]["fields"]], res["schema"]["primaryKey"])
    if got is None:
        return None
    table, problems = got
    assert {p.code for p in problems} <= {"not-canonical"}
    return table


def fast_problems(raw: bytes, res: dict):
    return read_canonical_fast(raw, res["path"], res["name"], [f["name"] for f in res["schema"]["fields"]], res["schema"]["primaryKey"])


def strict(raw: bytes, res: dict):
    text, problems = decode(raw, res["path"])
    if text is None:
        return None, problems
    table, more = parse(text, res["path"], res["name"], [f["name"] for f in res["schema"]["fields"]], res["schema"]["primaryKey"])
    return table, problems + more


def test_fast_reader_gives_the_strict_readers_rows_and_lines(big):
    root, res = big
    raw = (root / res["path"]).read_bytes()
    quick = fast(raw, res)
    slow, problems = strict(raw, res)
    assert quick is not None and problems == []
    assert quick.frame.astype(object).equals(slow.frame.astype(object))
    assert (quick.lines == slow.lines).all()


def test_a_file_parsed_in_many_blocks_gives_the_rows_of_one_block(big, monkeypatch):
    """A file is parsed in blocks (on every core), whose chunks are combined a column at a time:
    a cell across a block boundary, a multi-line one among them, reads as in a single block."""
    from validate import arrow_read

    root, res = big
    raw = (root / res["path"]).read_bytes().replace(b"Synthetic event 7.", b'"Synthetic\nevent 7."', 1)
    monkeypatch.setattr(arrow_read, "BLOCK", (1 << 31) - 1)  # Arrow's largest: the whole file in one
    whole = fast(raw, res)
    monkeypatch.setattr(arrow_read, "BLOCK", 4096)
    blocks = fast(raw, res)
    assert whole is not None and blocks is not None
    assert blocks.frame.astype(object).equals(whole.frame.astype(object)) and (blocks.lines == whole.lines).all()
    assert all(len(c.array._pa_array.chunks) == 1 for _, c in blocks.frame.items())


def test_a_row_longer_than_a_block_is_still_read_by_arrow(big, monkeypatch):
    """A cell longer than Arrow's block straddles two blocks, which Arrow refuses: the file is
    then parsed as one block, not left to the strict reader (Python's csv, for a large table)."""
    from validate import arrow_read

    root, res = big
    raw = (root / res["path"]).read_bytes().replace(b"Synthetic event 7.", b"Synthetic event 7." + b"x" * 20_000, 1)
    monkeypatch.setattr(arrow_read, "BLOCK", 4096)
    quick = fast(raw, res)
    slow, _ = strict(raw, res)
    assert quick is not None and quick.frame.astype(object).equals(slow.frame.astype(object))


def test_multi_line_cells_keep_their_line_numbers(big):
    root, res = big
    raw = (root / res["path"]).read_bytes().replace(b"Synthetic event 7.", b'"Synthetic\nevent 7."', 1)
    quick = fast(raw, res)
    slow, _ = strict(raw, res)
    assert quick is not None and (quick.lines == slow.lines).all() and quick.lines[-1] == slow.lines[-1] == 6002


@pytest.mark.parametrize("damage", [
    lambda raw: raw + b'ev-9999999,"unclosed\n',  # Arrow would merge this to the end of the file
    lambda raw: raw.replace(b"\nev-0000100,", b"\n\nev-0000100,", 1),  # blank line
    lambda raw: raw.replace(b"Synthetic event 5.", b'"Synthetic event 5."', 1),  # needless quotes
    lambda raw: raw.replace(b"Synthetic event 5.", b"Synthetic event 5.,extra", 1),  # extra cell
    lambda raw: raw.replace(b"Synthetic event 5.", b"Synth\xe9tic", 1),  # not UTF-8
    lambda raw: raw.replace(b"\n", b"\r\n"),
])
def test_anything_unsure_goes_to_the_strict_reader(big, damage):
    root, res = big
    raw = damage((root / res["path"]).read_bytes())
    assert fast(raw, res) is None
    (root / "copy.csv").write_bytes(raw)
    _, via_read_table = read_table(root, {**res, "path": "copy.csv"})
    _, expected = strict(raw, res)
    assert via_read_table and [p.code for p in via_read_table] == [p.code for p in expected]


@pytest.mark.parametrize("swap", [(0, 1), (99, 100), (5000, 5999), (0, 5999)])
def test_rows_out_of_key_order_are_read_fast_and_reported_where_the_strict_reader_reports_them(big, swap):
    root, res = big
    header, *rows = (root / res["path"]).read_bytes().split(b"\n")[:-1]
    a, b = swap
    rows[a], rows[b] = rows[b], rows[a]
    raw = b"\n".join([header, *rows]) + b"\n"
    table, problems = fast_problems(raw, res)
    _, expected = strict(raw, res)
    assert [(p.code, p.line) for p in problems] == [(p.code, p.line) for p in expected] == [("not-canonical", a + 2)]
    assert table.frame[res["schema"]["primaryKey"][0]].iloc[a] == rows[a].split(b",")[0].decode()


CELL = st.text(alphabet=st.sampled_from('ab ,"\n\té'), max_size=6)


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(st.tuples(CELL, CELL), min_size=1, max_size=12), slice_rows=st.integers(1, 5), requote=st.booleans())
def test_the_fast_reader_accepts_exactly_the_canonical_quoting_across_slices(monkeypatch_module, rows, slice_rows, requote):
    """Cells that need quotes, cells that do not, and slices that start anywhere (non-zero array
    offsets): the fast reader takes a file exactly when it is in canonical quoting."""
    monkeypatch_module.setattr("validate.reader.FAST_SLICE_ROWS", slice_rows)
    body = [[f"k{i:03d}", a, b] for i, (a, b) in enumerate(rows)]
    raw = render([["id", "a", "b"], *body]).encode()
    if requote:  # quotes around a cell that needs none: still valid CSV, not canonical
        raw = raw.replace(b"\nk000,", b'\n"k000",', 1)
    got = read_canonical_fast(raw, "t.csv", "t", ["id", "a", "b"], ["id"])
    if requote:
        assert got is None
    else:
        table, problems = got
        assert problems == [] and table.frame.astype(object).values.tolist() == body
        slow, _ = parse(raw.decode(), "t.csv", "t", ["id", "a", "b"], ["id"])
        assert table.lines.tolist() == slow.lines.tolist()


@given(values=st.lists(CELL, min_size=1, max_size=12), start=st.integers(0, 11))
def test_cells_needing_quotes_are_found_in_any_slice_of_an_array(values, start):
    import pyarrow as pa

    from validate.reader import _needs_quotes

    part = pa.array(values, type=pa.string()).slice(min(start, len(values) - 1))
    got = _needs_quotes(part)
    expected = [any(c in v for c in ',"\n') for v in part.to_pylist()]
    assert (got.tolist() if got is not None else [False] * len(part)) == expected


# -- small tables read again: parsed once, never stale ---------------------------------------

def _read_events(root: Path):
    desc, _ = load(root)
    return read_table(root, desc.resource("events"))


def test_a_small_table_read_again_is_parsed_once_and_each_reader_gets_its_own_frame(tmp_path, monkeypatch):
    import shutil

    from validate import reader

    shutil.copytree(ROOT / "data", tmp_path / "data")
    shutil.copy(ROOT / "datapackage.json", tmp_path)
    calls = []
    monkeypatch.setattr(reader, "parse", lambda *a, _parse=reader.parse: calls.append(a) or _parse(*a))
    monkeypatch.setattr(reader, "_READ", type(reader._READ)())
    (first, p1), (second, p2) = _read_events(tmp_path), _read_events(tmp_path)
    assert len(calls) == 1 and p1 == p2 and first.frame is not second.frame
    first.frame.iloc[0, 0] = "changed by one reader"
    assert second.frame.iloc[0, 0] != "changed by one reader" and not second.lines.flags.writeable


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(CELL, CELL), min_size=1, max_size=6), at=st.integers(0, 10**6), byte=st.binary(min_size=1, max_size=1))
def test_a_table_changed_by_one_byte_is_read_as_it_now_is(monkeypatch_module, rows, at, byte):
    from validate import reader

    raw = render([["id", "a", "b"], *[[f"k{i:03d}", a, b] for i, (a, b) in enumerate(rows)]]).encode()
    changed = raw[: at % len(raw)] + byte + raw[at % len(raw) + 1:]
    args = ("t.csv", "t", ["id", "a", "b"], ["id"], "exact", False)
    reader.read_small(raw, *args)
    got = reader.read_small(changed, *args)
    monkeypatch_module.setattr(reader, "_READ", type(reader._READ)())
    fresh = reader.read_small(changed, *args)
    assert got[1] == fresh[1]
    assert (got[0] is None and fresh[0] is None) or (got[0].frame.equals(fresh[0].frame) and got[0].lines.tolist() == fresh[0].lines.tolist())


def test_the_tables_read_lately_hold_at_most_their_bound_in_bytes(monkeypatch):
    from validate import reader

    monkeypatch.setattr(reader, "_READ", type(reader._READ)())
    monkeypatch.setattr(reader, "_READ_BYTES", [0])
    monkeypatch.setattr(reader, "READ_CACHE_BYTES", 1000)
    for i in range(100):
        reader.read_small(f"id,a\nk{i:03d},{'x' * 50}\n".encode(), "t.csv", "t", ["id", "a"], ["id"], "exact", False)
    held = sum(len(key[0]) for key in reader._READ)
    assert held == reader._READ_BYTES[0] <= 1000 and 0 < len(reader._READ) < 100
