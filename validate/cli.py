"""Command line: `python -m validate [COMMAND] [PATH]`. Each command is one function; its docstring is its help."""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
from pathlib import Path

from .outdir import OutRefused
from .paths import DEFAULT_MAX_BYTES
from .problems import RENDERERS, one_line

USAGE_ERROR = 2


def imported() -> None:
    """Called by each command once it has imported its libraries. A `python -m validate` process
    starts with the garbage collector off (validate/__main__.py): the imports allocate some
    100,000 objects that live to the end, and the collector's passes over them found nothing and
    took 0.5-0.8 s of CPU of each run. They are frozen out of its passes and it runs from here on.
    In-process callers (the collector on) are left as they are."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def check(path: Path, format: str = "text", max_bytes: int = DEFAULT_MAX_BYTES) -> int:
    """Validate the data package at PATH: descriptor, every table, every cross-table rule, every
    evidence span and sentence coverage. Prints one problem per line as
    path:line:column: code: message. Exit 0 when valid, 1 when invalid, 2 on a usage error."""
    from . import arrow_read

    if max_bytes <= 0:
        raise UsageError("--max-bytes must be positive")
    arrow_read.prefetch(path, max_bytes)  # the largest table is parsed while the libraries import
    from .core import validate_package  # imported here so that --help stays fast

    imported()

    try:
        problems = validate_package(path, max_bytes)
    finally:
        arrow_read.discard()
    sys.stdout.write(RENDERERS[format](problems))
    return 1 if problems else 0


def docs(path: Path, check: bool = False) -> int:
    """Regenerate docs/codebook.md, docs/timeline.svg, docs/agreement.md (when
    docs/agreement/ holds a second coding), CITATION.cff, the README's generated tables, list of
    views and load snippets, and every table derived from an archived text (such as
    data/cameo_plover.csv) from datapackage.json, the data, docs/agreement/, CHANGELOG.md and the
    code catalogue. With --check, change nothing and exit 1 if any generated file is stale."""
    from .agreement import AgreementError
    from .crosswalk import CrosswalkError
    from .paths import PathRefused
    from publish.docs import stale, write_generated

    imported()

    desc = _valid_descriptor(path, "docs")
    if desc is None:
        return 1
    try:
        if check:
            names = sorted(p.relative_to(path).as_posix() for p in stale(path, desc))
            for name in names:
                print(f"{name}: stale; run python -m validate docs (make docs)")
            if not names:
                print("generated files are up to date")
            return 1 if _unresolved(path, desc) or names else 0
        written = write_generated(path, desc)
        _unresolved(path, desc)
    except CrosswalkError as exc:
        print(f"python -m validate docs: cannot derive a table from its archived text: {exc}; nothing was written", file=sys.stderr)
        return 1
    except AgreementError as exc:  # a reviewed input (resolutions, actor map, second coding) to fix by hand
        print(f"python -m validate docs: {exc}", file=sys.stderr)
        return 1
    except PathRefused as exc:  # a generated file's place leaves the package
        print(_refused(exc))
        return 1
    for name in written:
        print(f"{name}: written")
    return 0


def fmt(path: Path, check: bool = False, max_bytes: int = DEFAULT_MAX_BYTES) -> int:
    """Rewrite every table of the package at PATH into canonical form: UTF-8 without BOM, LF,
    header in schema order, rows sorted by primary key, minimal quoting, final newline. Values
    change only to undo what a spreadsheet did on save, where exactly one repair fits: leading
    zeros a code lost (16 -> 016), locale dates (10/31/2024 -> 2024-10-31), a file re-encoded
    as Windows-1252; each repaired cell is listed as path:line:field: field old -> new. The
    result is validated before any file is replaced, and each file is replaced atomically; if
    anything else is wrong, or a damaged cell has more than one possible repair, nothing is
    written. With --check, write nothing and list each file and line that differs (exit 1 if any)."""
    from . import fmt as formatter

    imported()

    if check:
        problems = formatter.check(path, max_bytes)
        sys.stdout.write(RENDERERS["text"](problems) if problems else "canonical: nothing to format\n")
        return 1 if problems else 0
    written, problems, repaired = formatter.apply(path, max_bytes)
    if problems:
        sys.stdout.write(RENDERERS["text"](problems))
        print("python -m validate fmt: nothing was written; fix the problems above first", file=sys.stderr)
        return 1
    for note in repaired:
        print(f"{note}: repaired")
    for name in written:
        print(f"{name}: formatted")
    if not written:
        print("canonical: nothing to format")
    return 0


def diff(base: str, path: Path, format: str = "text", check_version: bool = False, to: str | None = None) -> int:
    """Compare the package at BASE with the working tree at PATH (or with the release or revision
    TO): per table, rows added, removed and changed (keyed by primary key, each changed cell as
    old -> new), and descriptor and schema changes, each classified by the Data Package Version
    recipe. BASE is a released version number (0.1.0), `release` (the last release, read from the
    history of datapackage.json: no tag needed) or any git revision; the working tree is not
    touched. With --check-version, exit 1 unless the version is semver, bumped at least as far as
    the change requires, has a CHANGELOG.md section, and no retired id is used again."""
    import csv
    import json

    from . import diff as differ
    from .release import resolve

    imported()

    try:
        rev = resolve(path, base)
        result = differ.diff(path, rev, resolve(path, to) if to else None)
    except differ.GitError as exc:
        raise UsageError(str(exc)) from None
    except differ.DescriptorProblems as exc:
        sys.stdout.write(RENDERERS["text"](exc.problems))
        print(f"python -m validate diff: {exc}; nothing to compare", file=sys.stderr)
        return 1
    except (csv.Error, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        print(f"python -m validate diff: cannot read the package ({type(exc).__name__}: {exc}); run python -m validate first", file=sys.stderr)
        return 1
    if base != rev:
        result.base = f"{base} ({rev[:12]})"
    sys.stdout.write(differ.RENDERERS[format](result))
    if check_version:
        try:
            problems = differ.version_problems(result, path)
        except differ.DescriptorProblems as exc:  # the working tree, read for retired ids
            sys.stdout.write(RENDERERS["text"](exc.problems))
            print(f"python -m validate diff: {exc}; the version cannot be checked", file=sys.stderr)
            return 1
        for text in problems:
            print(f"version: {text}", file=sys.stderr)
        return 1 if problems else 0
    return 0


def bump(path: Path, base: str = "release") -> int:
    """Release the change in the working tree at PATH: set the version its row-level diff against
    BASE (default: the last release) requires, draft the CHANGELOG.md section naming every added,
    removed and corrected id for you to edit, record removed ids as retired, and regenerate the
    generated files (codebook, agreement page, timeline, README tables, CITATION.cff). Running it
    again changes nothing.
    Afterwards: edit the CHANGELOG prose, run make test, commit everything in one commit."""
    from .diff import GitError
    from .release import bump as release

    imported()

    if _valid_descriptor(path, "bump") is None:
        return 1
    from .paths import PathRefused

    try:
        result = release(path, base)
    except GitError as exc:
        raise UsageError(str(exc)) from None
    except PathRefused as exc:  # a generated file's place leaves the package
        print(_refused(exc))
        return 1
    if result.new is None:
        print(f"No change since {base} ({result.base[:12]}, version {result.old}): nothing to release.")
        return 0
    from .versioning import LEVELS

    print(f"{LEVELS[result.level]} change since {base} ({result.base[:12]}): version {result.old} -> {result.new}")
    for name in result.written:
        print(f"{name}: written")
    _unresolved(path, None)
    if "CHANGELOG.md" in result.written:
        from .versioning import draft_left

        at = draft_left(path, result.new)
        where = f"CHANGELOG.md line {at}" if at is not None else "CHANGELOG.md"
        print(f"Now edit the draft section '## [{result.new}]' at {where}: replace each 'WHY:' with why the change was made.")
    return 0


def export(path: Path, out: Path | None = None) -> int:
    """Validate the package at PATH, then write the downloads to OUT (default PATH/dist): the
    package as a zip (one folder, with a README for researchers), Parquet, JSON and Stata files
    per table, one SQLite database with views and its metadata.json for Datasette, and SHA256SUMS.
    If the package is invalid nothing is written; the new files replace the old directory only
    once all of them are complete. OUT must be absent, empty, or an earlier export (holding
    SHA256SUMS), and neither the package, the working directory, nor a folder holding either: any
    other file or directory is left as it is and the command exits 2."""
    from publish.export import ExportRefused, build

    imported()

    desc = _valid_descriptor(path, "export")
    if desc is None or _not_plain(desc, "export", inline_only=True):
        return 1
    target = out if out is not None else path / "dist"
    try:
        written = build(path, desc, target)
    except ExportRefused as exc:
        sys.stdout.write(RENDERERS["text"](exc.problems))
        print("python -m validate export: nothing was written", file=sys.stderr)
        return 1
    except OutRefused as exc:
        raise UsageError(f"{exc}; nothing was written") from None
    for name in written:
        print(one_line(f"{target.as_posix().rstrip('/')}/{name}"))
    return 0


def site(path: Path, dist: Path | None = None, out: Path | None = None) -> int:
    """Build the site OUT (default PATH/site) from the package at PATH and the downloads in DIST
    (default PATH/dist, made by `export`): the landing page index.html (source, downloads, timeline,
    a browser for every row of every table, citation with BibTeX, schema.org JSON-LD), the
    annotated article article.html (every evidence span in the text, linked to its rows), and the
    codebook, coding decisions and agreement report as pages. Self-contained: no request to another
    host, and only the site's own script runs. DIST is copied beside the pages. OUT must be
    absent, empty, or an earlier site (holding index.html), outside DIST, and neither the package,
    DIST, the working directory, nor a folder holding one of them; anything else is left as it is."""
    from publish.site import build

    imported()

    dist = dist if dist is not None else path / "dist"
    if not (dist / "SHA256SUMS").is_file():
        raise UsageError(f"{dist} has no SHA256SUMS; run python -m validate export (make dist) first")
    desc = _valid_descriptor(path, "site")
    if desc is None or _not_plain(desc, "site", inline_only=True):
        return 1
    for needed in ("CITATION.cff", "docs/codebook.md"):
        if not (path / needed).is_file() or (path / needed).is_symlink():
            raise UsageError(f"{needed} is missing or not a regular file; run python -m validate docs, and keep CITATION.cff")
    from publish.docs import stale

    from .agreement import AgreementError
    from .crosswalk import CrosswalkError
    from .paths import PathRefused

    try:
        old = sorted(p.relative_to(path).as_posix() for p in stale(path, desc))
    except (AgreementError, CrosswalkError, PathRefused) as exc:  # a generated page cannot be made: docs says the same
        print(f"python -m validate site: {exc}; nothing was written", file=sys.stderr)
        return 1
    if old:  # the pages show the generated docs: stale ones would contradict the data beside them
        for name in old:
            print(f"{name}: stale; run python -m validate docs (make docs)")
        print("python -m validate site: generated files are stale; nothing was written", file=sys.stderr)
        return 1
    links = [p.relative_to(dist).as_posix() for p in dist.rglob("*") if p.is_symlink()]
    if links:
        raise UsageError(f"{dist} holds symbolic links ({', '.join(links[:3])}); the site copies only regular files")
    import yaml

    try:
        print(one_line(str(build(path, desc, dist, out if out is not None else path / "site"))))
    except PathRefused as exc:  # a page's input is a link out of the package, or not a regular file
        print(one_line(f"{exc.detail.split(' ')[0]}:1:1: {exc.code}: {exc.detail}; nothing was written"))
        return 1
    except OutRefused as exc:
        raise UsageError(f"{exc}; nothing was written") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, yaml.YAMLError) as exc:  # CITATION.cff or dist/ of another shape
        raise UsageError(f"cannot build the page ({type(exc).__name__}: {exc})") from None
    return 0


def synth(out: Path, rows: int, seed: int = 0, path: Path = Path(".")) -> int:
    """Write a synthetic package with ROWS events to OUT (a new directory), valid under the
    descriptor of the package at --from (default .) and under every rule: proportional actors,
    link rows and commitments, and archived texts with exact evidence spans. The same seed
    always gives the same bytes."""
    from .synth import synth as make

    imported()

    if rows < 1:
        raise UsageError("--rows must be at least 1")
    if out.exists():
        raise UsageError(f"{out} exists; synth writes a new directory")
    for name, count in make(path, out, rows, seed).items():
        print(f"{name}: {count} rows")
    return 0


def bench(path: Path, sizes: str = "10000,100000,1000000", work: Path | None = None, seed: int = 0, frictionless: bool = True) -> int:
    """Time, one process after the other on the same synthetic packages (made by synth, kept in
    WORK for reuse): Arrow reading every table as strings (the floor), our full validation, our
    validation of a copy whose events table is in random order, and `frictionless validate`
    (unless --no-frictionless). Print wall time, rows per second, peak memory and problem codes
    per run, then the ratios against the speed targets, as Markdown tables."""
    import tempfile

    from .bench import bench as run, report

    imported()

    try:
        counts = [int(x) for x in sizes.split(",") if x.strip()]
    except ValueError:
        raise UsageError(f"--sizes must be comma-separated integers, not {sizes!r}") from None
    if not counts or min(counts) < 1:
        raise UsageError("--sizes needs at least one positive size")
    work = work if work is not None else Path(tempfile.gettempdir()) / "validate-bench"
    runs = run(path, counts, work, seed, frictionless)
    sys.stdout.write(report(runs))
    ok = all(r.exit_code == 0 for r in runs if r.tool != "validate-shuffled")
    return 0 if ok and all(r.codes == ("not-canonical",) for r in runs if r.tool == "validate-shuffled") else 1


def workbook(path: Path, out: Path | None = None) -> int:
    """Validate the package at PATH, then write its tables as one .xlsx workbook to OUT (default
    PATH/workbook.xlsx) for editing in a spreadsheet: one sheet per table, every cell stored as
    text (so 016 and 2024-10 stay as they are), a drop-down list of the referenced codes in every
    column with a foreign key, each field's title and description as a comment on its header,
    and the header row frozen. Bring the edits back with import-workbook. OUT must end in .xlsx
    (a spreadsheet opens a workbook by its name; a table of the package does not). An existing OUT
    is replaced only if this command made it and none of its sheets was edited since."""
    from .workbook import export

    imported()

    target = out if out is not None else path / "workbook.xlsx"
    if target.suffix.lower() != ".xlsx":
        raise UsageError(f"{target} does not end in .xlsx; name the workbook FILE.xlsx")
    if target.is_dir():
        raise UsageError(f"{target} is a directory; name the workbook file inside it")
    desc = _valid_descriptor(path, "workbook")
    if desc is None or _not_plain(desc, "workbook"):
        return 1
    _replaceable_workbook(path, target, desc)
    written = one_line(export(path, desc, target, lambda: _replaceable_workbook(path, target, desc)).as_posix())
    print(written)
    print(f"Edit it in a spreadsheet, save it as .xlsx, then run python -m validate import-workbook {written} "
          f"{one_line(path.as_posix())} (make import-workbook)", file=sys.stderr)
    return 0


def _replaceable_workbook(path: Path, target: Path, desc) -> None:
    """Refuse to write over a link or anything but a regular file, a file this tool did not make,
    or a workbook it made whose sheets hold edits not imported yet."""
    import stat

    from .workbook import WorkbookError, unimported

    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode):
        raise UsageError(f"{target} is a link; name a file")
    if not stat.S_ISREG(info.st_mode):  # a FIFO would block the read below
        raise UsageError(f"{target} is not a regular file; name a file")
    try:
        edited = unimported(path, target, desc)
    except WorkbookError:
        edited = None
    if edited is None:
        raise UsageError(f"{target} exists and is not a workbook made by this tool; name a new file, or remove it yourself")
    if edited:
        raise UsageError(f"{target} holds edits to {', '.join(edited)} that are not imported yet: import them first "
                         f"(python -m validate import-workbook {target}), or remove the file to discard them")


def import_workbook(file: Path, path: Path, replace: bool = False) -> int:
    """Write the sheets of the workbook FILE (made by the workbook command, then edited) back
    into the canonical CSVs of the package at PATH. A cell that became a number or a date in the
    spreadsheet is turned back into text: in a date or number field as the value it holds; in a
    code that lost its leading zeros where exactly one value fits (016 from 16, as fmt does), and
    then listed; anything else is reported at its sheet and cell as FILE:SHEET!CELL:field: code:
    message. All or nothing: the package with the workbook's tables is validated first, and
    nothing is written unless it is valid. A CSV changed since the workbook was made keeps its
    change when its sheet was not edited, and stops the import when it was; --replace writes
    the sheets over the CSVs regardless (and imports a workbook that records no state). Then
    run validate and diff."""
    from .descriptor import load
    from .workbook import WorkbookError, import_workbook as run

    imported()

    if not file.is_file():
        raise UsageError(f"{file} is not a file; make one with python -m validate workbook (make workbook)")
    desc, problems = load(path)
    if desc is None:
        sys.stdout.write(RENDERERS["text"](problems))
        return 1
    if _not_plain(desc, "import-workbook"):
        return 1
    try:
        written, notes, problems, kept = run(path, desc, file, one_line(file.name), replace)
    except WorkbookError as exc:
        raise UsageError(str(exc)) from None
    if problems:
        for p in problems:
            print(one_line(p) if isinstance(p, str) else p.format())
        print(f"python -m validate import-workbook: nothing was written; fix the cells above in {one_line(file.name)} first", file=sys.stderr)
        return 1
    for note in notes:
        print(f"{note}: repaired")
    for name in written:
        print(f"{name}: written")
    for name in kept:
        print(f"{name}: kept as it is (changed since the workbook was made; its sheet was not edited)")
    if not written:
        print("no change: the workbook holds the package as it is")
    return 0


def _unresolved(path: Path, desc) -> bool:
    """Say which disagreements with the second coding have no reviewed resolution (the agreement
    page shows them as unresolved); whether there are any."""
    from .agreement import RESOLUTIONS, unresolved

    left = unresolved(path, desc)
    for unit, field in left:
        print(one_line(f"{RESOLUTIONS.as_posix()}: no reviewed row for ({unit}, {field}), where the package now differs "
                       "from the second coding; add one (make test fails until then)"), file=sys.stderr)
    return bool(left)


def _cut(text: str, limit: int = 2000) -> str:
    """A message a reader can take in: an error quoting every path of a tree ran to 778,128 characters."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters in all)"


def _refused(exc) -> str:
    """A generated file refused by publish.docs.inside, located at the file it names."""
    named = exc.detail.split("'")[1] if exc.detail.count("'") >= 2 else "datapackage.json"
    return one_line(f"{named}:1:1: {exc.code}: {exc.detail}; nothing was written")


def _valid_descriptor(path: Path, command: str):
    """The descriptor of the package at PATH if the package is valid; else print why and return None.
    Commands that write call this first, so that nothing is written from invalid data."""
    from .core import validate_package
    from .descriptor import load

    desc, problems = load(path)  # a descriptor with problems refuses the command without reading a table
    if desc is not None:
        problems = validate_package(path)
    if problems:
        sys.stdout.write(RENDERERS["text"](problems))
        print(f"python -m validate {command}: the package is invalid; nothing was written", file=sys.stderr)
        return None
    if command in PUBLISHING:  # the spec makes name and version optional; what this project publishes is named by them
        missing = [k for k in ("name", "version", "title") if not isinstance(desc.data.get(k), str) or not desc.data.get(k)]
        if missing:
            print(f"datapackage.json:1:1: descriptor-error: {command} names what it writes after the package's "
                  f"{', '.join(missing)}, which the descriptor does not give as text; add {' and '.join(missing)}")
            print(f"python -m validate {command}: nothing was written", file=sys.stderr)
            return None
    return desc


PUBLISHING = {"docs", "bump", "export", "site"}


def _not_plain(desc, command: str, inline_only: bool = False) -> bool:
    """Print why COMMAND cannot round-trip a table read through a dialect, gzip or inline data
    (with `inline_only`, only inline data); True if any."""
    from .dialect import not_plain_problems

    problems = not_plain_problems(desc, command, inline_only)
    if problems:
        sys.stdout.write(RENDERERS["text"](problems))
        print(f"python -m validate {command}: nothing was written", file=sys.stderr)
    return bool(problems)


class UsageError(Exception):
    pass


def _path(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="?", default=".", type=Path, metavar="PATH", help="package directory (default: .)")


def _check_args(p: argparse.ArgumentParser) -> None:
    _path(p)
    p.add_argument("--format", choices=sorted(RENDERERS), default="text", help="text for people, json for machines, github for workflow annotations")
    p.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, help=f"refuse files larger than this (default {DEFAULT_MAX_BYTES})")


def _docs_args(p: argparse.ArgumentParser) -> None:
    _path(p)
    p.add_argument("--check", action="store_true", help="report stale files instead of writing them")


def _fmt_args(p: argparse.ArgumentParser) -> None:
    _path(p)
    p.add_argument("--check", action="store_true", help="list the files and lines that differ instead of rewriting them")
    p.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, help=f"refuse files larger than this (default {DEFAULT_MAX_BYTES})")


def _diff_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("base", metavar="BASE", help="a released version (0.1.0), 'release' (the last release) or a git revision")
    _path(p)
    p.add_argument("--to", default=None, metavar="TO", help="compare with this released version or revision instead of the working tree")
    p.add_argument("--format", choices=["text", "json", "markdown"], default="text", help="markdown fits a pull-request comment or $GITHUB_STEP_SUMMARY")
    p.add_argument("--check-version", action="store_true", help="exit 1 unless the version bump and CHANGELOG.md fit the change")


def _bump_args(p: argparse.ArgumentParser) -> None:
    _path(p)
    p.add_argument("--base", default="release", help="the release to measure the change against (default: the last release)")


def _export_args(p: argparse.ArgumentParser) -> None:
    _path(p)
    p.add_argument("--out", type=Path, default=None, help="directory to (re)create (default: PATH/dist)")


def _site_args(p: argparse.ArgumentParser) -> None:
    _path(p)
    p.add_argument("--dist", type=Path, default=None, help="downloads made by export (default: PATH/dist)")
    p.add_argument("--out", type=Path, default=None, help="directory to (re)create (default: PATH/site)")


def _synth_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("out", type=Path, metavar="OUT", help="directory to create")
    p.add_argument("--rows", type=int, required=True, help="number of events")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--from", dest="path", type=Path, default=Path("."), metavar="PATH", help="package whose descriptor and vocabularies to use (default: .)")


def _bench_args(p: argparse.ArgumentParser) -> None:
    _path(p)
    p.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated event counts (default 10000,100000,1000000)")
    p.add_argument("--work", type=Path, default=None, help="where to keep the synthetic packages (default: a temporary directory)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the synthetic packages")
    p.add_argument("--no-frictionless", dest="frictionless", action="store_false", help="skip the (slow) frictionless runs")


def _workbook_args(p: argparse.ArgumentParser) -> None:
    _path(p)
    p.add_argument("--out", type=Path, default=None, help="workbook to write (default: PATH/workbook.xlsx)")


def _import_workbook_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, metavar="FILE", help="the edited .xlsx workbook")
    _path(p)
    p.add_argument("--replace", action="store_true",
                   help="write the sheets over CSVs changed since the workbook was made (their change is undone)")


COMMANDS = {"check": (check, _check_args), "fmt": (fmt, _fmt_args), "diff": (diff, _diff_args), "bump": (bump, _bump_args), "export": (export, _export_args), "site": (site, _site_args), "synth": (synth, _synth_args), "bench": (bench, _bench_args), "docs": (docs, _docs_args),
            "workbook": (workbook, _workbook_args), "import-workbook": (import_workbook, _import_workbook_args)}


def parser(command: str) -> argparse.ArgumentParser:
    func, add_args = COMMANDS[command]
    p = argparse.ArgumentParser(prog=f"python -m validate {command}", description=func.__doc__)
    add_args(p)
    return p


def overview() -> str:
    """`python -m validate --help`: every command with the first sentence of its help."""
    lines = ["usage: python -m validate [COMMAND] [PATH] [OPTIONS]", "",
             "Check, format, compare, release and publish a data package (PATH, default: the working directory).",
             "Without a COMMAND, check it. `python -m validate COMMAND --help` tells more.", "", "commands:"]
    for name, (func, _) in COMMANDS.items():
        first = " ".join(func.__doc__.split(". ")[0].split(": ")[0].split()).rstrip(".")
        lines.append(f"  {name:<16} {first}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] in (["-h"], ["--help"]):
        sys.stdout.write(overview())
        return 0
    if argv and argv[0] not in COMMANDS and not argv[0].startswith("-") and not Path(argv[0]).exists() and "/" not in argv[0] and "." not in argv[0]:
        print(f"python -m validate: unknown command {argv[0]!r}; the commands are {', '.join(COMMANDS)} "
              "(or a package directory to check); see python -m validate --help", file=sys.stderr)
        return USAGE_ERROR
    command = argv.pop(0) if argv and argv[0] in COMMANDS else "check"
    try:
        args = parser(command).parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors and 0 after --help
        return int(exc.code or 0)
    if not args.path.is_dir():
        print(f"python -m validate: {one_line(str(args.path))} is not a directory", file=sys.stderr)
        return USAGE_ERROR
    previous = _on_terminate()
    try:
        return COMMANDS[command][0](**vars(args))
    except UsageError as exc:
        print(f"python -m validate {command}: {_cut(one_line(str(exc)))}", file=sys.stderr)
        return USAGE_ERROR
    except (KeyboardInterrupt, Terminated):  # the cleanup in every finally block has run
        print(f"python -m validate {command}: interrupted; every file is as it was or complete", file=sys.stderr)
        return USAGE_ERROR
    except OSError as exc:  # the machine's answer (a full disk, a path through a file), not a bug of this tool
        where = exc.filename if exc.filename is not None else ""
        print(f"python -m validate {command}: cannot write or read {one_line(str(where))}: {one_line(exc.strerror or str(exc))}", file=sys.stderr)
        return USAGE_ERROR
    except Exception as exc:  # a bug in this tool must still not print a traceback at a contributor
        print(f"python -m validate: internal error ({type(exc).__name__}: {_cut(one_line(str(exc)))}); please report it", file=sys.stderr)
        return USAGE_ERROR
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that temporary files and directories are removed."""


def _on_terminate():
    """Turn SIGTERM into an exception (the default would kill the process before any cleanup);
    returns the previous handler, or None where no handler can be set (not the main thread)."""
    def handler(signum, frame):
        raise Terminated()

    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:
        return None
