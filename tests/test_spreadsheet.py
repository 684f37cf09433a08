"""Spreadsheet damage: what is recognised, what fmt repairs (only where one value fits), and what
it refuses, naming the choice. The patterns come from the descriptor, never from here."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from validate import fmt
from validate.cli import main
from validate.core import validate_package
from validate.spreadsheet import MOJIBAKE_HINT, cp1252_text, date_candidates, links, unmojibake, zero_candidates

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))["resources"]
LINKS = links(RESOURCES)


def linked(resource: str, field: str) -> list[str]:
    return LINKS[(resource, field)].patterns


def codes(name: str, field: str) -> set[str]:
    rows = (ROOT / "data" / f"{name}.csv").read_text(encoding="utf-8").splitlines()
    i = rows[0].split(",").index(field)
    return {r.split(",")[i] for r in rows[1:]}


def test_a_vocabulary_inherits_the_pattern_of_the_fields_that_reference_it():
    fk = next(fk for r in RESOURCES for fk in r["schema"].get("foreignKeys", []) if fk["reference"].get("resource") == "cameo_codes")
    assert linked("cameo_codes", fk["reference"]["fields"][0]) == linked("events", fk["fields"][0])


def vocabulary_codes():
    return sorted(codes("cameo_codes", "cameo_code"))


@pytest.mark.parametrize("code", [c for c in vocabulary_codes() if c.startswith("0")])
def test_every_code_that_lost_its_zero_has_exactly_one_repair_even_without_the_vocabulary(code):
    stripped = code.lstrip("0")
    assert zero_candidates(stripped, linked("events", "cameo_code"), None) == [code]
    assert zero_candidates(stripped, linked("events", "cameo_code"), set(vocabulary_codes())) == [code]


@given(st.from_regex(r"[0-9]{1,6}", fullmatch=True))
def test_digits_that_already_fit_are_never_touched(value):
    patterns = linked("events", "cameo_code")
    if all(re.fullmatch(p, value) for p in patterns):
        assert zero_candidates(value, patterns, None) == []
    assert zero_candidates(value, [r"[0-9]+"], None) == []  # an id that is legitimately digits


@given(st.from_regex(r"0{1,3}[1-9][0-9]{0,2}", fullmatch=True))
def test_a_loose_pattern_leaves_the_choice_to_a_person(original):
    stripped = original.lstrip("0")
    found = zero_candidates(stripped, [r"[0-9]{3,6}"], None)
    if len(stripped) >= 3:
        assert found == []  # '100' fits already: what was lost cannot be seen, and nothing is changed
    else:
        assert len(found) > 1 and (original in found or len(original) < 3)  # 016 or 0016: refused, not guessed


@given(st.from_regex(r"[1-9][0-9]{0,2}", fullmatch=True))
def test_a_vocabulary_decides_where_the_pattern_cannot(value):
    code = "0" * max(1, 3 - len(value)) + value  # the one value of those the pattern allows that the vocabulary has
    assert zero_candidates(value, [r"[0-9]{3,6}"], {code, "other"}) == [code]


@pytest.mark.parametrize("value,expected", [
    ("10/31/2024", ["2024-10-31"]), ("31/10/2024", ["2024-10-31"]), ("1/1/2024", ["2024-01-01"]),
    ("10/1/2024", ["2024-10-01", "2024-01-10"]), ("13/13/2024", []), ("1/2-2024", []), ("1.2.2024", ["2024-01-02", "2024-02-01"]), ("2024-10-01", []), ("2024-10", []), ("10/1/24", []),
])
def test_locale_date_readings(value, expected):
    assert [iso for iso, _ in date_candidates(value)] == expected


@given(st.text(st.characters(codec="cp1252", exclude_characters="\x00"), min_size=1))
def test_windows_1252_text_is_recovered_exactly_when_it_is_not_utf8(text):
    raw = text.encode("cp1252")
    got = cp1252_text(raw)
    try:
        raw.decode("utf-8")
        assert got is None
    except UnicodeDecodeError:
        assert got is not None and got[0] == text


# -- fmt ----------------------------------------------------------------------------------------

def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "data").rglob("*")) if p.is_file()}


def strip_zeros(pkg, name: str, field: str) -> None:
    rows = pkg.rows(name)
    i = rows[0].index(field)
    pkg.write_rows(name, [rows[0]] + [r[:i] + [r[i].lstrip("0") if r[i].isdigit() else r[i]] + r[i + 1:] for r in rows[1:]])


def _as_windows_1252(text: str) -> str:
    """What LibreOffice holds of UTF-8 text read as Windows-1252: undefined bytes as U+F100 + byte."""
    return "".join(chr(0xF100 + b) if b in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else bytes([b]).decode("cp1252") for b in text.encode("utf-8"))


@given(st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1))
def test_mojibake_is_undone_exactly_and_real_text_is_left_alone(text):
    damaged = _as_windows_1252(text)
    if damaged == text:  # ASCII: nothing to undo
        assert unmojibake(text) is None
    else:
        assert unmojibake(damaged) == text and re.search(MOJIBAKE_HINT, damaged)


@pytest.mark.parametrize("text", ["café", "Ça va", "naïve résumé", "5 €", "“quoted”", "Ã", "â"])
def test_text_that_merely_holds_accents_is_not_mojibake(text):
    assert unmojibake(text) is None


def test_fmt_restores_text_a_spreadsheet_read_with_the_wrong_charset(pkg, capsys):
    before = snapshot(pkg.root)
    rows = pkg.rows("events")
    damaged = [rows[0]] + [[_as_windows_1252(c) for c in r] for r in rows[1:]]
    assert damaged != rows, "no event holds a non-ASCII character: nothing to damage"
    pkg.write_rows("events", damaged)
    found = {(p.code, p.column) for p in validate_package(pkg.root)}
    assert ("mojibake", "quote") in found and "evidence-mismatch" not in {c for c, _ in found}
    assert main(["fmt", str(pkg.root)]) == 0
    assert snapshot(pkg.root) == before


def test_fmt_restores_zeros_in_a_table_and_in_its_vocabulary(pkg, capsys):
    before = snapshot(pkg.root)
    strip_zeros(pkg, "events", "cameo_code")
    strip_zeros(pkg, "cameo_codes", "cameo_code")
    assert main(["fmt", str(pkg.root)]) == 0
    out = capsys.readouterr().out
    assert snapshot(pkg.root) == before
    repaired = [line for line in out.splitlines() if line.endswith(": repaired")]
    zero_led = [c for c in codes("cameo_codes", "cameo_code") if c.startswith("0")]
    assert any(line.startswith("data/cameo_codes.csv:") for line in repaired)
    assert {re.search(r"-> '(\d+)'", line).group(1) for line in repaired} == set(zero_led)


def test_fmt_rewrites_a_locale_date_the_file_reads_one_way(pkg):
    rows = pkg.rows("events")
    i = rows[0].index("date_start")
    dated = [r for r in rows[1:] if r[i]]
    before = pkg.raw("events")
    for r in dated:
        y, m, d = r[i].split("-")
        r[i] = f"{int(m)}/{int(d)}/{y}"
    pkg.write_rows("events", rows)
    written, problems, notes = fmt.apply(pkg.root)
    assert problems == [] and written == ["data/events.csv"] and len(notes) == len(dated)
    assert pkg.raw("events") == before


def test_fmt_refuses_a_date_that_reads_two_ways_and_names_both(pkg):
    rows = pkg.rows("events")
    i = rows[0].index("date_end")
    key = next(r[0] for r in rows[1:] if r[i])
    where = pkg.set("events", key, "date_end", "10/1/2024")  # October 1 or January 10
    before = snapshot(pkg.root)
    written, problems, _ = fmt.apply(pkg.root)
    assert written == [] and {p.key for p in problems} == {(*where, "locale-date")}
    assert "2024-10-01 (month first) or 2024-01-10 (day first)" in problems[0].message
    assert snapshot(pkg.root) == before


def test_fmt_refuses_to_guess_the_precision_of_an_edtf_date(pkg):
    rows = pkg.rows("events")
    i = rows[0].index("date")
    key = next(r[0] for r in rows[1:] if r[i] and len(r[i]) < 10)  # a year or a month
    where = pkg.set("events", key, "date", "10/31/2024")
    written, problems, _ = fmt.apply(pkg.root)
    assert written == [] and {p.key for p in problems} == {(*where, "locale-date")}


def test_fmt_reencodes_a_windows_1252_table(pkg, capsys):
    before = snapshot(pkg.root)
    pkg.write_raw("actors", pkg.raw("actors").decode("utf-8").encode("cp1252").replace(b"\n", b"\r\n"))
    assert main(["fmt", str(pkg.root)]) == 0
    assert "encoding Windows-1252 -> UTF-8: repaired" in capsys.readouterr().out
    assert snapshot(pkg.root) == before


def test_fmt_refuses_a_table_that_mixes_two_encodings(pkg):
    raw = pkg.raw("actors")
    pkg.write_raw("actors", raw + "café,x\n".encode("cp1252"))
    before = snapshot(pkg.root)
    written, problems, _ = fmt.apply(pkg.root)
    assert written == [] and [p.code for p in problems] == ["spreadsheet-encoding"]
    assert snapshot(pkg.root) == before
