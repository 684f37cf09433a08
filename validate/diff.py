"""Row-level differences between the package at a git revision and the working tree.

Rows are matched by primary key with a pandas outer merge; each changed cell is reported as
old -> new. The base is read from git (one `git cat-file --batch` per revision), so the working
tree is never touched; a table whose bytes and declaration are the same on both sides is not parsed.
"""

from __future__ import annotations

import contextlib
from collections import Counter

import csv
import io
import json
import os
import signal
import subprocess
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from . import dialect, versioning as v
from .descriptor import DESCRIPTOR, load, parse_descriptor
from .problems import md_cell, md_code, one_line, position, problem
from .paths import PathRefused, read_bytes
from .reader import TEXT, syntax_problem


class GitError(Exception):
    """git is missing, PATH is not in a repository, or BASE is not a revision."""


class DescriptorProblems(Exception):
    """A descriptor (at BASE or in the working tree) that does not describe a package: nothing to compare."""

    def __init__(self, which: str, problems: list):
        super().__init__(f"{which} is not a usable data package descriptor")
        self.problems = problems


class UnreadableTable(DescriptorProblems):
    """A working-tree table the version check needs is unsafe or unreadable (located problems)."""

    def __init__(self, path: str, problems: list):
        Exception.__init__(self, f"{path} cannot be read")
        self.problems = problems


@dataclass
class TableDiff:
    name: str
    key: list[str]
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[tuple[str, str, str, str]] = field(default_factory=list)  # (key, field, old, new)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@dataclass
class PackageDiff:
    base: str
    base_version: object
    version: object
    descriptor: list[tuple[int, str]]
    tables: list[TableDiff]
    target: str = "the working tree"

    def __bool__(self) -> bool:
        return bool(self.descriptor or self.tables)

    def reasons(self) -> list[tuple[int, str]]:
        out = list(self.descriptor)
        for t in self.tables:
            if t.removed:
                out.append((v.MAJOR, f"{t.name}: {len(t.removed)} row(s) removed or re-keyed; removing or re-using a published id is MAJOR"))
            if t.added:
                out.append((v.MINOR, f"{t.name}: {len(t.added)} row(s) added"))
            if t.changed:
                out.append((v.PATCH, f"{t.name}: {len(t.changed)} value(s) corrected"))
        return out

    @property
    def required(self) -> int:
        return max((level for level, _ in self.reasons()), default=0)


GIT_TIMEOUT = 60  # seconds for one git call, or for one file of a Revision
# no fetch of a missing object from a remote (a partial clone's lazy fetch; git 2.44 and later honour this)
GIT_ENV = {"GIT_NO_LAZY_FETCH": "1"}


def git(root: Path, *args: str) -> bytes:
    """git's output; a GitError when it fails or does not answer within GIT_TIMEOUT. git runs in a
    process group of its own, killed whole on a timeout: a child of git (a fetch) can hold the
    pipes open after git itself is killed, and waiting for them would hang."""
    try:
        proc = subprocess.Popen(["git", "-C", str(root), *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True, env={**os.environ, **GIT_ENV})
    except OSError as exc:
        raise GitError(f"cannot run git ({exc})") from None
    try:
        out, err = proc.communicate(timeout=GIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise GitError(f"git {args[0]} did not answer within {GIT_TIMEOUT} s") from None
    if proc.returncode != 0:
        said = "; ".join(line.strip() for line in err.decode("utf-8", "replace").splitlines() if line.strip())
        raise GitError(said or f"git {' '.join(args)} failed")
    return out


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:  # gone already
        pass
    proc.wait()
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()


def object_name(rev: str, path: str) -> str:
    """git's name of a file of the package (relative to PATH, which git runs in) at `rev`."""
    return f"{rev}:./{path}"


def read_at(root: Path, base: str, path: str) -> bytes | None:
    """A file of the package as it was at `base`; None when it did not exist there. A file that
    existed but cannot be read (its object deleted or corrupt, or git not answering) is a
    GitError naming it: read as absent, a corrupt table would look like one added since."""
    try:
        return git(root, "show", object_name(base, path))
    except GitError as exc:
        if _listed(root, base, path):
            raise GitError(f"cannot read {path} at {base}: {exc}") from None
        return None


def _listed(root: Path, rev: str, path: str) -> bool:
    """Whether the tree of `rev` (a commit) names `path`: `git ls-tree` reads the tree, not the file's object."""
    return bool(git(root, "ls-tree", "-z", "--name-only", rev, "--", path))


class Revision:
    """The files of the package at one commit, read through one `git cat-file --batch` process:
    a `git show` per file took a third of a diff of the real package (32 processes). A file the
    batch cannot name (a line break in its path) or that is not a file there is read by read_at."""

    TIMEOUT = GIT_TIMEOUT

    def __init__(self, root: Path, commit: str):
        self.root, self.commit = root, commit
        try:
            # its own process group, killed whole: a child of git (a partial clone's fetch) can hold the pipe open
            self._proc = subprocess.Popen(["git", "-C", str(root), "cat-file", "--batch"], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True,
                                          env={**os.environ, **GIT_ENV})
        except OSError as exc:
            raise GitError(f"cannot run git ({exc})") from None

    def read(self, path: str) -> bytes | None:
        name = os.fsencode(object_name(self.commit, path))
        if b"\n" in name or b"\r" in name:
            return read_at(self.root, self.commit, path)
        timer = threading.Timer(self.TIMEOUT, self._kill)  # a git that stops answering cannot hang the diff
        timer.start()
        line, header, size, found = b"", [], None, b""
        try:
            self._proc.stdin.write(name + b"\n")
            self._proc.stdin.flush()
            line = self._proc.stdout.readline()
            header = line.split()
            if len(header) == 3 and header[2].isdigit():  # "<object> <type> <size>", else "<name> missing"
                size = int(header[2])
                found = self._proc.stdout.read(size + 1)  # the contents and a line break
        except OSError:  # git has gone
            line = b""
        finally:
            timer.cancel()
        if not line.endswith(b"\n") or (size is not None and len(found) != size + 1):  # a corrupt object ends git mid-file
            self._kill()
            raise GitError(f"git cat-file stopped while reading {path} at {self.commit}")
        if size is None:  # "missing": not in the tree, or in the tree with its object gone
            if _listed(self.root, self.commit, path):
                raise GitError(f"cannot read {path} at {self.commit}: its object is missing from the repository")
            return None
        return found[:-1] if header[1] == b"blob" else read_at(self.root, self.commit, path)

    def _kill(self) -> None:
        try:
            os.killpg(self._proc.pid, signal.SIGKILL)
        except OSError:  # gone already
            pass

    def close(self) -> None:
        try:
            self._proc.stdin.close()  # git ends at the end of its input
            self._proc.wait(timeout=self.TIMEOUT)
        except (OSError, subprocess.TimeoutExpired):
            self._kill()
            self._proc.wait()
        self._proc.stdout.close()

    def __enter__(self) -> "Revision":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def frame(raw: bytes | None, path: str = "", where: str = "", res: dict | None = None) -> pd.DataFrame | None:
    """The rows of a table as text; bytes that are not UTF-8 or not CSV raise UnreadableTable
    located at the file's line (`where` names the revision, for the message). A resource read
    through a dialect or gzip is read so."""
    if raw is None:
        return None
    if res is not None and not dialect.plain(res):
        rows = dialect.rows_of(raw, res)
        if rows is None:
            raise UnreadableTable(path, [problem(path, 1, 1, "csv-syntax", f"{where or 'the working tree'}: the table cannot be read "
                                                 "with its dialect or compression; run python -m validate")])
        return _frame_of(rows, path, where)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableTable(path, [problem(path, *position(raw, exc.start), "encoding-error",
                                             f"{where or 'the working tree'}: byte {raw[exc.start]:#04x} at offset {exc.start} is not UTF-8")]) from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        found = syntax_problem(text, path, exc)
        raise UnreadableTable(path, [problem(path, found.line, found.column, "csv-syntax", f"{where or 'the working tree'}: {exc}")]) from None
    if not rows:
        return None
    width = len(rows[0])
    return _frame_of([rows[0]] + [(r + [""] * width)[:width] for r in rows[1:]], path, where)


def _frame_of(rows: list[list[str]], path: str, where: str) -> pd.DataFrame:
    """The rows under their header; a header that names a column twice aligns nothing (pandas
    cannot select by it), so it is a located header-mismatch, as the validator reports it."""
    header = rows[0]
    if len(set(header)) != len(header):
        repeated = sorted(h for h, n in Counter(header).items() if n > 1)
        raise UnreadableTable(path, [problem(path, 1, 1, "header-mismatch", f"{where or 'the working tree'}: the header repeats {repeated[:5]!r}")])
    return pd.DataFrame(rows[1:], columns=header, dtype=TEXT)


def _key_text(values: tuple) -> str:
    return values[0] if len(values) == 1 else "(" + ", ".join(values) + ")"


def table_diff(name: str, key: list[str], old: pd.DataFrame | None, new: pd.DataFrame | None) -> TableDiff:
    out = TableDiff(name, key)
    if old is None and new is None:
        return out
    empty = pd.DataFrame({k: pd.Series([], dtype=TEXT) for k in key})
    old = empty if old is None or not set(key) <= set(old.columns) else old
    new = empty if new is None or not set(key) <= set(new.columns) else new
    merged = old.merge(new, on=key, how="outer", suffixes=("\x00old", "\x00new"), indicator=True)
    keys = pd.Series(list(zip(*(merged[k] for k in key))), index=merged.index).map(_key_text)
    out.added = sorted(keys[merged["_merge"] == "right_only"])
    out.removed = sorted(keys[merged["_merge"] == "left_only"])
    both = merged[merged["_merge"] == "both"]
    for col in [c for c in new.columns if c in old.columns and c not in key]:
        a, b = both[f"{col}\x00old"], both[f"{col}\x00new"]
        for i in both.index[(a != b).to_numpy()]:
            out.changed.append((keys[i], col, a[i], b[i]))
    out.changed.sort()
    return out


def diff(root: Path, base: str, to: str | None = None) -> PackageDiff:
    """The package at revision `base` against the working tree (or against revision `to`)."""
    commits = [_commit(root, rev) for rev in (base, to) if rev is not None]
    with Revision(root, commits[0]) as at_base, (Revision(root, commits[1]) if to is not None else contextlib.nullcontext()) as at_to:
        return _diff(root, base, to, at_base, at_to)


def _commit(root: Path, rev: str) -> str:
    git(root, "rev-parse", "--git-dir")  # outside a repository, git's own words say so
    try:
        return git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").decode().strip()
    except GitError:
        raise GitError(f"{rev!r} names no commit of this repository; BASE is a released version number, "
                       "release (the last release), or a git revision") from None


def _diff(root: Path, base: str, to: str | None, at_base: Revision, at_to: Revision | None) -> PackageDiff:
    old_raw = at_base.read(DESCRIPTOR)
    if old_raw is None:
        raise GitError(f"{DESCRIPTOR} does not exist at {base}")
    old_parsed, problems = parse_descriptor(old_raw, root, files=False)
    if old_parsed is None:
        raise DescriptorProblems(f"{DESCRIPTOR} at {base}", problems)
    if to is not None:
        new_raw = at_to.read(DESCRIPTOR)
        if new_raw is None:
            raise GitError(f"{DESCRIPTOR} does not exist at {to}")
        new_parsed, problems = parse_descriptor(new_raw, root, files=False)
    else:
        new_parsed, problems = load(root)
    if new_parsed is None:
        raise DescriptorProblems(f"{DESCRIPTOR} at {to or 'the working tree'}", problems)
    # the checked descriptors: every resource well-formed, keys normalised to lists of fields
    old_desc, new_desc = old_parsed.data, new_parsed.data

    def new_bytes(path: str) -> bytes | None:
        return at_to.read(path) if at_to is not None else _working_bytes(root, path)

    olds = {r["name"]: r for r in old_desc.get("resources", [])}
    tables = []
    for res in new_desc.get("resources", []) + [r for n, r in olds.items() if n not in {x["name"] for x in new_desc.get("resources", [])}]:
        name, path = res["name"], res["path"]
        is_new = res in new_desc.get("resources", [])
        new_raw = new_bytes(path) if is_new else None
        old_raw = at_base.read(olds[name]["path"]) if name in olds else None
        if new_raw is not None and new_raw == old_raw and olds[name] == res:
            continue  # the same bytes read the same way: no row can differ
        new = frame(new_raw, path, f"at {to}" if to else "the working tree", res) if is_new else None
        old = frame(old_raw, olds[name]["path"], f"at {base}", olds.get(name)) if name in olds else None
        # a table without a primary key is keyed by all its fields: a changed row is one removed and one added
        td = table_diff(name, res["schema"]["primaryKey"] or [f["name"] for f in res["schema"]["fields"]], old, new)
        if td:
            tables.append(td)
    return PackageDiff(base, old_desc.get("version"), new_desc.get("version"), v.descriptor_changes(old_desc, new_desc), tables,
                       "the working tree" if to is None else to)


def _working_bytes(root: Path, path: str) -> bytes | None:
    """A table of the working tree, never through a link out of the package; None when unreadable."""
    try:
        return read_bytes(root, path)
    except PathRefused:
        return None


def version_problems(d: PackageDiff, root: Path) -> list[str]:
    """Why the working tree's version does not fit the change; empty when it does."""
    old, new = v.parse(d.base_version), v.parse(d.version)
    if new is None:
        return [f"version {d.version!r} is not semantic versioning (MAJOR.MINOR.PATCH)"]
    if old is None:
        return []  # nothing to compare against: the base had no valid version
    need = d.required
    have = v.bump_level(old, new) if new != old else 0
    out = []
    if have < need:
        reasons = "; ".join(r for level, r in d.reasons() if level == need)
        out.append(f"the change requires a {v.LEVELS[need]} bump from {d.base_version}, but the version is {d.version} ({reasons}); "
                   "run make bump")
    if new != old and not v.changelog_has(root, d.version):
        out.append(f"CHANGELOG.md has no section '## [{d.version}]'; run make bump")
    elif new != old and (line := v.draft_left(root, d.version)) is not None:
        out.append(f"CHANGELOG.md line {line}: the section '## [{d.version}]' still holds the draft's '{v.DRAFT_MARK}'; "
                   "replace it with why the change was made")
    return out + unrecorded_removals(d, root)


def unrecorded_removals(d: PackageDiff, root: Path) -> list[str]:
    """Removed ids that the package's retired-id table does not hold (make bump records them).
    The working tree's descriptor and table are read as the validator reads them (strict JSON,
    never through a link out of the package, UTF-8 only); what cannot be read is raised as
    located problems."""
    from .reader import decode
    from .retired import retired_resource

    parsed, problems = load(root)
    if parsed is None:
        raise DescriptorProblems(f"{DESCRIPTOR} in the working tree", problems)
    table = retired_resource(parsed.resources)
    if table is None:
        return []
    try:
        raw = read_bytes(root, table["path"])
    except PathRefused as exc:
        if exc.code != "missing-file" or os.path.lexists(root / table["path"]):
            raise UnreadableTable(table["path"], [problem(table["path"], 1, 1, exc.code, exc.detail)]) from None
        raw = None  # no table yet: no id is recorded as retired
    held = None
    if raw is not None:
        text, problems = decode(raw, table["path"])
        if text is None or any(p.code != "bom" for p in problems):
            raise UnreadableTable(table["path"], problems)
        held = frame(text.encode("utf-8"), table["path"])
    have = set(zip(held["resource"], held["id"])) if held is not None and {"resource", "id"} <= set(held.columns) else set()
    keyed = {r["name"] for r in parsed.resources if len(r["schema"].get("primaryKey", [])) == 1}
    missing = [(t.name, k) for t in d.tables if t.name in keyed and t.name != table["name"] for k in t.removed if (t.name, k) not in have]
    return [f"{table['path']}: {name} id {key!r} was removed but is not recorded as retired; run make bump" for name, key in missing]


def render_text(d: PackageDiff) -> str:
    # a revision git accepts (HEAD@{<anything>}) and a key from the data may hold a line break or an escape
    lines = [one_line(f"Changes from {d.base} (version {d.base_version}) to {d.target} (version {d.version})"), ""]
    if d.descriptor:
        lines.append("Descriptor and schemas:")
        lines += [f"  {v.LEVELS[level]:5} {text}" for level, text in d.descriptor]
        lines.append("")
    for t in d.tables:
        lines.append(f"{t.name}: {len(t.added)} added, {len(t.removed)} removed, {len(t.changed)} changed cell(s)")
        lines += [one_line(f"  + {k}") for k in t.added] + [one_line(f"  - {k}") for k in t.removed]
        lines += [one_line(f"  ~ {k}: {f}: {old!r} -> {new!r}") for k, f, old, new in t.changed]
    if not d.descriptor and not d.tables:
        lines.append("No changes.")
    lines += ["", f"Required version bump: {v.LEVELS[d.required]}"]
    return "\n".join(lines) + "\n"


def _md(s: str) -> str:
    return md_cell(s, "⏎")  # a visible mark: a diff must show an added newline


def render_markdown(d: PackageDiff) -> str:
    lines = [f"### Data changes from {md_code(one_line(d.base))} ({md_cell(one_line(d.base_version))} → {md_cell(one_line(d.version))})", "",
             f"**Required version bump: {v.LEVELS[d.required]}**", ""]
    if d.descriptor:
        lines += ["| level | descriptor or schema change |", "|---|---|"]
        lines += [f"| {v.LEVELS[level]} | {_md(text)} |" for level, text in d.descriptor] + [""]
    for t in d.tables:
        lines += [f"#### `{t.name}`: {len(t.added)} added, {len(t.removed)} removed, {len(t.changed)} changed", ""]
        if t.changed:
            lines += ["| key | field | old | new |", "|---|---|---|---|"]
            lines += [f"| {md_code(k, '⏎')} | {md_code(f)} | {_md(old)} | {_md(new)} |" for k, f, old, new in t.changed] + [""]
        lines += [f"- added {md_code(k, '⏎')}" for k in t.added] + [f"- removed {md_code(k, '⏎')}" for k in t.removed]
        lines.append("")
    if not d.descriptor and not d.tables:
        lines.append("No changes.")
    return "\n".join(lines).rstrip("\n") + "\n"


def render_json(d: PackageDiff) -> str:
    data = asdict(d)
    data["descriptor"] = [{"level": v.LEVELS[level], "change": text} for level, text in d.descriptor]
    for t in data["tables"]:
        t["changed"] = [dict(zip(("key", "field", "old", "new"), c)) for c in t["changed"]]
    data["required"] = v.LEVELS[d.required]
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}
