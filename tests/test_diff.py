"""diff and version rules, in a temporary git repository built from the real package."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import Pkg
from validate.cli import main
from validate.diff import diff, version_problems

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "data/sources/src-0a85bdf091dd711d.txt"


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "user.name=Test", "-c", "user.email=test@example.org", *args],
                   check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path) -> Pkg:
    """The real package committed and tagged v0.1.0 in a fresh repository."""
    shutil.copy(ROOT / "datapackage.json", tmp_path / "datapackage.json")
    shutil.copy(ROOT / "CHANGELOG.md", tmp_path / "CHANGELOG.md")
    shutil.copytree(ROOT / "data", tmp_path / "data")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "release")
    git(tmp_path, "tag", "v0.1.0")
    return Pkg(tmp_path)


def bump(repo: Pkg, version: str, entry: str = "### Fixed\n- a correction.\n") -> None:
    d = repo.descriptor()
    d["version"] = version
    repo.write_descriptor(d)
    log = (repo.root / "CHANGELOG.md").read_text(encoding="utf-8")
    head, rest = log.split("\n## ", 1)
    (repo.root / "CHANGELOG.md").write_text(f"{head}\n## [{version}] - 2026-11-26\n\n{entry}\n## {rest}", encoding="utf-8")


def test_one_cell_correction_is_one_changed_cell_and_requires_patch(repo):
    old = repo.get("events", "ev-003", "summary")
    repo.set("events", "ev-003", "summary", "India rejected the allegation as absurd.")
    d = diff(repo.root, "v0.1.0")
    assert d.descriptor == []
    assert [(t.name, t.added, t.removed, t.changed) for t in d.tables] == [
        ("events", [], [], [("ev-003", "summary", old, "India rejected the allegation as absurd.")])]
    assert d.required == 1  # PATCH


def test_added_row_requires_minor(repo):
    repo.append("event_roles", ["witness", "Saw the event without taking part."])
    d = diff(repo.root, "v0.1.0")
    assert [(t.name, t.added) for t in d.tables] == [("event_roles", ["witness"])]
    assert d.required == 2  # MINOR


def test_removed_row_requires_major_and_says_ids_are_published(repo):
    repo.delete("commitment_parties", ("cm-009", "india"))
    d = diff(repo.root, "v0.1.0")
    assert d.tables[0].removed == ["(cm-009, india, obligor)"] and d.required == 3
    assert "removing or re-using a published id is MAJOR" in version_problems(d, repo.root)[0]


@pytest.mark.parametrize("change", ["rename", "remove", "reorder", "retype", "tighten"])
def test_schema_changes_require_major(repo, change):
    d = repo.descriptor()
    fields = repo.resource(d, "events")["schema"]["fields"]
    if change == "rename":
        fields[10]["name"] = "place"
    elif change == "remove":
        del fields[10]
    elif change == "reorder":
        fields[10], fields[11] = fields[11], fields[10]
    elif change == "retype":
        fields[14]["type"] = "number"
    else:
        fields[10]["constraints"] = {"required": True}
    repo.write_descriptor(d)
    assert diff(repo.root, "v0.1.0").required == 3


def test_loosened_constraint_requires_minor_and_a_new_description_patch(repo):
    d = repo.descriptor()
    fields = repo.resource(d, "sources")["schema"]["fields"]
    del fields[6]["constraints"]["pattern"]  # language
    repo.write_descriptor(d)
    assert diff(repo.root, "v0.1.0").required == 2
    fields[6]["constraints"]["pattern"] = "[a-z]{2}"
    fields[1]["description"] = "A clearer description."
    repo.write_descriptor(d)
    assert diff(repo.root, "v0.1.0").required == 1


def test_check_version_fails_before_the_bump_and_passes_after(repo, capsys):
    repo.set("events", "ev-003", "summary", "India rejected the allegation as absurd.")
    assert main(["diff", "v0.1.0", str(repo.root), "--check-version"]) == 1
    assert "requires a PATCH bump from 0.1.0, but the version is 0.1.0" in capsys.readouterr().err
    d = repo.descriptor()
    d["version"] = "0.1.1"
    repo.write_descriptor(d)
    assert main(["diff", "v0.1.0", str(repo.root), "--check-version"]) == 1
    assert "CHANGELOG.md has no section '## [0.1.1]'" in capsys.readouterr().err
    bump(repo, "0.1.1")
    assert main(["diff", "v0.1.0", str(repo.root), "--check-version"]) == 0


def test_a_bump_too_small_for_the_change_fails(repo, capsys):
    repo.append("event_roles", ["witness", "Saw the event without taking part."])
    bump(repo, "0.1.1")
    assert main(["diff", "v0.1.0", str(repo.root), "--check-version"]) == 1
    assert "requires a MINOR bump" in capsys.readouterr().err
    bump(repo, "0.2.0")
    assert main(["diff", "v0.1.0", str(repo.root), "--check-version"]) == 0


def test_spreadsheet_resave_alone_is_no_change(repo):
    rows = repo.rows("events")
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows([rows[0]] + rows[:0:-1])
    repo.write_raw("events", b"\xef\xbb\xbf" + buf.getvalue().encode())
    d = diff(repo.root, "v0.1.0")
    assert (d.tables, d.descriptor, d.required) == ([], [], 0)


def test_diff_does_not_touch_the_working_tree(repo):
    repo.set("events", "ev-003", "summary", "Changed.")
    before = {p: p.read_bytes() for p in repo.root.rglob("*") if p.is_file() and ".git" not in p.parts}
    status = subprocess.run(["git", "-C", str(repo.root), "status", "--porcelain"], capture_output=True, text=True).stdout
    diff(repo.root, "v0.1.0")
    assert {p: p.read_bytes() for p in repo.root.rglob("*") if p.is_file() and ".git" not in p.parts} == before
    assert subprocess.run(["git", "-C", str(repo.root), "status", "--porcelain"], capture_output=True, text=True).stdout == status


def test_formats(repo, capsys):
    repo.set("events", "ev-003", "summary", "a | b")
    assert main(["diff", "v0.1.0", str(repo.root), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["required"] == "PATCH" and data["tables"][0]["changed"][0]["new"] == "a | b"
    assert main(["diff", "v0.1.0", str(repo.root), "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "| `ev-003` | `summary` |" in out and "| a \\| b |" in out


def test_unknown_revision_is_a_usage_error(repo, capsys):
    assert main(["diff", "no-such-tag", str(repo.root)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_outside_a_repository_is_a_usage_error(pkg, capsys):
    assert main(["diff", "HEAD", str(pkg.root)]) == 2


def test_contributor_path_from_spreadsheet_edit_to_green_check(repo, capsys):
    """CONTRIBUTING.md's steps: edit in a spreadsheet, fmt, validate, diff, bump, check."""
    rows = repo.rows("actors")
    col = rows[0].index("description")
    for r in rows:
        if r[0] == "nathalie-drouin":
            r[col] = "Described as Doval's Canadian counterpart; the article gives no title or office."
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows([rows[0]] + rows[:0:-1])
    repo.write_raw("actors", b"\xef\xbb\xbf" + buf.getvalue().encode())
    assert main([str(repo.root)]) == 1  # the spreadsheet's BOM and CRLF are rejected ...
    assert main(["fmt", str(repo.root)]) == 0  # ... and repaired without touching a value
    assert main([str(repo.root)]) == 0
    d = diff(repo.root, "v0.1.0")
    assert [(t.name, [(k, f) for k, f, _, _ in t.changed], t.added, t.removed) for t in d.tables] == [
        ("actors", [("nathalie-drouin", "description")], [], [])]
    assert main(["diff", "v0.1.0", str(repo.root), "--check-version"]) == 1
    bump(repo, "0.1.1", "### Fixed\n- `actors` nathalie-drouin: description.\n")
    capsys.readouterr()
    assert main(["diff", "v0.1.0", str(repo.root), "--check-version"]) == 0
    assert "Required version bump: PATCH" in capsys.readouterr().out


def test_primary_key_written_as_a_string_is_one_field(repo, capsys):
    key = repo.rows("events")[1][0]
    repo.set("events", key, "location", "Ottawa")
    d = repo.descriptor()
    repo.resource(d, "events")["schema"]["primaryKey"] = "event_id"
    repo.write_descriptor(d)
    result = diff(repo.root, "v0.1.0")
    events = next(t for t in result.tables if t.name == "events")
    assert [c[:2] for c in events.changed] == [(key, "location")] and not events.added and not events.removed
    assert main(["diff", "v0.1.0", str(repo.root)]) == 0
    assert "internal error" not in capsys.readouterr().err


@pytest.mark.parametrize("text", ["[]", "null", '{"resources": "x"}', '{"name": "x"}'])
def test_base_whose_descriptor_is_not_a_package_is_reported_located(repo, text, capsys):
    (repo.root / "datapackage.json").write_text(text)
    git(repo.root, "commit", "-qam", "broken")
    git(repo.root, "tag", "broken")
    shutil.copy(ROOT / "datapackage.json", repo.root / "datapackage.json")
    assert main(["diff", "broken", str(repo.root)]) == 1
    out = capsys.readouterr()
    assert "internal error" not in out.err and "at broken" in out.err
    assert out.out.startswith("datapackage.json:1:") and ": descriptor-error: " in out.out


def test_table_linked_out_of_the_package_is_not_read(repo, tmp_path_factory):
    secret = tmp_path_factory.mktemp("outside") / "event_roles.csv"
    secret.write_text("event_role,definition\nsecret-role,outside bytes\n")
    repo.path("event_roles").unlink()
    repo.path("event_roles").symlink_to(secret)
    result = diff(repo.root, "v0.1.0")
    assert "secret-role" not in json.dumps([t.added for t in result.tables])
