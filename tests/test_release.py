"""The correction loop: edit, fmt, bump, test, commit; releases read from history without tags."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
import yaml
from helpers import Pkg
from test_diff import commit_package, git, repo  # noqa: F401  (repo is a fixture)

from validate.cli import main
from validate.diff import diff
from validate.release import bump, changelog_draft, insert_section, next_version, releases, resolve
from validate.versioning import MAJOR, MINOR, PATCH, parse

ROOT = Path(__file__).resolve().parent.parent


def spreadsheet_save(repo: Pkg, name: str, rows: list[list[str]]) -> None:
    """What a spreadsheet writes on save: BOM, CRLF, every cell quoted, rows in another order."""
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows([rows[0]] + rows[:0:-1])
    repo.write_raw(name, b"\xef\xbb\xbf" + buf.getvalue().encode())


def remove_event(repo: Pkg, event_id: str) -> None:
    """Remove an event and every row that refers to it, as a contributor removing a fact must."""
    for res in repo.descriptor()["resources"]:
        refs = [fk["fields"][0] for fk in res["schema"].get("foreignKeys", []) if fk["reference"].get("resource") == "events"]
        if refs and res["name"] != "events":
            rows = repo.rows(res["name"])
            cols = [rows[0].index(f) for f in refs]
            repo.write_rows(res["name"], [rows[0]] + [r for r in rows[1:] if all(r[c] != event_id for c in cols)])
    repo.delete("events", event_id)


def git_out(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True).stdout.strip()


def explain(repo: Pkg) -> None:
    """The contributor's step after `make bump`: each WHY: of the draft replaced by the reason."""
    log = repo.root / "CHANGELOG.md"
    log.write_text(re.sub(r"WHY:.*$", "The source says so (paragraph 2).", log.read_text(encoding="utf-8"), flags=re.M), encoding="utf-8")


def release_checks(repo: Pkg, base: str = "release") -> None:
    """What a release must pass after `make bump` and the CHANGELOG prose: valid, docs fresh,
    version fits, CITATION agrees."""
    explain(repo)
    assert main([str(repo.root)]) == 0
    assert main(["docs", str(repo.root), "--check"]) == 0
    assert main(["diff", base, str(repo.root), "--check-version"]) == 0
    cff = yaml.safe_load((repo.root / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["version"] == repo.version()


@pytest.mark.parametrize("level", [PATCH, MINOR, MAJOR])
def test_next_version(level):
    assert parse(next_version("1.4.2-rc.1", level)) == {PATCH: (1, 4, 3), MINOR: (1, 5, 0), MAJOR: (2, 0, 0)}[level]


def test_a_patch_correction_is_released_by_bump_and_survives_commit(repo, capsys):
    """The issue's done-when: one summary cell edited with another CSV writer, fmt, bump, checks
    green; after committing, diff against the last release still shows the corrected row."""
    released = repo.version()
    key = repo.key("events", 1)
    rows = repo.rows("events")
    col = rows[0].index("summary")
    next(r for r in rows if r[0] == key)[col] = "A corrected summary."
    spreadsheet_save(repo, "events", rows)
    edit_commit = git_out(repo.root, "rev-parse", "HEAD")
    assert main(["fmt", str(repo.root)]) == 0
    assert main(["bump", str(repo.root)]) == 0
    out = capsys.readouterr().out
    assert f"version {released} -> {next_version(released, PATCH)}" in out
    log = (repo.root / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{next_version(released, PATCH)}] - " in log and f"`events` {key}: `summary`" in log
    release_checks(repo)
    assert main(["diff", edit_commit, str(repo.root), "--check-version"]) == 0
    assert main(["bump", str(repo.root)]) == 0  # a second run changes nothing
    assert "written" not in capsys.readouterr().out
    commit_package(repo.root, "correct a summary")
    d = diff(repo.root, resolve(repo.root, "release"))
    assert [(t.name, [(k, f) for k, f, _, _ in t.changed]) for t in d.tables] == [("events", [(key, "summary")])]
    release_checks(repo)


def test_minor_and_major_changes_are_released_in_turn_and_diffed_by_version(repo, capsys):
    first = repo.version()
    repo.append("event_roles", ["witness", "Saw the event without taking part."])
    assert main(["bump", str(repo.root)]) == 0
    minor = repo.version()
    assert minor == next_version(first, MINOR)
    release_checks(repo)
    commit_package(repo.root, "add a role")

    removed = repo.key("events", len(repo.rows("events")) - 2)
    remove_event(repo, removed)
    assert main(["bump", str(repo.root)]) == 0
    major = repo.version()
    assert major == next_version(minor, MAJOR)
    assert ["events", removed, major] in [r[:3] for r in repo.rows("retired_ids")]
    log = (repo.root / "CHANGELOG.md").read_text(encoding="utf-8")
    section = log[log.index(f"## [{major}]"):log.index(f"## [{minor}]")]
    assert all("WHY:" in line for line in section.splitlines() if line.startswith("- ")), section
    capsys.readouterr()
    assert main(["bump", str(repo.root)]) == 0  # a second run after a removal changes nothing either
    assert "written" not in capsys.readouterr().out
    release_checks(repo)
    commit_package(repo.root, "remove an event")

    assert [r.version for r in releases(repo.root)] == [first, minor, major]
    capsys.readouterr()
    assert main(["diff", first, str(repo.root), "--to", minor]) == 0
    out = capsys.readouterr().out
    assert "event_roles: 1 added" in out and "events:" not in out
    assert main(["diff", minor, str(repo.root), "--to", major, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(t["name"], t["removed"]) for t in data["tables"] if t["name"] == "events"] == [("events", [removed])]

    # the retired id can never come back, however many releases later
    row = repo.rows("events")[1]
    row[0] = removed
    where = repo.append("events", row)
    assert ("data/events.csv", where, "event_id", "reused-id") in repo.validate()


def test_removed_id_not_recorded_as_retired_fails_the_version_check(repo, capsys):
    removed = repo.key("events", len(repo.rows("events")) - 2)
    remove_event(repo, removed)
    d = repo.descriptor()
    d["version"] = next_version(d["version"], MAJOR)
    repo.write_descriptor(d)
    assert main(["diff", "release", str(repo.root), "--check-version"]) == 1
    assert f"events id {removed!r} was removed but is not recorded as retired" in capsys.readouterr().err


def test_release_base_is_head_while_the_change_is_pending_and_the_previous_release_after_commit(repo):
    head = git_out(repo.root, "rev-parse", "HEAD")
    assert resolve(repo.root, "release") == head  # nothing pending, no earlier release: HEAD itself
    repo.set("events", repo.key("events"), "summary", "Changed.")
    assert resolve(repo.root, "release") == head
    bump(repo.root, day=date(2026, 11, 26))
    assert resolve(repo.root, "release") == head
    git(repo.root, "commit", "--allow-empty", "-qm", "a commit that changes no package file")
    commit_package(repo.root, "release the correction")
    base = resolve(repo.root, "release")  # the last commit that carried the previous version
    assert base == git_out(repo.root, "rev-parse", "HEAD~1")
    assert not diff(repo.root, head, base)
    assert [t.name for t in diff(repo.root, base).tables] == ["events"]


def test_no_change_means_nothing_to_release(repo, capsys):
    before = {p: p.read_bytes() for p in repo.root.rglob("*") if p.is_file() and ".git" not in p.parts}
    assert main(["bump", str(repo.root)]) == 0
    assert "nothing to release" in capsys.readouterr().out
    assert {p: p.read_bytes() for p in repo.root.rglob("*") if p.is_file() and ".git" not in p.parts} == before


def test_bump_refuses_an_invalid_package_and_writes_nothing(repo, capsys):
    repo.set("events", repo.key("events"), "char_start", "x")
    before = (repo.root / "datapackage.json").read_bytes()
    assert main(["bump", str(repo.root)]) == 1
    assert (repo.root / "datapackage.json").read_bytes() == before


def test_unknown_version_is_a_usage_error_naming_the_releases(repo, capsys):
    assert main(["diff", "9.9.9", str(repo.root)]) == 2
    assert f"released: {repo.version()}" in capsys.readouterr().err


def test_changelog_draft_groups_changes_as_keep_a_changelog(repo):
    repo.set("events", repo.key("events"), "summary", "Changed.")
    repo.append("event_roles", ["witness", "Saw the event without taking part."])
    text = changelog_draft(diff(repo.root, "HEAD"), "9.0.0", date(2026, 1, 2))
    assert text.startswith("## [9.0.0] - 2026-01-02\n")
    assert text.index("### Added\n- `event_roles`: witness.") < text.index("### Fixed\n- `events`")
    assert insert_section("# Log\n\nIntro.\n\n## [1.0.0] - x\n", text).index("## [9.0.0]") < insert_section("# Log\n\n## [1.0.0] - x\n", text).index("## [1.0.0]") + 200


def test_a_release_section_goes_below_unreleased_tool_changes_and_above_the_last_release():
    log = "# Log\n\n## [Unreleased]\n\n- validator change\n\n## [1.0.0] - x\n"
    out = insert_section(log, "## [1.1.0] - y\n\n- data change\n")
    assert out.index("## [Unreleased]") < out.index("- validator change") < out.index("## [1.1.0]") < out.index("## [1.0.0]")


def test_the_version_is_written_once():
    """datapackage.json holds the version; CITATION.cff is generated and pyproject.toml derives it."""
    version = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))["version"]
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))["version"] == version
    assert (ROOT / "CITATION.cff").read_text(encoding="utf-8").startswith("# Generated")
