"""Every rule, shown to fire: a minimal corruption of the real package and the exact
(file, line, field, code) set the validator must report for it — no more, no fewer."""

from __future__ import annotations

import os

import pytest
from helpers import sentence_at

from validate.codes import CODES

CASES = []


def case(code: str):
    def register(fn):
        CASES.append(pytest.param(fn, id=f"{code}:{fn.__name__}"))
        fn.code = code
        return fn

    return register


def json_line(text: str, *needles: str) -> tuple[int, str]:
    pos = 0
    for needle in needles:
        pos = text.index(needle, pos)
    return text.count("\n", 0, pos) + 1, str(pos - (text.rfind("\n", 0, pos) + 1) + 1)


# -- the descriptor -------------------------------------------------------------------------

@case("invalid-json")
def trailing_comma_in_descriptor(pkg):
    (pkg.root / "datapackage.json").write_text('{\n  "name": "x",\n  "resources": [],\n}\n')
    return {("datapackage.json", 4, "1", "invalid-json")}


@case("encoding-error")
def descriptor_is_not_utf8(pkg):
    (pkg.root / "datapackage.json").write_bytes(b"\xff\xfe{")
    return {("datapackage.json", 1, "1", "encoding-error")}


@case("descriptor-error")
def unsupported_field_type(pkg):
    d = pkg.descriptor()
    pkg.resource(d, "events")["schema"]["fields"][1]["type"] = "decimal"  # no Table Schema type (geopoint is one now, and checked)
    text = pkg.write_descriptor(d)
    line, col = json_line(text, '"resources"', '"name": "events"', '"name": "date"')
    return {("datapackage.json", line, col, "descriptor-error")}


@case("descriptor-error")
def foreign_key_to_missing_resource(pkg):
    d = pkg.descriptor()
    pkg.resource(d, "event_actors")["schema"]["foreignKeys"][2]["reference"]["resource"] = "roles"
    text = pkg.write_descriptor(d)
    line, col = json_line(text, '"resources"', '"name": "event_actors"', '"foreignKeys"')
    return {("datapackage.json", line, col, "descriptor-error")}


@case("descriptor-error")
def foreign_key_to_missing_field(pkg):
    d = pkg.descriptor()
    pkg.resource(d, "events")["schema"]["foreignKeys"][0]["reference"]["fields"] = ["code"]
    text = pkg.write_descriptor(d)
    line, col = json_line(text, '"resources"', '"name": "events"', '"foreignKeys"')
    return {("datapackage.json", line, col, "descriptor-error")}


@case("descriptor-error")
def undescribed_csv_in_data(pkg):
    (pkg.root / "data" / "notes.csv").write_text("a\n1\n")
    line, col = json_line((pkg.root / "datapackage.json").read_text(), '"resources"')
    return {("datapackage.json", line, col, "descriptor-error")}


@case("descriptor-error")
def missing_resource_file_and_entry(pkg):
    d = pkg.descriptor()
    d["resources"] = [r for r in d["resources"] if r["name"] != "party_roles"]
    text = pkg.write_descriptor(d)
    line, col = json_line(text, '"resources"', '"name": "commitment_parties"', '"foreignKeys"')
    (pkg.path("party_roles")).unlink()
    return {("datapackage.json", line, col, "descriptor-error")}


@pytest.mark.parametrize("path", ["../outside.csv", "/etc/passwd", "https://example.org/events.csv", "data/../../x.csv"])
def test_resource_path_leaving_the_package_is_refused(pkg, path):
    d = pkg.descriptor()
    pkg.resource(d, "events")["path"] = path
    text = pkg.write_descriptor(d)
    line, col = json_line(text, '"resources"', '"name": "events"', '"path"')
    assert pkg.validate() == {("datapackage.json", line, col, "unsafe-path")}


@case("unsafe-path")
def symlinked_table_leaving_the_package(pkg, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "event_roles.csv"
    outside.write_bytes(pkg.raw("event_roles"))
    pkg.path("event_roles").unlink()
    os.symlink(outside, pkg.path("event_roles"))
    return {("data/event_roles.csv", 1, "1", "unsafe-path")}


@case("missing-file")
def deleted_vocabulary_file(pkg):
    pkg.path("event_roles").unlink()
    return {("data/event_roles.csv", 1, "1", "missing-file")}


@case("missing-file")
def fifo_instead_of_a_table(pkg):
    pkg.path("event_roles").unlink()
    os.mkfifo(pkg.path("event_roles"))  # reading it would block forever
    return {("data/event_roles.csv", 1, "1", "missing-file")}


@case("file-too-large")
def table_over_the_size_limit(pkg):
    limit = (pkg.root / "datapackage.json").stat().st_size + 1000
    summary = pkg.get("events", "ev-001", "summary")
    pkg.set("events", "ev-001", "summary", summary + " padding" * (limit // 8))
    pkg.limit = limit
    return {("data/events.csv", 1, "1", "file-too-large")}


@case("bytes-mismatch")
def declared_size_differs(pkg):
    d = pkg.descriptor()
    pkg.resource(d, "event_roles")["bytes"] = len(pkg.raw("event_roles")) + 1
    text = pkg.write_descriptor(d)
    line, col = json_line(text, '"resources"', '"name": "event_roles"', '"bytes"')
    return {("datapackage.json", line, col, "bytes-mismatch")}


@case("hash-mismatch")
def declared_hash_differs(pkg):
    import hashlib

    d = pkg.descriptor()
    pkg.resource(d, "event_roles")["hash"] = "sha256:" + hashlib.sha256(pkg.raw("event_roles") + b" ").hexdigest()
    text = pkg.write_descriptor(d)
    line, col = json_line(text, '"resources"', '"name": "event_roles"', '"hash"')
    return {("datapackage.json", line, col, "hash-mismatch")}


@case("compression-error")
def declared_gzip_that_is_not(pkg):
    d = pkg.descriptor()
    pkg.resource(d, "event_roles")["compression"] = "gz"  # the file is plain CSV
    pkg.write_descriptor(d)
    return {("data/event_roles.csv", 1, "1", "compression-error")}


@case("file-too-large")
def gzip_table_expanding_over_the_limit(pkg):
    import gzip

    d = pkg.descriptor()
    pkg.resource(d, "event_roles")["compression"] = "gz"
    pkg.write_descriptor(d)
    rows = pkg.rows("event_roles")
    rows[1][1] += " padding" * 40_000
    pkg.write_raw("event_roles", gzip.compress("".join(",".join(r) + "\n" for r in rows).encode()))
    pkg.limit = 100_000  # above the compressed file and the descriptor, below what it expands to
    return {("data/event_roles.csv", 1, "1", "file-too-large")}


@case("invalid-version")
def version_not_semver(pkg):
    d = pkg.descriptor()
    d["version"] = "1.0"
    text = pkg.write_descriptor(d)
    line, col = json_line(text, '"version"')
    return {("datapackage.json", line, col, "invalid-version")}


# -- bytes and CSV structure ------------------------------------------------------------------

@case("encoding-error")
def byte_that_no_encoding_explains(pkg):
    raw = pkg.raw("actors")
    pos = raw.index(b"Ajit Doval")
    pkg.write_raw("actors", raw[:pos] + b"\x81" + raw[pos + 1:])  # 0x81 is neither UTF-8 nor Windows-1252
    line = raw.count(b"\n", 0, pos) + 1
    return {("data/actors.csv", line, str(pos - raw.rfind(b"\n", 0, pos)), "encoding-error")}


@case("spreadsheet-encoding")
def latin1_byte_in_a_utf8_table(pkg):
    raw = pkg.raw("actors")
    assert any(b > 127 for b in raw), "the table must hold UTF-8 text for the mix to be visible"
    pos = raw.index(b"Ajit Doval")
    pkg.write_raw("actors", raw[:pos] + b"\xe9" + raw[pos + 1:])
    line = raw.count(b"\n", 0, pos) + 1
    return {("data/actors.csv", line, str(pos - raw.rfind(b"\n", 0, pos)), "spreadsheet-encoding")}


@case("spreadsheet-encoding")
def table_saved_as_windows_1252(pkg):
    text = pkg.raw("actors").decode("utf-8")
    pkg.write_raw("actors", text.encode("cp1252"))
    pos = next(i for i, c in enumerate(text) if ord(c) > 127)
    line = text.count("\n", 0, pos) + 1
    return {("data/actors.csv", line, str(pos - text.rfind("\n", 0, pos)), "spreadsheet-encoding")}


@case("encoding-error")
def utf16_table(pkg):
    pkg.write_raw("event_roles", pkg.raw("event_roles").decode().encode("utf-16"))
    return {("data/event_roles.csv", 1, "1", "encoding-error")}


@case("bom")
def utf8_bom(pkg):
    pkg.write_raw("actors", b"\xef\xbb\xbf" + pkg.raw("actors"))
    return {("data/actors.csv", 1, "1", "bom")}


@case("line-ending")
def crlf_line_endings(pkg):
    raw = pkg.raw("actors")
    pkg.write_raw("actors", raw.replace(b"\n", b"\r\n"))
    return {("data/actors.csv", 1, str(raw.index(b"\n") + 1), "line-ending")}


@case("nul-byte")
def nul_byte(pkg):
    raw = pkg.raw("actors")
    pos = raw.index(b"Ajit Doval")
    pkg.write_raw("actors", raw[:pos] + b"\x00" + raw[pos:])
    return {("data/actors.csv", raw.count(b"\n", 0, pos) + 1, str(pos - raw.rfind(b"\n", 0, pos)), "nul-byte")}


@case("missing-final-newline")
def no_final_newline(pkg):
    raw = pkg.raw("event_roles")
    pkg.write_raw("event_roles", raw.rstrip(b"\n"))
    return {("data/event_roles.csv", raw.count(b"\n"), "1", "missing-final-newline")}


@case("not-canonical")
def rows_out_of_key_order(pkg):
    rows = pkg.rows("event_roles")
    pkg.write_rows("event_roles", [rows[0], rows[2], rows[1], rows[3]])
    return {("data/event_roles.csv", 2, "1", "not-canonical")}


@case("not-canonical")
def cell_quoted_without_need(pkg):
    raw = pkg.raw("party_roles").decode()
    line = pkg.line_of("party_roles", "obligor")
    pkg.write_raw("party_roles", raw.replace("obligor,", '"obligor",', 1).encode())
    return {("data/party_roles.csv", line, "1", "not-canonical")}


@case("empty-file")
def empty_table(pkg):
    pkg.write_raw("event_roles", b"")
    return {("data/event_roles.csv", 1, "1", "empty-file")}


@case("csv-syntax")
def unclosed_quote(pkg):
    # frictionless merges the rest of the file into one cell here without an error (frictionless-py#1048)
    line = pkg.line_of("event_roles", "recipient")
    raw = pkg.raw("event_roles").decode()
    pkg.write_raw("event_roles", raw.replace("recipient,", 'recipient,"The target', 1).encode())
    return {("data/event_roles.csv", line, "1", "csv-syntax")}


@case("blank-row")
def blank_line_inside_table(pkg):
    lines = pkg.raw("event_roles").decode().split("\n")
    pkg.write_raw("event_roles", "\n".join(lines[:2] + [""] + lines[2:]).encode())
    return {("data/event_roles.csv", 3, "1", "blank-row")}


@pytest.mark.parametrize("header,col", [
    ("event_role,definition,definition", "3"),  # duplicated and extra: nothing aligns reliably
    ("event_role,meaning", "2"),  # renamed: the rows are checked for event_role alone
])
def test_header_not_matching_schema_is_reported(pkg, header, col):
    lines = pkg.raw("event_roles").decode().split("\n")
    pkg.write_raw("event_roles", "\n".join([header] + lines[1:]).encode())
    assert pkg.validate() == {("data/event_roles.csv", 1, col, "header-mismatch")}


def test_columns_in_another_order_are_read_by_name(pkg):
    rows = pkg.rows("event_roles")
    pkg.write_rows("event_roles", [row[::-1] for row in rows])
    assert pkg.validate() == {("data/event_roles.csv", 1, "1", "header-mismatch")}


def test_a_missing_header_column_still_checks_the_rows_against_the_header(pkg):
    lines = pkg.raw("event_roles").decode().split("\n")
    pkg.write_raw("event_roles", "\n".join(["event_role"] + lines[1:]).encode())
    rows = range(2, len(pkg.rows("event_roles")) + 1)  # every row has the cell the header lacks
    assert pkg.validate() == {("data/event_roles.csv", 1, "2", "header-mismatch")} | {("data/event_roles.csv", n, "2", "extra-cell") for n in rows}


@case("header-mismatch")
def renamed_header(pkg):
    raw = pkg.raw("actors").decode()
    pkg.write_raw("actors", raw.replace("country_basis", "country_source", 1).encode())
    return {("data/actors.csv", 1, "5", "header-mismatch")}


@case("extra-cell")
def row_with_extra_cell(pkg):
    line = pkg.line_of("event_roles", "subject")
    lines = pkg.raw("event_roles").decode().split("\n")
    lines[line - 1] += ",extra"
    pkg.write_raw("event_roles", "\n".join(lines).encode())
    return {("data/event_roles.csv", line, "3", "extra-cell")}


@case("missing-cell")
def row_with_missing_cell(pkg):
    line = pkg.line_of("party_roles", "obligor")
    lines = pkg.raw("party_roles").decode().split("\n")
    lines[line - 1] = "obligor"
    pkg.write_raw("party_roles", "\n".join(lines).encode())
    # the row is kept, padded, so that references to 'obligor' do not cascade; its definition is missing
    return {("data/party_roles.csv", line, "definition", "missing-cell"), ("data/party_roles.csv", line, "definition", "missing-value")}


# -- field values -----------------------------------------------------------------------------

@case("type-error")
def impossible_calendar_date(pkg):
    path, line, field = pkg.set("events", "ev-005", "date_end", "2024-02-30")
    return {(path, line, field, "type-error"), (path, line, "date_start", "date-bounds-mismatch")}


@case("type-error")
def offset_not_an_integer(pkg):
    where = pkg.set("actors", "canada", "char_start", "12a")
    return {(*where, "type-error")}


@case("missing-value")
def empty_required_cell(pkg):
    where = pkg.set("events", "ev-003", "summary", "")
    return {(*where, "missing-value")}


@case("missing-value")
def empty_quote_is_missing_not_also_a_mismatch(pkg):
    where = pkg.set("events", "ev-003", "quote", "")
    return {(*where, "missing-value")}


@case("missing-value")
def empty_primary_key_part(pkg):
    where = pkg.set("event_actors", ("ev-003", "canada"), "role", "")
    return {(*where, "missing-value")}


@case("confusable-code")
def vocabulary_code_differing_only_by_case(pkg):
    rows = pkg.rows("event_types")
    where = pkg.append("event_types", [rows[1][0].lower(), *rows[1][1:]])  # lower case sorts after every upper-case code
    return {("data/event_types.csv", where, "event_type", "confusable-code")}


@case("duplicate-value")
def value_repeated_in_a_unique_field(pkg):
    d = pkg.descriptor()
    next(f for f in pkg.resource(d, "actors")["schema"]["fields"] if f["name"] == "name")["constraints"]["unique"] = True
    pkg.write_descriptor(d)
    where = pkg.set("actors", "india", "name", "Canada")  # india sorts after canada
    return {(*where, "duplicate-value")}


@case("pattern-mismatch")
def language_not_a_code(pkg):
    where = pkg.set("sources", "src-0a85bdf091dd711d", "language", "english")
    return {(*where, "pattern-mismatch"), (*where, "unknown-language")}


@case("pattern-mismatch")
def trailing_newline_does_not_slip_past_the_pattern(pkg):
    # Python's re '$' accepts a trailing newline; the patterns must match the whole cell
    where = pkg.set("events", "ev-009", "cameo_code", "042\n")
    return {(*where, "pattern-mismatch"), (*where, "whitespace"), (*where, "dangling-foreign-key"), (*where, "crosswalk-mismatch")}


@case("not-in-vocabulary")
def enum_value_outside_list(pkg):
    where = pkg.set("event_types", "AGREE", "scheme", "CAMEO")
    return {(*where, "not-in-vocabulary")}


@case("out-of-range")
def negative_offset(pkg):
    where = pkg.set("actors", "canada", "char_start", "-1")
    return {(*where, "out-of-range"), (*where[:2], "char_end", "evidence-out-of-range")}


# -- spreadsheet damage ----------------------------------------------------------------------

def zero_led(pkg, table: str, field: str) -> tuple[str, str]:
    """The key and value of the first row whose `field` starts with a zero (read from the data)."""
    rows = pkg.rows(table)
    col = rows[0].index(field)
    row = next(r for r in rows[1:] if r[col].startswith("0"))
    return row[0], row[col]


@case("lost-leading-zeros")
def code_lost_its_leading_zero(pkg):
    key, code = zero_led(pkg, "events", "cameo_code")
    where = pkg.set("events", key, "cameo_code", code.lstrip("0"))
    return {(*where, "lost-leading-zeros")}  # not also pattern-mismatch and dangling-foreign-key


@case("lost-leading-zeros")
def vocabulary_code_lost_its_leading_zero(pkg):
    _, code = zero_led(pkg, "cameo_codes", "cameo_code")
    where = pkg.set("cameo_codes", code, "cameo_code", code.lstrip("0"))
    return {(*where, "lost-leading-zeros")}  # the events that name the code do not dangle on top


@case("locale-date")
def iso_date_rewritten_month_first(pkg):
    rows = pkg.rows("events")
    i = rows[0].index("date_start")
    key, iso = next((r[0], r[i]) for r in rows[1:] if r[i])
    y, m, d = iso.split("-")
    where = pkg.set("events", key, "date_start", f"{int(m)}/{int(d)}/{y}")
    return {(*where, "locale-date")}  # not also type-error and date-bounds-mismatch


@case("locale-date")
def edtf_date_rewritten_by_a_spreadsheet(pkg):
    rows = pkg.rows("events")
    i = rows[0].index("date")
    key = next(r[0] for r in rows[1:] if r[i])
    where = pkg.set("events", key, "date", "10/1/2024")
    return {(*where, "locale-date")}  # not also invalid-edtf


# -- text hygiene -----------------------------------------------------------------------------

@case("whitespace")
def trailing_space(pkg):
    where = pkg.set("actors", "ajit-doval", "name", "Ajit Doval ")
    return {(*where, "whitespace")}


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t"])
def test_cell_starting_like_a_formula_is_reported(pkg, prefix):
    where = pkg.set("events", "ev-003", "summary", prefix + "HYPERLINK(\"http://x\")")
    expected = {(*where, "formula-injection")} | ({(*where, "whitespace")} if prefix.isspace() else set())
    assert pkg.validate() == expected


@case("formula-injection")
def cell_starting_with_equals(pkg):
    where = pkg.set("events", "ev-003", "summary", "=1+1")
    return {(*where, "formula-injection")}


@case("formula-injection")
def cell_starting_with_carriage_return(pkg):
    where = pkg.set("events", "ev-003", "summary", "\rx")
    line = where[1]
    raw = pkg.raw("events").decode()
    col = raw.index("\r") - raw.rfind("\n", 0, raw.index("\r"))
    return {(*where, "formula-injection"), (*where, "invisible-character"), (*where, "whitespace"), ("data/events.csv", line, str(col), "line-ending")}


@pytest.mark.parametrize("char", ["\u200b", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069", "\x07"])
def test_invisible_or_bidi_character_is_reported(pkg, char):
    where = pkg.set("actors", "india", "description", f"The Republic {char}of India.")
    assert pkg.validate() == {(*where, "invisible-character")}


@case("invisible-character")
def right_to_left_override(pkg):
    where = pkg.set("actors", "india", "description", "India\u202e")
    return {(*where, "invisible-character")}


# -- keys -------------------------------------------------------------------------------------

@case("duplicate-primary-key")
def duplicated_composite_key(pkg):
    line = pkg.append("event_actors", ["ev-003", "canada", "recipient", ""])
    return {("data/event_actors.csv", line, "event_id+actor_id+role", "duplicate-primary-key")}


@case("duplicate-primary-key")
def duplicated_single_key(pkg):
    line = pkg.append("event_roles", ["subject", "A second definition."])
    return {("data/event_roles.csv", line, "event_role", "duplicate-primary-key")}


@case("duplicate-unique-key")
def two_roles_with_one_definition(pkg):
    d = pkg.descriptor()
    pkg.resource(d, "event_roles")["schema"]["uniqueKeys"] = [["definition"]]
    pkg.write_descriptor(d)
    first, second = pkg.key("event_roles", 0), pkg.key("event_roles", 1)
    where = pkg.set("event_roles", second, "definition", pkg.get("event_roles", first, "definition"))
    return {(where[0], where[1], "definition", "duplicate-unique-key")}


@case("attribution-mismatch")
def reported_claim_without_asserter(pkg):
    key = next(r[0] for r in pkg.rows("commitments")[1:] if r[pkg.rows("commitments")[0].index("attribution")] == "reported")
    where = pkg.set("commitments", key, "asserted_by", "")
    return {(*where, "attribution-mismatch")}


@case("attribution-mismatch")
def narration_with_asserter(pkg):
    key = next(r[0] for r in pkg.rows("events")[1:] if r[pkg.rows("events")[0].index("attribution")] == "narration")
    where = pkg.set("events", key, "asserted_by", "india")
    return {(*where, "attribution-mismatch")}


@case("unknown-place-code")
def place_code_that_iso_3166_does_not_have(pkg):
    key = next(r[0] for r in pkg.rows("events")[1:] if r[pkg.rows("events")[0].index("location_code")])
    where = pkg.set("events", key, "location_code", "CA-XX")
    return {(*where, "unknown-place-code")}


@case("uncovered-clause")
def clause_whose_only_citations_are_removed(pkg):
    """A sentence stays cited, but one of its clauses loses every span that touched it. The clause
    is chosen from the data: one whose citing rows all sit in tables nothing references (so that
    removing them breaks no key) while other spans keep its sentence cited."""
    from schemas.coverage import clauses, sentences
    from validate.declarations import reference_target

    resources = pkg.descriptor()["resources"]
    referenced = {reference_target(fk, r["name"]) for r in resources for fk in r["schema"].get("foreignKeys", [])}
    spans = []  # (table, row, start, end)
    for res in resources:
        names = [f["name"] for f in res["schema"]["fields"]]
        if {"source_id", "quote", "char_start", "char_end"} <= set(names):
            for row in pkg.rows(res["name"])[1:]:
                spans.append((res["name"], tuple(row), int(row[names.index("char_start")]), int(row[names.index("char_end")])))
    path = "data/sources/src-0a85bdf091dd711d.txt"
    text = (pkg.root / path).read_text(encoding="utf-8")
    for a, b in sentences(text):
        for c0, c1 in clauses(text, a, b):
            touching = [s for s in spans if s[2] < c1 and s[3] > c0]
            rest = [s for s in spans if s not in touching and s[2] < b and s[3] > a]
            if touching and rest and all(s[0] not in referenced for s in touching):
                for name in {s[0] for s in touching}:
                    rows = pkg.rows(name)
                    pkg.write_rows(name, [r for r in rows if (name, tuple(r)) not in {(s[0], s[1]) for s in touching}])
                lost = [(d0, d1) for d0, d1 in clauses(text, a, b) if not any(s[2] < d1 and s[3] > d0 for s in rest)]
                return {(path, text.count("\n", 0, d0) + 1, str(d0 - text.rfind("\n", 0, d0)), "uncovered-clause") for d0, _ in lost}
    raise AssertionError("no clause is cited only by rows of unreferenced tables")


@case("mojibake")
def text_read_with_the_wrong_charset(pkg):
    """A spreadsheet read the UTF-8 file as Windows-1252 and saved it back as UTF-8."""
    key = next(r[0] for r in pkg.rows("events")[1:] if "’" in r[pkg.rows("events")[0].index("quote")])
    quote = next(r for r in pkg.rows("events") if r[0] == key)[pkg.rows("events")[0].index("quote")]
    pkg.set("events", key, "quote", quote.encode("utf-8").decode("cp1252", errors="strict"))
    return {("data/events.csv", pkg.line_of("events", key), "quote", "mojibake")}


@case("reused-id")
def retired_id_used_again(pkg):
    key = pkg.key("events")
    pkg.append("retired_ids", ["events", key, "1.0.0", "Removed as a duplicate."])
    return {("data/events.csv", pkg.line_of("events", key), "event_id", "reused-id")}


# A filled reference that exists nowhere, for every foreign key of the package; the row is
# chosen so that no other rule is affected.
FIRST = None
DANGLING = [
    ("sources", "src-0a85bdf091dd711d", "published_basis", "no-such-basis"),
    ("actors", "canada", "actor_type", "no-such-type"),
    ("actors", "canada", "country_basis", "no-such-basis"),
    ("actors", "ministry-of-external-affairs", "parent_actor_id", "no-such-actor"),
    ("actors", "canada", "source_id", "src-missing"),
    ("events", "ev-005", "date_basis", "no-such-basis"),
    ("events", "ev-003", "event_type", "NO-SUCH-TYPE"),
    ("events", "ev-003", "cameo_code", "2099"),  # fits the pattern, names no code
    ("events", "ev-003", "status", "no-such-status"),
    ("events", "ev-003", "source_id", "src-missing"),
    ("event_actors", ("ev-003", "canada"), "event_id", "ev-999"),
    ("event_actors", ("ev-003", "canada"), "actor_id", "no-such-actor"),
    ("event_actors", ("ev-003", "canada"), "role", "no-such-role"),
    ("commitments", "cm-001", "event_id", "ev-999"),
    ("commitments", "cm-001", "commitment_type", "no-such-type"),
    ("commitments", "cm-001", "status", "no-such-status"),
    ("commitments", "cm-001", "source_id", "src-missing"),
    ("commitment_parties", ("cm-001", "canada"), "commitment_id", "cm-999"),
    ("commitment_parties", ("cm-001", "canada"), "actor_id", "no-such-actor"),
    ("commitment_parties", ("cm-001", "canada"), "role", "no-such-role"),
    ("coverage_exclusions", "src-0a85bdf091dd711d", "source_id", "src-missing"),
    ("event_modes", ("ACCUSE", "allege"), "event_type", "NO-SUCH-TYPE"),
    # newer keys name no row: the test takes the table's first row (a correction may change any id)
    ("events", FIRST, "location_code_basis", "no-such-basis"),
    ("events", FIRST, "attribution", "no-such-attribution"),
    ("events", FIRST, "asserted_by", "no-such-actor"),
    ("commitments", FIRST, "attribution", "no-such-attribution"),
    ("commitments", FIRST, "asserted_by", "no-such-actor"),
    ("event_contexts", FIRST, "event_id", "ev-999"),
    ("event_contexts", FIRST, "context", "no_such_context"),
    ("event_links", FIRST, "event_id", "ev-999"),
    ("event_links", FIRST, "related_event_id", "ev-999"),
    ("event_links", FIRST, "relation", "no-such-relation"),
    ("event_links", FIRST, "relation_basis", "no-such-basis"),
    ("event_links", FIRST, "source_id", "src-missing"),
    ("event_links", FIRST, "attribution", "no-such-attribution"),
    ("event_links", FIRST, "asserted_by", "no-such-actor"),
    ("event_counts", FIRST, "event_id", "ev-999"),
    ("event_counts", FIRST, "actor_id", "no-such-actor"),
    ("event_counts", FIRST, "count_basis", "no-such-basis"),
    ("event_counts", FIRST, "source_id", "src-missing"),
    ("event_counts", FIRST, "attribution", "no-such-attribution"),
    ("event_counts", FIRST, "asserted_by", "no-such-actor"),
    ("relationship_states", FIRST, "actor_id", "no-such-actor"),
    ("relationship_states", FIRST, "other_actor_id", "no-such-actor"),
    ("relationship_states", FIRST, "relationship_level", "no-such-level"),
    ("relationship_states", FIRST, "date_basis", "no-such-basis"),
    ("relationship_states", FIRST, "source_id", "src-missing"),
    ("relationship_states", FIRST, "attribution", "no-such-attribution"),
    ("relationship_states", FIRST, "asserted_by", "no-such-actor"),
    ("event_evidence", FIRST, "event_id", "ev-999"),
    ("event_evidence", FIRST, "source_id", "src-missing"),
    ("event_evidence", FIRST, "attribution", "no-such-attribution"),
    ("event_evidence", FIRST, "asserted_by", "no-such-actor"),
    ("commitment_evidence", FIRST, "commitment_id", "cm-999"),
    ("commitment_evidence", FIRST, "source_id", "src-missing"),
    ("commitment_evidence", FIRST, "attribution", "no-such-attribution"),
    ("commitment_evidence", FIRST, "asserted_by", "no-such-actor"),
    ("cameo_plover", "2042", "plover_type", "NO-SUCH-TYPE"),  # a code no event uses
    ("crosswalk_deviations", ("010", "STATEMENT"), "cameo_code", "2099"),  # fits the pattern, names no code
    ("crosswalk_deviations", ("016", "REJECT"), "event_type", "NO-SUCH-TYPE"),
]


QUOTED = {"coverage_exclusions": "India, Canada agree", "commitments": "“They agreed to a shared"}


@pytest.mark.parametrize("table,key,field,value", DANGLING, ids=[f"{t}.{f}" for t, _, f, _ in DANGLING])
def test_dangling_reference_is_reported_for_every_foreign_key(pkg, table, key, field, value):
    key = pkg.key(table) if key is FIRST else key
    fields = [f["name"] for f in pkg.resource(pkg.descriptor(), table)["schema"]["fields"]]
    before = {f: pkg.get(table, key, f) for f in fields if f in ("attribution", "quote")}
    where = pkg.set(table, key, field, value)
    expected = {(*where, "dangling-foreign-key")}
    if field == "asserted_by" and before["attribution"] == "narration":  # a narrated fact names no asserter
        expected.add((where[0], where[1], "asserted_by", "attribution-mismatch"))
    if field == "attribution":  # no longer narration, so the empty asserter (or a filled one) disagrees
        if pkg.get(table, key, "asserted_by") == "":
            expected.add((where[0], where[1], "asserted_by", "attribution-mismatch"))
    if (table, field) == ("event_modes", "event_type"):  # the mode vanishes from ACCUSE, so every allegation's mode is orphaned
        alleged = [r[0] for r in pkg.rows("events")[1:] if r[6:8] == ["ACCUSE", "allege"]]
        expected |= {("data/events.csv", pkg.line_of("events", e), "event_mode", "mode-type-mismatch") for e in alleged}
    if table == "crosswalk_deviations":  # the events coded under the deviation are no longer excused
        unexcused = [r[0] for r in pkg.rows("events")[1:] if r[8] == key[0]]
        expected |= {("data/events.csv", pkg.line_of("events", e), "cameo_code", "crosswalk-mismatch") for e in unexcused}
    if (table, field) in (("events", "cameo_code"), ("events", "event_type")):  # ev-003's coding is no longer the reviewed one
        expected.add((*where[:2], "cameo_code", "crosswalk-mismatch"))
    if field == "source_id" and table in QUOTED and table != "commitments":  # the sentence loses its only citation
        expected.add((*sentence_at(pkg.root, QUOTED[table]), "uncovered-sentence"))
    if field == "source_id":  # the quote's sentence, or clauses of it, may have had no other citation
        expected |= {k for k in pkg.validate() if k[3] in ("uncovered-sentence", "uncovered-clause")
                     and before["quote"][:20] in _sentence(pkg, k)}
    assert pkg.validate() == expected


def _sentence(pkg, key) -> str:
    """The sentence of the source text in which the problem `key` is located."""
    from schemas.coverage import sentences

    text = (pkg.root / key[0]).read_text(encoding="utf-8")
    lines = text.split("\n")
    start = sum(len(x) + 1 for x in lines[: key[1] - 1]) + int(key[2]) - 1
    return next(text[s:e] for s, e in sentences(text) if s <= start < e)


def _offset(pkg, key) -> int:
    lines = (pkg.root / key[0]).read_text(encoding="utf-8").split("\n")
    return sum(len(x) + 1 for x in lines[: key[1] - 1]) + int(key[2]) - 1


def _clauses_at(pkg, offsets: list[int]) -> set[int]:
    """Start offsets of the clauses of the source text that contain any of `offsets`."""
    from schemas.coverage import clauses, sentences

    text = (pkg.root / "data/sources/src-0a85bdf091dd711d.txt").read_text(encoding="utf-8")
    return {c0 for s, e in sentences(text) for c0, c1 in clauses(text, s, e) if any(c0 <= o < c1 for o in offsets)}


def test_dangling_cases_cover_every_foreign_key(pkg):
    declared = {(r["name"], "+".join(fk["fields"])) for r in pkg.descriptor()["resources"] for fk in r["schema"].get("foreignKeys", [])}
    assert declared == {(t, f) for t, _, f, _ in DANGLING}


@case("dangling-foreign-key")
def event_actor_for_deleted_event(pkg):
    lines = [pkg.line_of("event_actors", *r[:3]) for r in pkg.rows("event_actors")[1:] if r[0] == "ev-014"]
    pkg.write_rows("event_contexts", [r for r in pkg.rows("event_contexts") if r[0] != "ev-014"])
    links = pkg.rows("event_links")
    gone = [int(r[links[0].index("char_start")]) for r in links[1:] if "ev-014" in (r[0], r[2])]
    pkg.write_rows("event_links", [r for r in links if "ev-014" not in (r[0], r[2])])
    pkg.delete("events", "ev-014")  # its sentence stays covered by Carney's actor row
    expected = {("data/event_actors.csv", n, "event_id", "dangling-foreign-key") for n in lines}
    return expected | {k for k in pkg.validate() if k[3] == "uncovered-clause" and _offset(pkg, k) in _clauses_at(pkg, gone)}


@case("parent-cycle")
def actor_is_its_own_grandparent(pkg):
    where = pkg.set("actors", "india", "parent_actor_id", "ministry-of-external-affairs")
    mea = pkg.line_of("actors", "ministry-of-external-affairs")
    return {(*where, "parent-cycle"), ("data/actors.csv", mea, "parent_actor_id", "parent-cycle")}


@case("parent-cycle")
def actor_is_its_own_parent(pkg):
    where = pkg.set("actors", "canada", "parent_actor_id", "canada")
    return {(*where, "parent-cycle")}


# -- dates ------------------------------------------------------------------------------------

@case("invalid-edtf")
def month_thirteen(pkg):
    where = pkg.set("events", "ev-005", "date", "2024-13")
    return {(*where, "invalid-edtf")}


@case("invalid-edtf")
def publication_date_not_edtf(pkg):
    where = pkg.set("sources", "src-0a85bdf091dd711d", "published", "2026-13-XX")
    return {(*where, "invalid-edtf")}


@case("date-bounds-mismatch")
def end_not_the_last_day_of_the_month(pkg):
    where = pkg.set("events", "ev-005", "date_end", "2024-10-30")
    return {(*where[:2], "date_start", "date-bounds-mismatch")}


@case("date-bounds-mismatch")
def day_precision_invented_for_a_month(pkg):
    # '2024-10' may not be narrowed to one day in its bounds
    pkg.set("events", "ev-005", "date_start", "2024-10-14")
    where = pkg.set("events", "ev-005", "date_end", "2024-10-14")
    return {(*where[:2], "date_start", "date-bounds-mismatch")}


@case("date-order")
def start_after_end(pkg):
    where = pkg.set("events", "ev-005", "date_start", "2024-11-01")
    return {(*where, "date-order"), (*where, "date-bounds-mismatch")}


@case("basis-mismatch")
def stated_basis_for_an_empty_date(pkg):
    key = pkg.key("events")
    for field in ("date", "date_start", "date_end", "date_text"):
        pkg.set("events", key, field, "")
    where = pkg.set("events", key, "date_basis", "stated")
    return {(*where, "basis-mismatch")}


@case("basis-mismatch")
def country_without_basis(pkg):
    where = pkg.set("actors", "hardeep-singh-nijjar", "country", "CAN")
    return {(*where[:2], "country_basis", "basis-mismatch")}


@case("mode-type-mismatch")
def expel_is_not_a_consult_mode(pkg):
    where = pkg.set("events", "ev-009", "event_mode", "expel")
    return {(*where, "mode-type-mismatch"), (*where[:2], "cameo_code", "crosswalk-mismatch")}  # 042 is a visit in the crosswalk


@case("crosswalk-mismatch")
def cameo_code_whose_crosswalk_mode_differs(pkg):
    where = pkg.set("events", "ev-010", "cameo_code", "042")  # the crosswalk makes 042 a CONSULT/visit; ev-010 has no mode
    return {(*where, "crosswalk-mismatch")}


@case("crosswalk-mismatch")
def reviewed_deviation_removed(pkg):
    expelled = next(r for r in pkg.rows("events")[1:] if r[7] == "expel")  # CAMEO 161, which the crosswalk makes withdraw
    pkg.delete("crosswalk_deviations", (expelled[8], expelled[6]))
    return {("data/events.csv", pkg.line_of("events", expelled[0]), "cameo_code", "crosswalk-mismatch")}


@case("crosswalk-mismatch")
def code_absent_from_the_crosswalk_without_a_deviation(pkg):
    statement = next(r for r in pkg.rows("events")[1:] if r[6] == "STATEMENT")  # CAMEO 010: PLOVER drops 01x
    pkg.delete("crosswalk_deviations", (statement[8], statement[6]))
    return {("data/events.csv", pkg.line_of("events", statement[0]), "cameo_code", "crosswalk-mismatch")}


def test_crosswalk_rule_is_switched_on_by_the_declaration_not_by_names(pkg):
    pkg.set("events", "ev-010", "cameo_code", "042")
    d = pkg.descriptor()
    del pkg.resource(d, "events")["crosswalk"]
    pkg.write_descriptor(d)
    assert pkg.validate() == set()


@pytest.mark.parametrize("patch", [
    {"fields": ["cameo_code"]},  # a code alone maps nothing
    {"reference": {"resource": "cameo_plover", "fields": ["cameo_code", "no_such_field", "plover_mode"]}},
    {"reference": {"resource": "no_such_table", "fields": ["cameo_code", "plover_type", "plover_mode"]}},
    {"deviations": "crosswalk_deviations"},
])
def test_malformed_crosswalk_declaration_is_a_descriptor_error(pkg, patch):
    d = pkg.descriptor()
    pkg.resource(d, "events")["crosswalk"].update(patch)
    text = pkg.write_descriptor(d)
    line, col = json_line(text, '"resources"', '"name": "events"', '"crosswalk"')
    assert pkg.validate() == {("datapackage.json", line, col, "descriptor-error")}


# -- identifiers ------------------------------------------------------------------------------

@case("unknown-country")
def country_code_that_does_not_exist(pkg):
    where = pkg.set("actors", "india", "country", "XIN")
    return {(*where, "unknown-country")}


@case("unknown-language")
def language_code_that_does_not_exist(pkg):
    where = pkg.set("sources", "src-0a85bdf091dd711d", "language", "qq")
    return {(*where, "unknown-language")}


# -- evidence ---------------------------------------------------------------------------------

@case("evidence-mismatch")
def quote_with_straight_quotes(pkg):
    where = pkg.set("events", "ev-003", "quote", 'New Delhi rejected the claim as "absurd"')
    return {(*where, "evidence-mismatch")}


@case("evidence-mismatch")
def offsets_off_by_one(pkg):
    start = int(pkg.get("events", "ev-003", "char_start"))
    end = int(pkg.get("events", "ev-003", "char_end"))
    pkg.set("events", "ev-003", "char_start", str(start + 1))
    where = pkg.set("events", "ev-003", "char_end", str(end + 1))
    return {(*where[:2], "quote", "evidence-mismatch")}


@case("evidence-mismatch")
def quote_not_in_text(pkg):
    where = pkg.set("actors", "canada", "quote", "Canada and India have agreed")
    return {(*where, "evidence-mismatch")}


@case("evidence-out-of-range")
def offsets_past_the_end(pkg):
    where = pkg.set("actors", "canada", "char_end", "99999")
    return {(*where, "evidence-out-of-range")}


@case("evidence-out-of-range")
def empty_span(pkg):
    start = pkg.get("actors", "canada", "char_start")
    where = pkg.set("actors", "canada", "char_end", start)
    return {(*where, "evidence-out-of-range")}


@case("source-hash-mismatch")
def archived_text_edited(pkg):
    text = pkg.root / "data" / "sources" / "src-0a85bdf091dd711d.txt"
    text.write_bytes(text.read_bytes().replace("Doval".encode(), "Dovel".encode(), 1))
    return {("data/sources.csv", 2, "text_sha256", "source-hash-mismatch")}


@case("missing-file")
def archived_text_deleted(pkg):
    (pkg.root / "data" / "sources" / "src-0a85bdf091dd711d.txt").unlink()
    return {("data/sources.csv", 2, "text_path", "missing-file")}


@case("encoding-error")
def archived_text_not_utf8_with_a_matching_hash(pkg):
    import hashlib

    text = pkg.root / "data" / "sources" / "src-0a85bdf091dd711d.txt"
    latin1 = text.read_bytes() + "café\n".encode("latin-1")  # 0xE9 is not UTF-8
    text.write_bytes(latin1)
    where = pkg.set("sources", "src-0a85bdf091dd711d", "text_sha256", hashlib.sha256(latin1).hexdigest())
    return {(*where[:2], "text_path", "encoding-error")}


@case("file-too-large")
def archived_text_over_the_size_limit(pkg):
    import hashlib

    text = pkg.root / "data" / "sources" / "src-0a85bdf091dd711d.txt"
    padded = text.read_bytes() + b"\n" * 200_000  # blank lines: every quote and sentence is unchanged
    text.write_bytes(padded)
    where = pkg.set("sources", "src-0a85bdf091dd711d", "text_sha256", hashlib.sha256(padded).hexdigest())
    pkg.limit = 100_000  # above every table and the descriptor, below the text
    return {(*where[:2], "text_path", "file-too-large")}


def derived_from(pkg):
    d = pkg.descriptor()
    return d, next(r for r in d["resources"] if "derivedFrom" in r)


@case("source-hash-mismatch")
def archived_crosswalk_edited(pkg):
    d, res = derived_from(pkg)
    archived = pkg.root / res["derivedFrom"]["path"]
    archived.write_bytes(archived.read_bytes().replace(b"Make a visit", b"Make a vist", 1))
    line, col = json_line((pkg.root / "datapackage.json").read_text(), '"resources"', f'"name": "{res["name"]}"', '"derivedFrom"', '"sha256"')
    return {("datapackage.json", line, col, "source-hash-mismatch")}


@case("missing-file")
def archived_crosswalk_deleted(pkg):
    d, res = derived_from(pkg)
    (pkg.root / res["derivedFrom"]["path"]).unlink()
    line, col = json_line((pkg.root / "datapackage.json").read_text(), '"resources"', f'"name": "{res["name"]}"', '"derivedFrom"', '"path"')
    return {("datapackage.json", line, col, "missing-file")}


@case("unsafe-path")
def archived_crosswalk_outside_the_package(pkg):
    d, res = derived_from(pkg)
    res["derivedFrom"]["path"] = "../../shared/reference/plover/CAMEO2PLOVER-2021.txt"
    text = pkg.write_descriptor(d)
    line, col = json_line(text, '"resources"', f'"name": "{res["name"]}"', '"derivedFrom"', '"path"')
    return {("datapackage.json", line, col, "unsafe-path")}


@case("descriptor-error")
def derived_from_an_unknown_parser(pkg):
    d, res = derived_from(pkg)
    res["derivedFrom"]["parser"] = "guess"
    text = pkg.write_descriptor(d)
    line, col = json_line(text, '"resources"', f'"name": "{res["name"]}"', '"derivedFrom"')
    return {("datapackage.json", line, col, "descriptor-error")}


@case("unsafe-path")
def text_path_leaving_the_package(pkg):
    where = pkg.set("sources", "src-0a85bdf091dd711d", "text_path", "../../../etc/hostname")
    return {(*where, "unsafe-path"), (*where, "pattern-mismatch"), (*where, "text-path-mismatch")}


@case("text-path-mismatch")
def text_named_after_another_source(pkg):
    src = pkg.root / "data" / "sources" / "src-0a85bdf091dd711d.txt"
    src.rename(src.with_name("src-other.txt"))
    where = pkg.set("sources", "src-0a85bdf091dd711d", "text_path", "data/sources/src-other.txt")
    return {(*where, "text-path-mismatch")}


@case("not-verbatim")
def title_not_in_the_source(pkg):
    where = pkg.set("event_actors", ("ev-002", "justin-trudeau"), "title_at_event", "former prime minister")
    return {(*where, "not-verbatim")}


@case("not-verbatim")
def one_of_several_places_not_in_the_source(pkg):
    where = pkg.set("events", "ev-008", "location", "New Delhi; Toronto")
    return {(*where, "not-verbatim")}


@case("uncovered-sentence")
def exclusion_removed(pkg):
    pkg.delete("coverage_exclusions", ("src-0a85bdf091dd711d", "0"))  # the headline's
    return {("data/sources/src-0a85bdf091dd711d.txt", 1, "1", "uncovered-sentence")}


SOURCE_TEXT = "data/sources/src-0a85bdf091dd711d.txt"


def _exclude(pkg, start: int, end: int) -> tuple[str, int, str]:
    text = (pkg.root / SOURCE_TEXT).read_text(encoding="utf-8")
    line = pkg.append("coverage_exclusions", ["src-0a85bdf091dd711d", text[start:end], str(start), str(end), "Reviewed: no fact of its own."])
    return "data/coverage_exclusions.csv", line


@case("exclusion-too-wide")
def exclusion_spanning_two_sentences(pkg):
    text = (pkg.root / SOURCE_TEXT).read_text(encoding="utf-8")
    first_stop = text.index(". ", text.index("\n") + 1) + 1  # headline and the whole first sentence
    pkg.write_rows("coverage_exclusions", pkg.rows("coverage_exclusions")[:1])
    path, line = _exclude(pkg, 0, first_stop)
    return {(path, line, "char_end", "exclusion-too-wide"), (path, line, "quote", "excluded-text-cited")}


@case("exclusion-too-wide")
def exclusion_of_the_whole_text(pkg):
    text = (pkg.root / SOURCE_TEXT).read_text(encoding="utf-8")
    pkg.write_rows("coverage_exclusions", pkg.rows("coverage_exclusions")[:1])
    path, line = _exclude(pkg, 0, len(text.rstrip()))
    return {(path, line, "char_end", "exclusion-too-wide"), (path, line, "quote", "excluded-text-cited")}


@case("excluded-text-cited")
def exclusion_of_a_cited_sentence(pkg):
    text = (pkg.root / SOURCE_TEXT).read_text(encoding="utf-8")
    start = text.index("India and Canada have agreed")
    path, line = _exclude(pkg, start, text.index(". ", start) + 1)
    return {(path, line, "quote", "excluded-text-cited")}


@pytest.mark.parametrize("make", CASES)
def test_corruption_is_reported_exactly(pkg, make, request):
    if "tmp_path_factory" in make.__code__.co_varnames[: make.__code__.co_argcount]:
        expected = make(pkg, request.getfixturevalue("tmp_path_factory"))
    else:
        expected = make(pkg)
    kwargs = {"max_bytes": pkg.limit} if hasattr(pkg, "limit") else {}
    assert pkg.validate(**kwargs) == expected


def test_every_code_in_the_catalogue_has_a_case():
    covered = {p.values[0].code for p in CASES}
    assert covered == set(CODES), sorted(set(CODES) ^ covered)


def test_problem_messages_carry_value_and_advice(pkg):
    pkg.set("events", "ev-007", "event_mode", "expel")  # no CAMEO code: the crosswalk does not apply
    from validate.core import validate_package

    (p,) = validate_package(pkg.root)
    assert "'expel'" in p.message and "'ELECTION'" in p.message and CODES[p.code][1] in p.message
    assert p.format().startswith(f"data/events.csv:{p.line}:event_mode: mode-type-mismatch: ")


def test_json_descriptor_position_is_reported_for_a_missing_brace(pkg):
    (pkg.root / "datapackage.json").write_text('{"resources": [\n')
    ((path, line, col, code),) = pkg.validate()
    assert (path, line, code) == ("datapackage.json", 2, "invalid-json")
