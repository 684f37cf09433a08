"""diff and version rules, in a temporary git repository built from the real package."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from helpers import Pkg
from validate.cli import main
from validate.diff import GitError, Revision, diff, read_at, version_problems
from validate.release import next_version
from validate.versioning import MAJOR, MINOR, PATCH

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "data/sources/src-0a85bdf091dd711d.txt"


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "user.name=Test", "-c", "user.email=test@example.org", *args],
                   check=True, capture_output=True)


def commit_package(root: Path, message: str = "release") -> None:
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)


@pytest.fixture
def repo(tmp_path) -> Pkg:
    """The real package, with the files its generated docs and changelog live in, committed as a
    release in a fresh repository (no tag: releases are read from the history of the descriptor)."""
    for name in ["datapackage.json", "CHANGELOG.md", "README.md", "CITATION.cff"]:
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "data", tmp_path / "data")
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    git(tmp_path, "init", "-q")
    commit_package(tmp_path)
    return Pkg(tmp_path)


def set_version(repo: Pkg, level: int, entry: str = "### Fixed\n- a correction.\n") -> str:
    """Bump by hand to `level` above the committed version, with a CHANGELOG section; the new version."""
    d = repo.descriptor()
    d["version"] = version = next_version(d["version"], level)
    repo.write_descriptor(d)
    log = (repo.root / "CHANGELOG.md").read_text(encoding="utf-8")
    head, rest = log.split("\n## ", 1)
    (repo.root / "CHANGELOG.md").write_text(f"{head}\n## [{version}] - 2026-11-26\n\n{entry}\n## {rest}", encoding="utf-8")
    return version


def test_one_cell_correction_is_one_changed_cell_and_requires_patch(repo):
    key = repo.key("events", 2)
    old = repo.get("events", key, "summary")
    repo.set("events", key, "summary", "India rejected the allegation as absurd.")
    d = diff(repo.root, "HEAD")
    assert d.descriptor == []
    assert [(t.name, t.added, t.removed, t.changed) for t in d.tables] == [
        ("events", [], [], [(key, "summary", old, "India rejected the allegation as absurd.")])]
    assert d.required == PATCH


def test_added_row_requires_minor(repo):
    repo.append("event_roles", ["witness", "Saw the event without taking part."])
    d = diff(repo.root, "HEAD")
    assert [(t.name, t.added) for t in d.tables] == [("event_roles", ["witness"])]
    assert d.required == MINOR


def test_removed_row_requires_major_and_says_ids_are_published(repo):
    key = repo.key("commitment_parties", 0)
    repo.delete("commitment_parties", key)
    d = diff(repo.root, "HEAD")
    assert d.tables[0].removed == [f"({', '.join(key)})"] and d.required == MAJOR
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
    assert diff(repo.root, "HEAD").required == MAJOR


def test_loosened_constraint_requires_minor_and_a_new_description_patch(repo):
    d = repo.descriptor()
    fields = {f["name"]: f for f in repo.resource(d, "sources")["schema"]["fields"]}
    pattern = fields["language"]["constraints"].pop("pattern")
    repo.write_descriptor(d)
    assert diff(repo.root, "HEAD").required == MINOR
    fields["language"]["constraints"]["pattern"] = pattern
    fields["title"]["description"] = "A clearer description."
    repo.write_descriptor(d)
    assert diff(repo.root, "HEAD").required == PATCH


def test_check_version_fails_before_the_bump_and_passes_after(repo, capsys):
    released = repo.version()
    repo.set("events", repo.key("events", 2), "summary", "India rejected the allegation as absurd.")
    assert main(["diff", "release", str(repo.root), "--check-version"]) == 1
    assert f"requires a PATCH bump from {released}, but the version is {released}" in capsys.readouterr().err
    d = repo.descriptor()
    d["version"] = patched = next_version(released, PATCH)
    repo.write_descriptor(d)
    assert main(["diff", "release", str(repo.root), "--check-version"]) == 1
    assert f"CHANGELOG.md has no section '## [{patched}]'" in capsys.readouterr().err
    d["version"] = released
    repo.write_descriptor(d)
    set_version(repo, PATCH)
    assert main(["diff", "release", str(repo.root), "--check-version"]) == 0


def test_check_version_fails_while_the_drafts_why_is_left_and_names_its_line(repo, capsys):
    repo.set("events", repo.key("events", 2), "summary", "India rejected the allegation as absurd.")
    version = set_version(repo, PATCH, entry="### Fixed\n- `events`: `summary`. WHY: say what was wrong.\n")
    assert main(["diff", "release", str(repo.root), "--check-version"]) == 1
    lines = (repo.root / "CHANGELOG.md").read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, start=1) if "WHY:" in text)
    assert f"CHANGELOG.md line {line}: the section '## [{version}]' still holds the draft's 'WHY:'" in capsys.readouterr().err
    log = repo.root / "CHANGELOG.md"
    log.write_text(log.read_text(encoding="utf-8").replace("WHY: say what was wrong.", "The source gives it as absurd."), encoding="utf-8")
    assert main(["diff", "release", str(repo.root), "--check-version"]) == 0


def test_a_bump_too_small_for_the_change_fails(repo, capsys):
    repo.append("event_roles", ["witness", "Saw the event without taking part."])
    released = repo.descriptor()
    set_version(repo, PATCH)
    assert main(["diff", "HEAD", str(repo.root), "--check-version"]) == 1
    assert "requires a MINOR bump" in capsys.readouterr().err
    repo.write_descriptor(released)
    set_version(repo, MINOR)
    assert main(["diff", "HEAD", str(repo.root), "--check-version"]) == 0


def test_spreadsheet_resave_alone_is_no_change(repo):
    rows = repo.rows("events")
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows([rows[0]] + rows[:0:-1])
    repo.write_raw("events", b"\xef\xbb\xbf" + buf.getvalue().encode())
    d = diff(repo.root, "HEAD")
    assert (d.tables, d.descriptor, d.required) == ([], [], 0)


def test_diff_does_not_touch_the_working_tree(repo):
    repo.set("events", repo.key("events"), "summary", "Changed.")
    before = {p: p.read_bytes() for p in repo.root.rglob("*") if p.is_file() and ".git" not in p.parts}
    status = subprocess.run(["git", "-C", str(repo.root), "status", "--porcelain"], capture_output=True, text=True).stdout
    diff(repo.root, "HEAD")
    assert {p: p.read_bytes() for p in repo.root.rglob("*") if p.is_file() and ".git" not in p.parts} == before
    assert subprocess.run(["git", "-C", str(repo.root), "status", "--porcelain"], capture_output=True, text=True).stdout == status


def test_formats(repo, capsys):
    key = repo.key("events")
    repo.set("events", key, "summary", "a | b")
    assert main(["diff", "release", str(repo.root), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["required"] == "PATCH" and data["tables"][0]["changed"][0]["new"] == "a | b"
    assert main(["diff", "release", str(repo.root), "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert f"| `{key}` | `summary` |" in out and "| a \\| b |" in out


def test_unknown_revision_is_a_usage_error(repo, capsys):
    assert main(["diff", "no-such-tag", str(repo.root)]) == 2
    assert "'no-such-tag' names no commit of this repository" in capsys.readouterr().err


@pytest.mark.parametrize("base", ["no\nsuch", "no\rsuch\x1b[2J", "no\u2028such"])
def test_a_revision_with_a_line_break_or_a_control_character_is_answered_on_one_line(repo, base, capsys):
    assert main(["diff", base, str(repo.root)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.endswith("\n")
    assert err[:-1].isprintable() and "\x1b" not in err


@pytest.mark.parametrize("base", ["HEAD", "release", "0.1.0"])
def test_outside_a_repository_is_a_usage_error(pkg, base, capsys):
    assert main(["diff", base, str(pkg.root)]) == 2
    assert "not a git repository" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_a_revision_git_accepts_with_an_escape_or_line_break_is_echoed_escaped(repo, fmt, capsys):
    base = "HEAD@{\x1b[31m1\nsecond ago}"  # git reads the date inside @{} leniently
    assert main(["diff", base, str(repo.root), "--format", fmt]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0]
    assert "\x1b" not in out and "x1b" in header and "second ago" in header  # the whole revision, on the header's line


def test_primary_key_written_as_a_string_is_one_field(repo, capsys):
    key = repo.rows("events")[1][0]
    repo.set("events", key, "location", "Ottawa")
    d = repo.descriptor()
    repo.resource(d, "events")["schema"]["primaryKey"] = "event_id"
    repo.write_descriptor(d)
    result = diff(repo.root, "HEAD")
    events = next(t for t in result.tables if t.name == "events")
    assert [c[:2] for c in events.changed] == [(key, "location")] and not events.added and not events.removed
    assert main(["diff", "HEAD", str(repo.root)]) == 0
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
    result = diff(repo.root, "HEAD")
    assert "secret-role" not in json.dumps([t.added for t in result.tables])


# -- hostile working trees under --check-version ---------------------------------------------

def _removed_release(repo: Pkg) -> None:
    """A committed MAJOR release that removes an event (so the version check reads retired ids)."""
    set_version(repo, MAJOR)
    repo.delete("events", repo.key("events", len(repo.rows("events")) - 2))
    commit_package(repo.root, "remove an event")


@pytest.mark.parametrize("text", ["[1,2]", "null", '{"resources": 5}', "{bad json", '{"resources": [1]}'])
def test_check_version_with_a_broken_working_tree_descriptor_answers_with_located_problems(repo, text, capsys):
    _removed_release(repo)
    (repo.root / "datapackage.json").write_text(text, encoding="utf-8")
    assert main(["diff", "HEAD~1", str(repo.root), "--to", "HEAD", "--check-version"]) == 1
    out = capsys.readouterr()
    assert "internal error" not in out.err and "Traceback" not in out.err
    assert [line for line in out.out.splitlines() if line.startswith("datapackage.json:")][0].split(":")[3].strip() in {"invalid-json", "descriptor-error", "invalid-version"}


@pytest.mark.parametrize("damage", ["link", "fifo", "latin", "utf16"])
def test_check_version_reads_the_retired_table_through_the_path_guard(repo, damage, capsys, tmp_path_factory):
    _removed_release(repo)
    table = repo.root / "data" / "retired_ids.csv"
    table.unlink()
    if damage == "link":
        outside = tmp_path_factory.mktemp("outside") / "retired_ids.csv"
        outside.write_text("resource,id,version,reason\n", encoding="utf-8")
        table.symlink_to(outside)
    elif damage == "fifo":
        import os

        os.mkfifo(table)
    else:
        table.write_bytes(b"\xff\xfe\x00b\x00a\x00d" if damage == "utf16" else b"resource,id\nevents,caf\xe9\x81\n")
    assert main(["diff", "HEAD~1", str(repo.root), "--to", "HEAD", "--check-version"]) == 1
    out = capsys.readouterr()
    assert "internal error" not in out.err and "Traceback" not in out.err
    codes = {line.split(":")[3].strip() for line in out.out.splitlines() if line.startswith("data/retired_ids.csv:")}
    assert codes and codes <= {"unsafe-path", "missing-file", "encoding-error", "spreadsheet-encoding"}


@pytest.mark.parametrize("side", ["base", "working tree"])
def test_table_that_is_not_utf8_is_a_located_problem(repo, side, capsys):
    """A table of BASE (or of the working tree) that is not UTF-8: path:line:column: code, exit 1."""
    rows = repo.rows("event_roles")
    raw = repo.raw("event_roles")
    damaged = raw.replace(rows[2][1].encode(), rows[2][1].encode() + b" caf\xe9", 1)
    repo.write_raw("event_roles", damaged)
    if side == "base":
        commit_package(repo.root, "latin-1 table")
        repo.write_raw("event_roles", raw)
    line = damaged[: damaged.index(b"\xe9")].count(b"\n") + 1
    assert main(["diff", "HEAD", str(repo.root)]) == 1
    out = capsys.readouterr()
    assert "internal error" not in out.err and "Traceback" not in out.err
    (first,) = [l for l in out.out.splitlines() if l.startswith("data/")]
    assert first.split(":")[:4] == ["data/event_roles.csv", str(line), first.split(":")[2], " encoding-error"]
    assert ("at HEAD" in first) == (side == "base")


# -- reading a revision -----------------------------------------------------------------------

def test_a_revision_reads_every_file_as_git_show_does(repo):
    (repo.root / "data" / "odd\nname.csv").write_text("id\nx\n")
    commit_package(repo.root, "a file whose name holds a line break")
    paths = [r["path"] for r in repo.descriptor()["resources"]] + ["datapackage.json", "data", "data/odd\nname.csv", "no/such.csv"]
    with Revision(repo.root, "HEAD") as at:
        assert [at.read(p) for p in paths] == [read_at(repo.root, "HEAD", p) for p in paths]
    assert read_at(repo.root, "HEAD", "no/such.csv") is None and read_at(repo.root, "HEAD", "data") is not None


def test_a_diff_starts_one_git_per_revision_not_one_per_table(repo, monkeypatch):
    started = []
    popen = subprocess.Popen

    def counted(args, *a, **k):
        started.append(args)
        return popen(args, *a, **k)

    monkeypatch.setattr(subprocess, "Popen", counted)
    repo.set("events", repo.key("events", 1), "summary", "A corrected summary.")
    assert [t.name for t in diff(repo.root, "HEAD").tables] == ["events"]
    assert 0 < len([a for a in started if a[0] == "git"]) < len(repo.descriptor()["resources"]) / 4


def test_a_git_that_stops_answering_is_a_git_error_not_a_hang(repo, tmp_path_factory, monkeypatch):
    """Its child holds the pipe open too, as a partial clone's fetch does: the whole group is killed."""
    bin_dir = tmp_path_factory.mktemp("bin")
    (bin_dir / "git").write_text("#!/bin/sh\nsleep 120 &\nexec sleep 120\n")
    (bin_dir / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setattr(Revision, "TIMEOUT", 0.5)
    start = time.perf_counter()
    with pytest.raises(GitError, match="stopped"):
        with Revision(repo.root, "HEAD") as at:
            at.read("datapackage.json")
    assert time.perf_counter() - start < 30


def test_a_git_show_that_stops_answering_is_a_git_error_not_a_hang_or_an_absent_file(repo, tmp_path_factory, monkeypatch):
    """read_at (git show, as release reads the descriptor) bounds git and its children as Revision does,
    and a git that does not answer is not read as a file that did not exist."""
    import validate.diff as differ

    bin_dir = tmp_path_factory.mktemp("bin")
    (bin_dir / "git").write_text("#!/bin/sh\nsleep 120 &\nexec sleep 120\n")
    (bin_dir / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setattr(differ, "GIT_TIMEOUT", 0.5)
    start = time.perf_counter()
    with pytest.raises(GitError, match="did not answer"):
        read_at(repo.root, "HEAD", "datapackage.json")
    assert time.perf_counter() - start < 30


def test_a_table_whose_object_is_gone_at_base_is_a_git_error_naming_it_not_an_added_table(repo, capsys):
    path = repo.rel("events")
    sha = subprocess.run(["git", "-C", str(repo.root), "rev-parse", f"HEAD:{path}"], capture_output=True, text=True, check=True).stdout.strip()
    (repo.root / ".git" / "objects" / sha[:2] / sha[2:]).unlink()
    with pytest.raises(GitError, match=path):
        read_at(repo.root, "HEAD", path)
    with Revision(repo.root, "HEAD") as at:
        with pytest.raises(GitError, match=path):
            at.read(path)
        assert at.read("no/such.csv") is None
    assert main(["diff", "HEAD", str(repo.root)]) == 2
    out, err = capsys.readouterr()
    assert path in err and "added" not in out


def test_a_git_that_ends_within_a_file_is_a_git_error_naming_that_file(repo, tmp_path_factory, monkeypatch):
    """A corrupt object ends git after the header: the file is unreadable, not missing."""
    bin_dir = tmp_path_factory.mktemp("bin")
    (bin_dir / "git").write_text("#!/bin/sh\nread name\necho 0123abcd blob 100\n")
    (bin_dir / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    with pytest.raises(GitError, match="data/any.csv"):
        with Revision(repo.root, "HEAD") as at:
            at.read("data/any.csv")
