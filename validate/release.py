"""Release points read from history, and `bump`: one command that releases a correction.

Tags do not travel with every clone or fork, so releases are read from the history of
datapackage.json itself: the release of version V is the last commit (along the first-parent
chain) whose descriptor carries V. A correction is released by bumping the version in the same
commit as the change (`make bump` before `git commit`), which is what makes that definition exact.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from . import versioning as v
from .descriptor import DESCRIPTOR
from .diff import GitError, PackageDiff, diff, git, read_at

LAST_RELEASE = "release"  # the BASE that means "the last release" (make diff's default)


@dataclass(frozen=True)
class Release:
    version: str
    commit: str


def releases(root: Path) -> list[Release]:
    """Every version the descriptor carried along HEAD's first-parent history, oldest first, each
    with the last commit that carried it. Empty outside a repository or before the first commit."""
    try:
        commits = git(root, "log", "--first-parent", "--format=%H", "HEAD", "--", DESCRIPTOR).decode().split()
    except GitError:
        return []
    out: list[Release] = []
    newer = None  # the commit that replaced the version seen last (walking from new to old)
    current_version = None
    for commit in commits:  # newest first; each commit changed the descriptor
        version = _version_at(root, commit)
        if version != current_version:
            last = git(root, "rev-parse", f"{newer}^1").decode().strip() if newer else git(root, "rev-parse", "HEAD").decode().strip()
            if version is not None and all(r.version != version for r in out):
                out.append(Release(version, last))
            current_version = version
        newer = commit
    return out[::-1]


def _version_at(root: Path, commit: str) -> str | None:
    raw = read_at(root, commit, DESCRIPTOR)
    try:
        data = json.loads(raw) if raw is not None else None
    except ValueError:
        return None
    version = data.get("version") if isinstance(data, dict) else None
    return version if isinstance(version, str) else None


def resolve(root: Path, base: str) -> str:
    """A git revision for BASE: a released version number (`0.1.0`), `release` (the last
    release: what the working tree must be compared with), or any git revision."""
    git(root, "rev-parse", "--git-dir")  # outside a repository (or without git), git's own words say so
    if base == LAST_RELEASE:
        return last_release(root)
    if v.parse(base) is not None:
        found = [r for r in releases(root) if r.version == base]
        if not found:
            known = ", ".join(r.version for r in releases(root)) or "none"
            raise GitError(f"no commit in the history of {DESCRIPTOR} carries version {base} (released: {known})")
        return found[0].commit
    return base


def last_release(root: Path) -> str:
    """The release the working tree is measured against. When the working tree still carries the
    committed version and differs from HEAD, the change is pending: compare with HEAD. When it
    carries a new version, compare with the last commit that carried the old one. When nothing is
    pending, compare HEAD with the release before it, so that the last release's own change shows."""
    history = releases(root)
    if not history:
        raise GitError(f"no commit of {DESCRIPTOR} found; commit the package first or name BASE")
    head = history[-1]
    if _working_version(root) != head.version or diff(root, head.commit):
        return head.commit
    earlier = [r for r in history[:-1] if _lower(r.version, head.version)]
    return earlier[-1].commit if earlier else head.commit


def _working_version(root: Path):
    try:
        return json.loads((root / DESCRIPTOR).read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError, AttributeError):
        return None


def _lower(a: str, b: str) -> bool:
    pa, pb = v.parse(a), v.parse(b)
    return pa is not None and pb is not None and pa < pb


def next_version(version: str, level: int) -> str:
    """The version `level` (PATCH, MINOR, MAJOR) above `version`; prerelease and build dropped."""
    major, minor, patch = v.parse(version)
    if level == v.MAJOR:
        return f"{major + 1}.0.0"
    if level == v.MINOR:
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def changelog_draft(d: PackageDiff, version: str, day: date) -> str:
    """A Keep a Changelog section naming every changed id and cell, for the contributor to edit."""
    groups: dict[str, list[str]] = {"Added": [], "Changed": [], "Removed": [], "Fixed": []}
    for level, text in d.descriptor:
        group = "Added" if text.endswith(" added") else "Removed" if " removed" in text else "Changed"
        groups[group].append(f"{text} ({v.LEVELS[level]}).")
    for t in d.tables:
        if t.added:
            groups["Added"].append(f"`{t.name}`: {', '.join(t.added)}. {v.DRAFT_MARK} say what the source says that these rows hold.")
        if t.removed:
            retired = " (ids retired, never reused)" if len(t.key) == 1 else ""
            groups["Removed"].append(f"`{t.name}`: {', '.join(t.removed)}{retired}. {v.DRAFT_MARK} say why the source does not support them "
                                     "(and give the reason in data/retired_ids.csv).")
        cells: dict[str, list[str]] = {}
        for key, fld, _, _ in t.changed:
            cells.setdefault(key, []).append(f"`{fld}`")
        groups["Fixed"] += [f"`{t.name}` {key}: {', '.join(fields)}. {v.DRAFT_MARK} say what was wrong and what the source says." for key, fields in cells.items()]
    lines = [f"## [{version}] - {day.isoformat()}"]
    for title, items in groups.items():
        if items:
            lines += ["", f"### {title}", *[f"- {item}" for item in items]]
    return "\n".join(lines) + "\n"


def insert_section(log: str, section: str) -> str:
    """The changelog with `section` before the newest version section (after any preamble and
    the "[Unreleased]" section, which collects changes of the tools, not of the data)."""
    match = re.search(r"^## \[(?!Unreleased\])", log, re.M)
    if match is None:
        return log.rstrip("\n") + "\n\n" + section
    return log[: match.start()] + section + "\n" + log[match.start():]


@dataclass
class BumpResult:
    base: str
    old: str
    new: str | None  # None: nothing to release
    level: int
    written: list[str]


def bump(root: Path, base: str = LAST_RELEASE, day: date | None = None) -> BumpResult:
    """Set the version the change since BASE requires, draft its CHANGELOG section, record retired
    ids, and regenerate every generated file. Running it again changes nothing."""
    from publish.docs import generated, inside, write_generated
    from .retired import record_removed
    from .paths import write_atomic

    inside(root, generated(root))  # before any write: a generated file that cannot be written stops the bump whole
    rev = resolve(root, base)
    d = diff(root, rev)
    old = d.base_version if isinstance(d.base_version, str) and v.parse(d.base_version) else None
    if old is None:
        raise GitError(f"the version at {base} ({d.base_version!r}) is not semantic versioning; set the version by hand")
    level = d.required
    if level == 0:
        return BumpResult(rev, old, None, 0, [])
    new = next_version(old, level)
    current = v.parse(d.version) if isinstance(d.version, str) else None
    if current is not None and v.bump_level(v.parse(old), current) >= level:
        new = d.version  # already bumped far enough (a second run, or a deliberate larger bump)
    written = []
    desc_path = root / DESCRIPTOR
    data = json.loads(desc_path.read_text(encoding="utf-8"))
    if data.get("version") != new:
        data["version"] = new
        write_atomic(desc_path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
        written.append(DESCRIPTOR)
    written += record_removed(root, d, new)
    log_path = root / "CHANGELOG.md"
    log = log_path.read_text(encoding="utf-8") if log_path.is_file() else "# Changelog\n\n"
    if not v.changelog_has(root, new):
        d = diff(root, rev)  # again: recording retired ids is itself a change worth listing
        write_atomic(log_path, insert_section(log, changelog_draft(d, new, day or date.today())).encode("utf-8"))
        written.append("CHANGELOG.md")
    written += write_generated(root)
    return BumpResult(rev, old, new, level, written)
