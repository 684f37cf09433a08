"""Generated documentation is never stale, and the README's examples are real output."""

import json
import shutil
from pathlib import Path

import pytest

from validate.cli import main
from validate.core import validate_package
from publish.docs import codebook

ROOT = Path(__file__).resolve().parent.parent


def test_generated_docs_are_up_to_date_and_the_check_says_so(capsys):
    assert main(["docs", str(ROOT), "--check"]) == 0, capsys.readouterr().out
    assert capsys.readouterr().out == "generated files are up to date\n"


def test_a_changed_description_makes_the_docs_stale_and_docs_rewrites_them(pkg, capsys):
    shutil.copy(ROOT / "README.md", pkg.root / "README.md")
    shutil.copytree(ROOT / "docs", pkg.root / "docs")
    d = pkg.descriptor()
    pkg.resource(d, "events")["schema"]["fields"][0]["description"] = "A new description."
    pkg.write_descriptor(d)
    before = (pkg.root / "docs" / "codebook.md").read_bytes()
    assert main(["docs", str(pkg.root), "--check"]) == 1
    assert "docs/codebook.md: stale" in capsys.readouterr().out
    assert (pkg.root / "docs" / "codebook.md").read_bytes() == before, "--check must not write"
    assert main(["docs", str(pkg.root)]) == 0
    assert "A new description." in (pkg.root / "docs" / "codebook.md").read_text(encoding="utf-8")
    assert main(["docs", str(pkg.root), "--check"]) == 0


def test_codebook_lists_every_field_and_every_code():
    text = codebook(ROOT)
    desc = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    for res in desc["resources"]:
        for field in res["schema"]["fields"]:
            assert f"| `{field['name']}` |" in text
    for code in ["SANCTION", "withdraw", "outside-knowledge", "obligor", "161"]:
        assert f"| {code} |" in text


def test_readme_example_problem_line_is_what_the_validator_prints(pkg):
    pkg.set("events", "ev-007", "event_mode", "expel")  # no CAMEO code: the crosswalk does not apply
    (problem,) = validate_package(pkg.root)
    assert problem.format() in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("summary", ["Costs rose from $5 to $6 a day.", r"A $\frac$ sign and $x^$."])
def test_dollar_signs_in_data_are_drawn_as_text(summary):
    from validate.descriptor import load
    from publish.figures import render
    from validate.reader import read_table

    desc, _ = load(ROOT)
    events = read_table(ROOT, desc.resource("events"))[0].frame.copy()
    types = read_table(ROOT, desc.resource("event_types"))[0].frame
    undated = events["date_start"] == ""
    events.loc[undated.idxmax() if undated.any() else events.index[0], ["date", "date_start", "date_end", "summary"]] = ["", "", "", summary]
    svg = render(events, types)["svg"].decode()
    from xml.sax.saxutils import escape

    assert escape(summary) in svg  # one run of text, not mathematics


def test_the_timeline_is_drawn_again_for_any_changed_cell_and_only_then():
    from validate.descriptor import load
    from publish.figures import render
    from validate.reader import read_table

    desc, _ = load(ROOT)
    events = read_table(ROOT, desc.resource("events"))[0].frame.copy()
    types = read_table(ROOT, desc.resource("event_types"))[0].frame
    before = render(events, types)["svg"]
    assert render(events.copy(), types.copy())["svg"] == before  # equal rows: the drawn bytes
    dated = events.index[events["date_end"] != ""][0]
    events.loc[dated, "event_id"] = "ev-zzz"
    after = render(events, types)["svg"]
    assert after != before and b"ev-zzz" in after


def test_the_timeline_of_unchanged_rows_is_not_drawn_again(monkeypatch):
    from publish import figures
    from validate.descriptor import load
    from validate.reader import read_table

    drawn = []
    draw = figures._svg
    monkeypatch.setattr(figures, "_svg", lambda *frames: drawn.append(1) or draw(*frames))
    monkeypatch.setattr(figures, "_DRAWN", {})
    desc, _ = load(ROOT)
    events = read_table(ROOT, desc.resource("events"))[0].frame
    types = read_table(ROOT, desc.resource("event_types"))[0].frame
    figures.render(events, types)
    figures.render(events.copy(), types.copy())
    assert len(drawn) == 1


@pytest.mark.parametrize("command", [["docs"], ["docs", "--check"], ["bump"]])
def test_generated_files_are_never_read_or_written_through_a_link_that_leaves_the_package(pkg, tmp_path_factory, command, capsys):
    outside = tmp_path_factory.mktemp("outside") / "docs"
    shutil.copytree(ROOT / "docs", outside)
    (outside / "codebook.md").write_text("not the package's\n")
    (pkg.root / "docs").symlink_to(outside, target_is_directory=True)
    before = {p.name: p.read_bytes() for p in outside.rglob("*") if p.is_file()}
    descriptor = (pkg.root / "datapackage.json").read_bytes()
    assert main([command[0], *command[1:], str(pkg.root)]) == 1
    out = capsys.readouterr().out
    assert "unsafe-path" in out and out.count("\n") == 1
    assert {p.name: p.read_bytes() for p in outside.rglob("*") if p.is_file()} == before
    assert (pkg.root / "datapackage.json").read_bytes() == descriptor
