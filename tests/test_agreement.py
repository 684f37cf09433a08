"""Inter-coder agreement: kappa, span matching, the generated page and its reviewed resolutions.
Ids, counts and values are read from the data and the second coding, never restated here."""

import csv
import io
import shutil
from pathlib import Path

import pytest

from validate import agreement
from validate.agreement import bounds_overlap, cohen_kappa, compare, match_spans
from validate.canonical import render
from validate.cli import main
from publish.docs import generated

ROOT = Path(__file__).resolve().parent.parent


# -- statistics ----------------------------------------------------------------------------------

def test_kappa_of_the_textbook_example():
    """Two readers, 50 proposals: 20 both yes, 15 both no, 5 and 10 split (Wikipedia, "Cohen's
    kappa"): observed agreement 0.7, chance 0.5, kappa 0.4."""
    a = ["yes"] * 20 + ["yes"] * 5 + ["no"] * 10 + ["no"] * 15
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)


def test_kappa_is_one_for_perfect_agreement_and_undefined_for_one_shared_code():
    assert cohen_kappa(["a", "b", "b"], ["a", "b", "b"]) == pytest.approx(1.0)
    assert cohen_kappa(["a", "a"], ["a", "a"]) is None
    assert cohen_kappa(["a", "b"], ["b", "a"]) == pytest.approx(-1.0)
    with pytest.raises(ValueError):
        cohen_kappa(["a"], [])


def test_spans_match_one_to_one_by_best_overlap_and_the_rest_stay_unmatched():
    units = {"talks": (10, 50), "meeting": (100, 180), "visit": (100, 125), "aside": (400, 420)}
    events = {"ev-a": (20, 50), "ev-b": (100, 125), "ev-c": (130, 180), "ev-d": (600, 610)}
    pairs, lost_units, lost_events = match_spans(units, events)
    # "meeting" overlaps both ev-b and ev-c; ev-b is the whole of "visit", so "meeting" gets ev-c
    assert [(u, e) for u, e, _ in pairs] == [("talks", "ev-a"), ("visit", "ev-b"), ("meeting", "ev-c")]
    assert lost_units == ["aside"] and lost_events == ["ev-d"]
    assert dict(((u, e), j) for u, e, j in pairs)[("visit", "ev-b")] == 1.0


def test_touching_spans_do_not_overlap():
    pairs, lost_units, lost_events = match_spans({"u": (0, 10)}, {"e": (10, 20)})
    assert pairs == [] and lost_units == ["u"] and lost_events == ["e"]


def test_date_bounds_overlap():
    assert bounds_overlap("2024-10", "[..2024-10]") is True
    assert bounds_overlap("2025-04/2026", "[2025-04..2026-12]") is True
    assert bounds_overlap("2023", "2024-10") is False
    assert bounds_overlap("", "2023") is None
    assert bounds_overlap("2023", "not a date") is None


# -- the real package and second coding ----------------------------------------------------------

def second_rows(root: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO((root / agreement.SECOND).read_text(encoding="utf-8"), newline="")))


def write_second_rows(root: Path, rows: list[dict]) -> None:
    header = list(rows[0])
    (root / agreement.SECOND).write_text(render([header] + [[r[h] for h in header] for r in rows]), encoding="utf-8")


def test_every_unit_is_matched_or_listed_and_matched_spans_overlap():
    ag = compare(ROOT)
    units = {r["unit"]: r for r in second_rows(ROOT)}
    assert sorted([u for u, _, _ in ag.pairs] + ag.unmatched_units) == sorted(units)
    assert not ag.quote_mismatches
    for unit, _, share in ag.pairs:
        assert 0 < share <= 1
    for name, n, agree, pct, _ in ag.table():
        assert 0 <= agree <= n and (pct is None or 0 <= pct <= 100), name


def test_every_disagreement_has_a_reviewed_resolution():
    """A new disagreement (after a correction, or a new second coding) needs a row in resolutions.csv."""
    ag = compare(ROOT)
    res = agreement.resolutions(ROOT, {r["unit"] for r in second_rows(ROOT)})
    missing = [(u, f) for u, _, f, _, _ in ag.disagreements if (u, f) not in res]
    assert not missing, f"add these (unit, field) to {agreement.RESOLUTIONS}: {missing}"


def test_the_agreement_page_is_generated_and_not_stale():
    files = generated(ROOT)
    assert ROOT / agreement.PAGE in files
    assert (ROOT / agreement.PAGE).read_bytes() == files[ROOT / agreement.PAGE], "run python -m validate docs"


@pytest.fixture
def coded(pkg):
    """A copy of the package with the docs (second coding, actor map, resolutions, generated page)."""
    shutil.copy(ROOT / "README.md", pkg.root / "README.md")
    shutil.copy(ROOT / "CHANGELOG.md", pkg.root / "CHANGELOG.md")
    shutil.copy(ROOT / "CITATION.cff", pkg.root / "CITATION.cff")
    shutil.copytree(ROOT / "docs", pkg.root / "docs")
    return pkg


def an_agreeing_unit(ag, name: str) -> tuple[str, str, str]:
    """(unit, event_id, shared value) of the first matched unit on which both codings agree on `name`."""
    a, b = ag.codes[name]
    i = next(i for i, (x, y) in enumerate(zip(a, b)) if x == y)
    return ag.pairs[i][0], ag.pairs[i][1], a[i]


def test_a_changed_event_type_in_the_second_coding_lowers_agreement_and_makes_the_page_stale(coded, capsys):
    before = compare(coded.root)
    unit, event_id, value = an_agreeing_unit(before, "event_type")
    other = next(t for t in sorted(set(before.codes["event_type"][0]) | {"PROTEST"}) if t != value)
    rows = second_rows(coded.root)
    next(r for r in rows if r["unit"] == unit)["event_type"] = other
    write_second_rows(coded.root, rows)

    after = compare(coded.root)
    row = {name: (agree, kappa) for name, _, agree, _, kappa in after.table()}
    old = {name: (agree, kappa) for name, _, agree, _, kappa in before.table()}
    assert row["event_type"][0] == old["event_type"][0] - 1
    assert row["event_type"][1] != old["event_type"][1]
    assert (unit, event_id, "event_type", value, other) in after.disagreements
    assert main(["docs", str(coded.root), "--check"]) == 1
    assert "docs/agreement.md: stale" in capsys.readouterr().out
    capsys.readouterr()
    assert main(["docs", str(coded.root)]) == 0
    said = f"resolutions.csv: no reviewed row for ({unit}, event_type), where the package now differs from the second coding"
    assert said in capsys.readouterr().err  # said where it is written, not only on the page
    page = (coded.root / agreement.PAGE).read_text(encoding="utf-8")
    assert f"*unresolved: add ({unit}, event_type) to resolutions.csv*" in page
    assert main(["docs", str(coded.root), "--check"]) == 1  # fresh, but the page holds an unresolved disagreement
    assert said in capsys.readouterr().err


def test_resolutions_are_joined_in_and_survive_regeneration(coded):
    ag = compare(coded.root)
    unit, event_id, field, _, _ = ag.disagreements[0]
    path = coded.root / agreement.RESOLUTIONS
    rows = [r for r in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))
            if (r["unit"], r["field"]) != (unit, field)]
    rows.append({"unit": unit, "field": field, "decision": "either", "resolution": "A reviewed sentence that must survive."})
    path.write_text(render([list(rows[0])] + [list(r.values()) for r in rows]), encoding="utf-8")
    for _ in range(2):
        assert main(["docs", str(coded.root)]) == 0
        page = (coded.root / agreement.PAGE).read_text(encoding="utf-8")
        assert f"| {field} |" in page and "| either | A reviewed sentence that must survive. |" in page
    assert main(["docs", str(coded.root), "--check"]) == 0


def test_a_correction_that_settles_a_disagreement_keeps_its_resolution_as_settled(coded):
    ag = compare(coded.root)
    res = agreement.resolutions(coded.root, {r["unit"] for r in second_rows(coded.root)})
    unit, event_id, field, _, theirs = next(d for d in ag.disagreements if d[2] not in agreement.ROLES and (d[0], d[2]) in res)
    coded.set("events", event_id, field, theirs)
    assert (unit, field) not in {(u, f) for u, _, f, _, _ in compare(coded.root).disagreements}
    page = agreement.report(coded.root)
    settled = page.split("## Resolutions with no disagreement left", 1)[1]
    assert f"| {unit} | {field} | {res[(unit, field)][0]} |" in settled


def test_a_resolution_for_an_unknown_unit_field_or_decision_is_an_error(coded, capsys):
    path = coded.root / agreement.RESOLUTIONS
    good = path.read_text(encoding="utf-8")
    unit = second_rows(coded.root)[0]["unit"]
    for row, message in [("No such unit,date,package,x", "is not a unit"), (f"{unit},colour,package,x", "is not one of"),
                         (f"{unit},date,maybe,x", "decision 'maybe'")]:
        path.write_text(good + row + "\n", encoding="utf-8")
        with pytest.raises(agreement.AgreementError, match=message):
            agreement.report(coded.root)
    before = (coded.root / agreement.PAGE).read_bytes()
    assert main(["docs", str(coded.root)]) == 1
    err = capsys.readouterr().err
    assert "resolutions.csv:" in err and "internal error" not in err
    assert (coded.root / agreement.PAGE).read_bytes() == before, "nothing is written from a bad resolutions file"


def test_unmapped_actor_names_are_compared_as_written(coded):
    rows = second_rows(coded.root)
    row = next(r for r in rows if r["actors"].strip())
    row["actors"] = "someone-else"
    write_second_rows(coded.root, rows)
    ag = compare(coded.root)
    assert ("someone-else", "", "unmapped: compared as written") in ag.actor_names
    assert any(u == row["unit"] and f == "actors" and s == "someone-else" for u, _, f, _, s in ag.disagreements)
