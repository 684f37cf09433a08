"""Output directories replaced whole (export's dist/, site's site/), and never anything else.

A run builds its directory under a hidden name beside OUT and swaps it in. Whether OUT may be
replaced is decided by a marker file the run writes and nothing a user makes by chance holds: a
folder with a SHA256SUMS or an index.html of its own is a user's folder."""

from __future__ import annotations

import ctypes
import errno
import os
import re
import stat
import tempfile
from contextlib import contextmanager, suppress
from pathlib import Path

from .paths import _TEMP, NAME_MAX, PID, PID_MAX, _remove, ended, sweep


class OutRefused(Exception):
    """`out` holds something no earlier run made, or what replacing it would delete."""


MANIFEST_MAX = 4 * 1024 * 1024


def marker(kind: str) -> tuple[str, bytes]:
    """The name of the file that says a directory is an earlier `kind` run's, and its first line;
    the lines after it name every file and folder that run made."""
    return f".validate-{kind}", f"made by python -m validate {kind}: the next run replaces this directory whole\n".encode()


def made(directory: Path, kind: str) -> set[str] | None:
    """What an earlier `kind` run made in `directory` (its paths, relative), or None when no run
    of this tool made it."""
    name, head = marker(kind)
    path = os.path.join(directory, name)
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        with open(path, "rb") as fh:
            data = fh.read(MANIFEST_MAX + 1)
    except OSError:
        return None
    if not data.startswith(head) or len(data) > MANIFEST_MAX:
        return None
    return {line for line in data[len(head):].decode("utf-8", "replace").split("\n") if line} | {name}


def made_by(directory: Path, kind: str) -> bool:
    return made(directory, kind) is not None


def _entries(directory: Path) -> set[str]:
    return {p.relative_to(directory).as_posix() for p in directory.rglob("*")}


def _identities(path: Path) -> set[tuple[int, int]]:
    """(device, inode) of `path` and of every directory above it: a bind mount or a second name
    of the same directory has the same identity."""
    found = set()
    for at in (Path(os.path.realpath(path)), *Path(os.path.realpath(path)).parents):
        with suppress(OSError):
            info = os.stat(at)
            found.add((info.st_dev, info.st_ino))
    return found


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def apart(out: Path, keep: dict[str, Path], within: dict[str, Path]) -> None:
    """Refuse an `out` that is or holds a directory of `keep` (the package, the working directory:
    replacing `out` whole would delete it), or lies in one of `within` (a directory copied into
    `out`, which would copy itself), or that has a name no file system here can take as given."""
    try:
        os.fsencode(out).decode("utf-8")
    except UnicodeError:
        raise OutRefused(f"{out!r} is not a UTF-8 name; name a directory in UTF-8") from None
    if len(os.fsencode(out.name)) > NAME_MAX - len(f".-old-{PID_MAX}-xxxxxxxx"):  # room for the hidden copy beside it
        raise OutRefused(f"{out.name[:40]}... is too long a name: the hidden copy built beside it must fit in {NAME_MAX} bytes")
    real = Path(os.path.realpath(out))
    with suppress(OSError):  # a working directory that was removed holds nothing
        keep = keep | {"the working directory": Path.cwd()}
    for label, path in keep.items():
        if Path(os.path.realpath(path)).is_relative_to(real) or _identity(out) in _identities(path):
            raise OutRefused(f"{out} is or holds {label} ({path}), which replacing it whole would delete; name another directory")
    for label, path in within.items():
        if real.is_relative_to(os.path.realpath(path)) or _identity(path) in _identities(out):
            raise OutRefused(f"{out} lies in {label} ({path}), which is copied into it; name a directory outside it")


def replaceable(out: Path, kind: str, what: str) -> None:
    """Refuse an `out` that is a file, a link, or a directory with entries but without the marker
    of an earlier `kind` run: `--out` pointed at a user's folder, or at a folder of the package,
    must not replace it."""
    try:
        info = os.lstat(out)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(info.st_mode):
        kind_of = "a link" if stat.S_ISLNK(info.st_mode) else "a file"
        raise OutRefused(f"{out} is {kind_of}, not {what}; name a new or an empty directory")
    with os.scandir(out) as entries:
        if next(entries, None) is None:
            return
    ours = made(out, kind)
    if ours is None:
        raise OutRefused(f"{out} is not {what} made by this tool (it holds no {marker(kind)[0]}; one made by an "
                         "older version of this tool holds none) and would be replaced whole; name a new or an empty "
                         "directory, or remove it yourself")
    added = sorted(_entries(out) - ours)
    if added:  # a GitHub Pages CNAME, notes: put there by hand, they would go with the rest
        shown = ", ".join(added[:3]) + (f" and {len(added) - 3} more" if len(added) > 3 else "")
        raise OutRefused(f"{out} holds what no earlier run made ({shown}), which replacing it would delete; "
                         "move it out, or remove it yourself")


def _old(out: Path) -> re.Pattern:
    return re.compile(rf"\.{re.escape(out.name)}-old-{PID}-{_TEMP}")


def _recover(out: Path, kind: str) -> None:
    """A run killed between the two renames of the fallback left no `out`, and the old one under
    a hidden name: put it back. Only that name, of a run that is over, holding the marker: a
    user's '.dist-old-backup' is not an earlier export."""
    if os.path.lexists(out):
        return
    with suppress(OSError), os.scandir(out.parent) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            m = _old(out).fullmatch(entry.name)
            if m and ended(int(m.group("pid"))) and entry.is_dir(follow_symlinks=False) and made_by(Path(entry.path), kind):
                os.rename(entry.path, out)
                return


RENAME_EXCHANGE = 2
AT_FDCWD = -100


def exchange(a: Path, b: Path) -> None:
    """Swap two paths in one atomic step (Linux renameat2 RENAME_EXCHANGE); OSError where the
    system or file system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError) as exc:
        raise OSError(errno.ENOSYS, "renameat2 is not available") from exc
    if renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


@contextmanager
def new_directory(out: Path, kind: str, what: str, keep: dict[str, Path] | None = None, within: dict[str, Path] | None = None):
    """Yield an empty directory beside `out`; when the block succeeds, the marker of a `kind` run
    is written in it (naming all it holds) and it replaces `out` whole, when it fails it is removed and `out` is left as it
    was. The swap is one atomic exchange where the system has one (Linux), so a kill at any moment
    leaves the old or the new `out`; what a killed run leaves under a hidden name is removed by the
    next run. Only an `out` that is absent, empty, or made by an earlier run (see `replaceable`),
    and apart from `keep` and `within` (see `apart`), is replaced; the check is made again just
    before the swap, as `out` may have been filled while the block ran."""
    apart(out, keep or {}, within or {})
    _recover(out, kind)
    replaceable(out, kind, what)
    out.parent.mkdir(parents=True, exist_ok=True)
    sweep(out.parent, re.compile(rf"\.{re.escape(out.name)}-(?:old-)?{PID}-{_TEMP}"))
    # absolute, so that a library given a path under it never reads 'file:x' or 's3:x' as a URI
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}-{os.getpid()}-", dir=os.path.abspath(out.parent)))
    try:
        work.chmod(0o755)  # mkdtemp makes it private
        yield work
        name, head = marker(kind)
        (work / name).write_bytes(head + "".join(f"{entry}\n" for entry in sorted(_entries(work))).encode())
        replaceable(out, kind, what)
        if not os.path.lexists(out):
            os.rename(work, out)
            return
        try:
            exchange(work, out)  # work now holds the old directory
        except OSError:
            old = out.with_name(f".{out.name}-old-{os.getpid()}-{work.name[-8:]}")  # mkdtemp's random part: a name no user picks
            os.replace(out, old)
            os.replace(work, out)
            _remove(old)
    finally:
        _remove(work)
