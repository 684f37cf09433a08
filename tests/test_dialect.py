"""How a resource's bytes become rows: Table Dialect, gzip, encoding, bytes and hash, profiles.
Each property is honoured (the rows are checked as it says, at the file's own lines) or refused
with a located descriptor-error for that resource alone, while the other resources are still
checked. Small packages written inline; no project convention unless a test declares one."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from helpers import keys

from validate.cli import main
from validate.core import validate_package
from validate.descriptor import load
from validate.reader import read_table

FIELDS = [{"name": "id"}, {"name": "n", "type": "integer"}]
HONOURED_KEYS = {"delimiter", "quoteChar", "doubleQuote", "escapeChar", "skipInitialSpace", "header", "commentChar", "lineTerminator",
                 "headerRows", "commentRows", "nullSequence", "$schema"}
OTHER = ("other.csv", "id,n\nz,not-a-number\n")  # a second resource: its problem must always be reported
OTHER_KEY = ("other.csv", 2, "n", "type-error")


def write(root: Path, table: bytes | str, name: str = "t.csv", other: bool = True, top: dict | None = None, **props) -> str:
    """A package of resource `t` (FIELDS, file `name` holding `table`, `props` added) and, with
    `other`, a resource with one type error; returns the descriptor text."""
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_bytes(table.encode() if isinstance(table, str) else table)
    resources = [{"name": "t", "path": name, **props, "schema": {"fields": FIELDS}}]
    if other:
        (root / OTHER[0]).write_text(OTHER[1])
        resources.append({"name": "other", "path": OTHER[0], "schema": {"fields": FIELDS}})
    text = json.dumps({"name": "p", **(top or {}), "resources": resources}, indent=2) + "\n"
    (root / "datapackage.json").write_text(text)
    return text


def at(text: str, *needles: str) -> tuple[str, int, str]:
    pos = 0
    for needle in needles:
        pos = text.index(needle, pos)
    return "datapackage.json", text.count("\n", 0, pos) + 1, str(pos - text.rfind("\n", 0, pos))


def refused(text: str, *needles: str) -> set:
    return {(*at(text, '"name": "t"', *needles), "descriptor-error"), OTHER_KEY}


# -- dialect: honoured ------------------------------------------------------------------------

HONOURED = [  # (dialect, table bytes, the lines of its type errors)
    ({"delimiter": ";"}, "id;n\na;1\nb;x\n", [3]),
    ({"delimiter": "\t", "quoteChar": "'"}, "id\tn\n'a\tb'\t1\nc\tx\n", [3]),
    ({"doubleQuote": False, "escapeChar": "\\"}, 'id,n\n"a\\"b",1\nc,x\n', [3]),
    ({"skipInitialSpace": True}, "id, n\na, 1\nb, x\n", [3]),
    ({"header": False}, "a,1\nb,x\n", [2]),
    ({"commentChar": "#"}, "# a comment\nid,n\n# another\na,1\n#c,x\n", []),  # a comment is skipped, never read as a row
    ({"commentChar": "#"}, 'id,n\n"multi\n# not a comment",1\n# skipped\nb,x\n', [5]),  # lines stay the file's own
    ({"lineTerminator": "\n", "delimiter": "|"}, "id|n\na|1\nb|x\n", [3]),
    ({"delimiter": ",", "quoteChar": '"', "header": True, "headerRows": [1], "caseSensitiveHeader": True}, "id,n\na,1\nb,x\n", [3]),
]


@pytest.mark.parametrize("dialect,table,lines", HONOURED, ids=[json.dumps(d)[:40] for d, _, _ in HONOURED])
def test_dialect_is_honoured_and_lines_stay_the_files(tmp_path, dialect, table, lines):
    write(tmp_path, table, dialect=dialect)
    assert keys(validate_package(tmp_path)) == {("t.csv", n, "n", "type-error") for n in lines} | {OTHER_KEY}


def test_v2_dialect_with_its_schema_is_honoured(tmp_path):
    write(tmp_path, "id;n\na;1\n", top={"$schema": "https://datapackage.org/profiles/2.0/datapackage.json"},
          dialect={"$schema": "https://datapackage.org/profiles/2.0/tabledialect.json", "delimiter": ";"},
          **{"$schema": "https://datapackage.org/profiles/2.0/dataresource.json"}, type="table")
    assert keys(validate_package(tmp_path)) == {OTHER_KEY}


DELIMITERS = st.sampled_from([";", "\t", "|", ":", " ", "^", "~", "\x1f", "é"])
CELL = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\r\x00"), max_size=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(delimiter=DELIMITERS, quote=st.sampled_from(['"', "'", "`"]), rows=st.lists(st.tuples(CELL, CELL), min_size=1, max_size=5))
def test_any_delimiter_and_quote_round_trip(tmp_path_factory, delimiter, quote, rows):
    """What csv writes with a dialect, the validator reads back cell for cell, at its lines."""
    root = tmp_path_factory.mktemp("rt")
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, quotechar=quote, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerows([["id", "n"], *rows])
    write(root, buf.getvalue(), other=False, dialect={"delimiter": delimiter, "quoteChar": quote})
    fields = [{"name": "id"}, {"name": "n"}]
    d = json.loads((root / "datapackage.json").read_text())
    d["resources"][0]["schema"]["fields"] = fields
    (root / "datapackage.json").write_text(json.dumps(d))
    desc, problems = load(root)
    assert problems == []
    table, found = read_table(root, desc.resource("t"))
    assert found == [] and table.frame.values.tolist() == [list(r) for r in rows]
    expected, line = [], 2
    for r in rows:
        expected.append(line)
        line += 1 + sum(c.count("\n") for c in r)
    assert table.lines.tolist() == expected


# -- dialect: refused, located at the property, everything else still checked -------------------

REFUSED = [
    ({"headerRows": [1, 2]}, "headerRows"), ({"headerRows": [2]}, "headerRows"), ({"headerJoin": 1}, "headerJoin"),
    ({"commentRows": [1]}, "commentRows"), ({"nullSequence": "NA"}, "nullSequence"), ({"caseSensitiveHeader": False}, "caseSensitiveHeader"),
    ({"lineTerminator": "\r"}, "lineTerminator"), ({"delimiter": ";;"}, "delimiter"), ({"delimiter": "\n"}, "delimiter"),
    ({"quoteChar": 5}, "quoteChar"), ({"doubleQuote": "yes"}, "doubleQuote"), ({"sheetName": "x"}, "sheetName"),
]


@pytest.mark.parametrize("dialect,key", REFUSED, ids=[json.dumps(d) for d, _ in REFUSED])
def test_dialect_property_not_read_is_refused_located(tmp_path, dialect, key):
    text = write(tmp_path, "id,n\na,1\n", dialect=dialect)
    assert keys(validate_package(tmp_path)) == refused(text, '"dialect"', f'"{key}"')


@pytest.mark.parametrize("dialect", ["dialect.json", [1], {"delimiter": ";", "quoteChar": ";"}, {"delimiter": '"'}, {"escapeChar": ","}])
def test_dialect_of_another_shape_is_refused_located(tmp_path, dialect):
    text = write(tmp_path, "id,n\na,1\n", dialect=dialect)
    assert keys(validate_package(tmp_path)) == refused(text, '"dialect"')


def test_dialect_conflicts_with_the_canonical_form_convention_and_rows_are_still_checked(tmp_path):
    text = write(tmp_path, "id;n\na;1\nb;x\n", top={"conventions": {"canonicalForm": True}}, dialect={"delimiter": ";"})
    found = validate_package(tmp_path)
    assert keys(found) == {(*at(text, '"name": "t"', '"dialect"'), "descriptor-error"), ("t.csv", 3, "n", "type-error"), OTHER_KEY}
    assert "canonicalForm" in next(p.message for p in found if p.code == "descriptor-error")


def test_a_dialect_of_defaults_keeps_the_canonical_form_check(tmp_path):
    write(tmp_path, "id,n\nb,1\na,1\n", other=False, top={"conventions": {"canonicalForm": True}}, dialect={"delimiter": ","})
    d = json.loads((tmp_path / "datapackage.json").read_text())
    d["resources"][0]["schema"]["primaryKey"] = ["id"]
    (tmp_path / "datapackage.json").write_text(json.dumps(d))
    assert keys(validate_package(tmp_path)) == {("t.csv", 2, "1", "not-canonical")}


@pytest.mark.parametrize("table,expected", [
    ("id;n\na;1;2\nb\n", {("t.csv", 2, "3", "extra-cell"), ("t.csv", 3, "n", "missing-cell")}),
    ('id;n\n"a;1\n', {("t.csv", 2, "1", "csv-syntax")}),
    ("id;m\na;1\n", {("t.csv", 1, "2", "header-mismatch")}),
    ("", {("t.csv", 1, "1", "empty-file")}),
    ("id;n\n\na;1\n", {("t.csv", 2, "1", "blank-row")}),
])
def test_structure_problems_under_a_dialect_are_located(tmp_path, table, expected):
    write(tmp_path, table, dialect={"delimiter": ";"})
    assert keys(validate_package(tmp_path)) == expected | {OTHER_KEY}


def test_fmt_leaves_a_dialect_table_as_it_is_and_workbook_refuses_it(tmp_path, capsys):
    write(tmp_path, "id;n\nb;1\na;2\n", other=False, dialect={"delimiter": ";"})
    before = (tmp_path / "t.csv").read_bytes()
    assert main(["fmt", str(tmp_path)]) == 0
    assert (tmp_path / "t.csv").read_bytes() == before
    capsys.readouterr()
    text = (tmp_path / "datapackage.json").read_text()
    assert main(["workbook", str(tmp_path), "--out", str(tmp_path / "w.xlsx")]) == 1
    out = capsys.readouterr().out
    assert out.startswith(":".join(map(str, at(text, '"name": "t"', '"dialect"'))) + ": descriptor-error: ")
    assert not (tmp_path / "w.xlsx").exists()


# -- inline data, several paths, encodings ------------------------------------------------------

def inline(root: Path, data, **props) -> str:
    """The package of `write` with resource t's rows inline; returns the descriptor text."""
    d = json.loads(write(root, "", name="unused.csv"))
    (root / "unused.csv").unlink()
    del d["resources"][0]["path"]
    d["resources"][0].update(data=data, **props)
    text = json.dumps(d, indent=2)
    (root / "datapackage.json").write_text(text)
    return text


def row_line(text: str, first_cell: str) -> int:
    """The line of the '[' or '{' opening the inline row whose first cell is `first_cell` (json.dumps
    with indent puts it on the line above)."""
    return at(text, '"name": "t"', '"data"', first_cell)[1] - 1


@pytest.mark.parametrize("data", [[["id", "n"], ["a", 1], ["b", "x"], ["c", 2.5]], [{"id": "a", "n": 1}, {"id": "b", "n": "x"}, {"id": "c", "n": 2.5}]],
                         ids=["arrays", "objects"])
def test_inline_data_is_checked_at_its_rows_in_the_descriptor(tmp_path, data):
    text = inline(tmp_path, data)
    assert keys(validate_package(tmp_path)) == {("datapackage.json", row_line(text, '"b"'), "n", "type-error"),
                                                ("datapackage.json", row_line(text, '"c"'), "n", "type-error"), OTHER_KEY}


def test_inline_data_structure_problems_are_located(tmp_path):
    text = inline(tmp_path / "arrays", [["id", "n"], ["a"], ["b", 1, 2], ["c", [1]]])
    assert keys(validate_package(tmp_path / "arrays")) == {
        ("datapackage.json", row_line(text, '"a"'), "n", "missing-cell"), ("datapackage.json", row_line(text, '"b"'), "3", "extra-cell"),
        ("datapackage.json", row_line(text, '"c"'), "n", "type-error"), OTHER_KEY}
    text = inline(tmp_path / "objects", [{"id": "a", "m": 1}])
    assert keys(validate_package(tmp_path / "objects")) == {("datapackage.json", row_line(text, '"a"'), "m", "extra-cell"), OTHER_KEY}
    text = inline(tmp_path / "header", [["id", "m"], ["a", 1]])
    assert keys(validate_package(tmp_path / "header")) == {("datapackage.json", row_line(text, '"id"'), "2", "header-mismatch"), OTHER_KEY}


def test_a_large_inline_table_is_located_in_linear_time(tmp_path):
    """Each row's line was counted from the top of datapackage.json: 20,000 rows took 24 s,
    100,000 rows many minutes."""
    import time

    text = inline(tmp_path, [["id", "n"]] + [[f"r{i}", i] for i in range(100_000)] + [["last", "x"]])
    started = time.monotonic()
    assert keys(validate_package(tmp_path)) == {("datapackage.json", row_line(text, '"last"'), "n", "type-error"), OTHER_KEY}
    assert time.monotonic() - started < 30


def test_inline_vocabulary_is_a_table_foreign_keys_can_reference(tmp_path):
    text = inline(tmp_path, [["id", "n"], ["z", 1]])
    d = json.loads(text)
    d["resources"][1]["schema"]["fields"][1]["type"] = "string"
    d["resources"][1]["schema"]["foreignKeys"] = [{"fields": ["id"], "reference": {"resource": "t", "fields": ["id"]}}]
    (tmp_path / "datapackage.json").write_text(json.dumps(d, indent=2))
    (tmp_path / "other.csv").write_text("id,n\nz,1\ny,2\n")
    assert keys(validate_package(tmp_path)) == {("other.csv", 3, "id", "dangling-foreign-key")}


@pytest.mark.parametrize("data,props,needle", [([["id", "n"]], {"path": "t.csv"}, '"data"'), ([1, 2], {}, '"data"'), ([], {}, '"data"'),
                                               ([[1, 2], ["a", 1]], {}, '"data"'), ([["id", "n"]], {"dialect": {"delimiter": ";"}}, '"dialect"')])
def test_inline_data_of_another_shape_is_refused_located(tmp_path, data, props, needle):
    text = inline(tmp_path, data, **props)
    assert keys(validate_package(tmp_path)) == refused(text, needle)


def test_a_path_of_one_part_is_the_file_and_of_several_is_refused(tmp_path):
    for root, parts in ((tmp_path / "one", ["t.csv"]), (tmp_path / "two", ["t.csv", "u.csv"])):
        text = write(root, "id,n\nb,x\n")
        d = json.loads(text)
        d["resources"][0]["path"] = parts
        (root / "datapackage.json").write_text(text := json.dumps(d, indent=2))
        expected = {("t.csv", 2, "n", "type-error"), OTHER_KEY} if len(parts) == 1 else refused(text, '"path"')
        assert keys(validate_package(root)) == expected


@pytest.mark.parametrize("encoding,ok", [("utf-8", True), ("UTF8", True), ("utf-8-sig", True), ("U8", True),
                                         ("latin-1", False), ("utf-16", False), ("no-such-codec", False), (8, False)])
def test_encoding_other_than_utf8_is_refused_located(tmp_path, encoding, ok):
    text = write(tmp_path, "id,n\na,1\n", encoding=encoding)
    assert keys(validate_package(tmp_path)) == ({OTHER_KEY} if ok else refused(text, '"encoding"'))


@pytest.mark.parametrize("encoding,convention,expected", [
    ("utf-8-sig", False, set()),  # the BOM is the declared encoding's
    ("UTF-8-SIG", True, {"encoding"}),  # the declaration conflicts with the convention: located once, at the declaration
    ("utf-8", True, {"bom"}),  # an undeclared BOM is the file's problem
    (None, True, {"bom"}),
])
def test_a_declared_bom_is_no_problem_of_the_file_and_conflicts_with_canonical_form(tmp_path, encoding, convention, expected):
    props = {"encoding": encoding} if encoding else {}
    text = write(tmp_path, b"\xef\xbb\xbfid,n\na,1\n", top={"conventions": {"canonicalForm": True}} if convention else None, **props)
    want = {OTHER_KEY}
    if "encoding" in expected:
        want.add((*at(text, '"name": "t"', '"encoding"'), "descriptor-error"))
    if "bom" in expected:
        want.add(("t.csv", 1, "1", "bom"))
    assert keys(validate_package(tmp_path)) == want


# -- gzip ---------------------------------------------------------------------------------------

def test_gzip_table_is_decompressed_and_checked_at_its_lines(tmp_path):
    write(tmp_path / "by-name", gzip.compress(b"id,n\na,1\nb,x\n"), name="t.csv.gz")
    write(tmp_path / "declared", gzip.compress(b"id;n\na;1\nb;x\n"), name="t.bin", compression="gz", dialect={"delimiter": ";"})
    for root in (tmp_path / "by-name", tmp_path / "declared"):
        path = next(p.name for p in root.iterdir() if p.name.startswith("t."))
        assert keys(validate_package(root)) == {(path, 3, "n", "type-error"), OTHER_KEY}


def test_gzip_bomb_is_refused_at_the_limit_not_expanded(tmp_path):
    bomb = zlib.compressobj(9, zlib.DEFLATED, 31)
    raw = bomb.compress(b"id,n\n") + bomb.compress(b"0" * (64 << 20)) + bomb.flush()
    write(tmp_path, raw, name="t.csv.gz")
    assert len(raw) < 1 << 20
    assert keys(validate_package(tmp_path, max_bytes=1 << 20)) == {("t.csv.gz", 1, "1", "file-too-large"), OTHER_KEY}


@pytest.mark.parametrize("raw", [b"not gzip at all", gzip.compress(b"id,n\na,1\n", mtime=0)[:-6], b""], ids=["not-gzip", "truncated", "empty"])
def test_damaged_or_truncated_gzip_is_a_compression_error(tmp_path, raw):
    write(tmp_path, raw, name="t.csv.gz")
    assert keys(validate_package(tmp_path)) == {("t.csv.gz", 1, "1", "compression-error"), OTHER_KEY}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200) | st.binary(max_size=60).map(lambda b: gzip.compress(b, mtime=0)), cut=st.integers(0, 300))
def test_any_bytes_under_gzip_are_answered(tmp_path_factory, raw, cut, capsys):
    root = tmp_path_factory.mktemp("gz")
    write(root, raw[: max(cut, 1)] if cut < len(raw) else raw, name="t.csv.gz", other=False)
    assert main([str(root)]) in (0, 1)
    out = capsys.readouterr()
    assert "internal error" not in out.err
    assert all(line.count(":") >= 4 for line in out.out.splitlines()[:-1])


def test_many_gzip_members_cost_linear_time(tmp_path):
    """A member's unused data was copied after each member: 200,000 empty members (4 MB) took a
    minute. Now the cost per member is constant, a fraction of a second in all."""
    import time

    write(tmp_path, gzip.compress(b"", mtime=0) * 200_000 + gzip.compress(b"id,n\na,1\nb,x\n", mtime=0), name="t.csv.gz")
    started = time.monotonic()
    assert keys(validate_package(tmp_path)) == {("t.csv.gz", 3, "n", "type-error"), OTHER_KEY}
    assert time.monotonic() - started < 20


@pytest.mark.parametrize("compression,needle", [("zip", '"compression"'), ("bz2", '"compression"'), (None, '"path"')])
def test_compression_not_supported_is_refused_located(tmp_path, compression, needle):
    props = {"compression": compression} if compression else {}
    text = write(tmp_path, b"PK\x03\x04", name="t.zip", **props)
    assert keys(validate_package(tmp_path)) == refused(text, needle)


# -- bytes and hash -----------------------------------------------------------------------------

TABLE = b"id,n\na,1\n"
HASHES = {"bare md5": hashlib.md5(TABLE).hexdigest(), "md5": "md5:" + hashlib.md5(TABLE).hexdigest(),
          "sha256": "sha256:" + hashlib.sha256(TABLE).hexdigest(), "SHA256 upper": "sha256:" + hashlib.sha256(TABLE).hexdigest().upper(),
          "sha1": "sha1:" + hashlib.sha1(TABLE).hexdigest()}


@pytest.mark.parametrize("digest", HASHES.values(), ids=HASHES.keys())
def test_declared_bytes_and_hash_are_checked(tmp_path, digest):
    write(tmp_path / "right", TABLE, bytes=len(TABLE), hash=digest)
    assert keys(validate_package(tmp_path / "right")) == {OTHER_KEY}
    text = write(tmp_path / "wrong", TABLE.replace(b"1", b"2"), bytes=len(TABLE) + 1, hash=digest)
    assert keys(validate_package(tmp_path / "wrong")) == {(*at(text, '"name": "t"', '"bytes"'), "bytes-mismatch"),
                                                          (*at(text, '"name": "t"', '"hash"'), "hash-mismatch"), OTHER_KEY}


@pytest.mark.parametrize("prop,value", [("bytes", -1), ("bytes", "9"), ("bytes", True), ("hash", "md5:xyz"), ("hash", "crc32:00000000"),
                                        ("hash", 5), ("hash", "sha256:" + "0" * 63)])
def test_malformed_bytes_or_hash_is_located_and_the_rows_still_checked(tmp_path, prop, value):
    text = write(tmp_path, "id,n\nb,x\n", **{prop: value})
    assert keys(validate_package(tmp_path)) == {(*at(text, '"name": "t"', f'"{prop}"'), "descriptor-error"), ("t.csv", 2, "n", "type-error"), OTHER_KEY}


# -- profiles ------------------------------------------------------------------------------------

@pytest.mark.parametrize("where,value,ok", [
    ("package", "https://datapackage.org/profiles/2.0/datapackage.json", True),
    ("package", "https://datapackage.org/profiles/1.0/datapackage.json", True),
    ("package", "tabular-data-package", True),
    ("package", "https://datapackage.org/profiles/2.0/dataresource.json", False),  # a resource's profile on the package
    ("package", "https://example.org/my-profile.json", False),
    ("resource", "https://datapackage.org/profiles/2.0/dataresource.json", True),
    ("resource", "tabular-data-resource", True),
    ("resource", "https://example.org/x.json", False),
])
def test_profile_is_recognised_or_located(tmp_path, where, value, ok):
    if where == "package":
        text = write(tmp_path, "id,n\na,1\n", top={"$schema": value})
        expected = {OTHER_KEY} if ok else {(*at(text, '"$schema"'), "descriptor-error"), OTHER_KEY}
    else:
        text = write(tmp_path, "id,n\na,1\n", **{"$schema": value})
        expected = {OTHER_KEY} if ok else {(*at(text, '"name": "t"', '"$schema"'), "descriptor-error"), OTHER_KEY}
    assert keys(validate_package(tmp_path)) == expected


def test_export_refuses_inline_data_located_and_writes_nothing(tmp_path, capsys):
    text = inline(tmp_path / "pkg", [["id", "n"], ["a", 1]])
    d = json.loads(text)
    d.update(version="1.0.0", title="T", licenses=[{"name": "CC0-1.0"}])
    (tmp_path / "pkg" / "datapackage.json").write_text(text := json.dumps(d, indent=2))
    (tmp_path / "pkg" / "other.csv").write_text("id,n\nz,1\n")
    assert main(["export", str(tmp_path / "pkg"), "--out", str(tmp_path / "dist")]) == 1
    assert capsys.readouterr().out.startswith(":".join(map(str, at(text, '"name": "t"', '"data"'))) + ": descriptor-error: ")
    assert not (tmp_path / "dist").exists()


@pytest.mark.parametrize("kind", ["dialect", "gzip", "inline"])
def test_diff_reads_a_table_as_its_resource_says(tmp_path, kind):
    import subprocess

    from validate.diff import diff

    def package(value: str) -> None:
        if kind == "inline":
            inline(tmp_path, [["id", "n"], ["a", value]])
        elif kind == "gzip":
            write(tmp_path, gzip.compress(f"id,n\na,{value}\n".encode(), mtime=0), name="t.csv.gz")
        else:
            write(tmp_path, f"id;n\na;{value}\n", dialect={"delimiter": ";"})
        d = json.loads((tmp_path / "datapackage.json").read_text())
        d["resources"][0]["schema"]["primaryKey"] = ["id"]
        (tmp_path / "datapackage.json").write_text(json.dumps(d, indent=2))

    git = ["git", "-C", str(tmp_path), "-c", "user.name=T", "-c", "user.email=t@example.org"]
    package("1")
    subprocess.run(git + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-qm", "base"], check=True)
    package("2")
    result = diff(tmp_path, "HEAD")
    assert [(t.name, t.changed) for t in result.tables] == [("t", [("a", "n", "1", "2")])]


def test_diff_compares_a_table_whose_bytes_are_unchanged_but_not_how_they_are_read(tmp_path):
    """diff skips a table whose bytes and declaration are the same on both sides; the same bytes
    read with a new dialect are other rows."""
    import subprocess

    from validate.diff import diff

    git = ["git", "-C", str(tmp_path), "-c", "user.name=T", "-c", "user.email=t@example.org"]
    write(tmp_path, "id,n\na,1\n#b,2\n")
    subprocess.run(git + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-qm", "base"], check=True)
    assert diff(tmp_path, "HEAD").tables == []
    write(tmp_path, "id,n\na,1\n#b,2\n", dialect={"commentChar": "#"})
    assert [(t.name, t.added, t.removed, t.changed) for t in diff(tmp_path, "HEAD").tables] == [("t", [], ["(#b, 2)"], [])]


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=4)
                    | st.sampled_from([";", "\t", "#", "\n", "\r\n", "gz", "zip", "utf-8", "latin-1", "md5:", "t.csv"]),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(sorted(HONOURED_KEYS)), inner, max_size=4),
                    max_leaves=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prop=st.sampled_from(["dialect", "encoding", "compression", "bytes", "hash", "data", "path", "$schema", "profile"]), value=JSON)
def test_any_json_in_a_reading_property_is_answered(tmp_path_factory, prop, value, capsys):
    root = tmp_path_factory.mktemp("any")
    write(root, "id;n\n# c\na;1\n", **{prop: value})
    for args in ([str(root)], ["fmt", "--check", str(root)]):
        assert main(args) in (0, 1)
        out = capsys.readouterr()
        assert "internal error" not in out.err
        assert all(line.count(":") >= 4 for line in out.out.splitlines() if not line.startswith(("invalid:", "canonical:", "valid:")))


@pytest.mark.parametrize("kind", ["inline", "csv"])
def test_diff_of_a_header_that_repeats_a_column_is_located_not_an_internal_error(tmp_path, kind, capsys):
    import subprocess

    def package(header: list[str]) -> None:
        if kind == "inline":
            inline(tmp_path, [header, ["a", 1]])
        else:
            write(tmp_path, ",".join(header) + "\na,1\n")
        d = json.loads((tmp_path / "datapackage.json").read_text())
        d["resources"][0]["schema"]["primaryKey"] = ["id"]
        (tmp_path / "datapackage.json").write_text(json.dumps(d, indent=2))

    git = ["git", "-C", str(tmp_path), "-c", "user.name=T", "-c", "user.email=t@example.org"]
    package(["id", "n"])
    subprocess.run(git + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-qm", "base"], check=True)
    package(["id", "id"])
    assert main(["diff", "HEAD", str(tmp_path)]) == 1
    out = capsys.readouterr()
    assert "internal error" not in out.err
    assert re.match(r"[^:]+:\d+:\d+: header-mismatch: ", out.out)
