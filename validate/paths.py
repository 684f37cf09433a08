"""Opening files named by untrusted data without leaving the package or hanging on special files."""

from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
import stat
import tempfile
from contextlib import contextmanager, suppress
from pathlib import Path, PurePosixPath

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
# The random part tempfile adds to a prefix: a sweep removes only names of that exact form, never
# a user's own '.dist-2024-notes'.
_TEMP = "[a-z0-9_]{8}"
NAME_MAX = 255  # bytes of one file name on Linux's file systems
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//")


class PathRefused(Exception):
    """A path that must not be opened; `code` is the problem code to report."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code = code
        self.detail = detail


def resolve(root: Path, rel: object) -> Path:
    """The real path of `rel` inside `root`, refusing URLs, absolute paths, '..' and links that leave."""
    if not isinstance(rel, str) or not rel.strip():
        raise PathRefused("descriptor-error", f"path {rel!r} is not a non-empty string")
    if _URL.match(rel):
        raise PathRefused("unsafe-path", f"path {rel!r} is a URL; nothing is fetched from the network")
    posix = PurePosixPath(rel)
    if posix.is_absolute() or "\\" in rel or "\x00" in rel:
        raise PathRefused("unsafe-path", f"path {rel!r} is absolute or not a plain relative POSIX path")
    if ".." in posix.parts:
        raise PathRefused("unsafe-path", f"path {rel!r} contains '..'")
    real_root = os.path.realpath(root)
    real = os.path.realpath(os.path.join(real_root, *posix.parts))
    if os.path.commonpath([real_root, real]) != real_root:
        raise PathRefused("unsafe-path", f"path {rel!r} is or passes through a symbolic link that leaves the package")
    return Path(real)


def file_size(root: Path, rel: object) -> int:
    """The size of the file at `rel` inside the package; 0 when it is refused or missing (reading
    it says why)."""
    try:
        return os.stat(resolve(root, rel)).st_size
    except (PathRefused, OSError):
        return 0


def read_bytes(root: Path, rel: object, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of a regular file inside the package, or PathRefused saying why not."""
    path = resolve(root, rel)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise PathRefused("missing-file", f"{rel} does not exist") from None
    except OSError as exc:
        raise PathRefused("missing-file", f"{rel} cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(st.st_mode):  # a FIFO or device would block or never end
        raise PathRefused("missing-file", f"{rel} is not a regular file")
    if st.st_size > max_bytes:
        raise PathRefused("file-too-large", f"{rel} is {st.st_size} bytes, over the limit of {max_bytes}")
    try:
        with open(path, "rb") as fh:
            return fh.read(st.st_size + 1)  # the size was checked; never allocate max_bytes
    except OSError as exc:
        raise PathRefused("missing-file", f"{rel} cannot be read ({exc.strerror})") from None


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write to a temporary file beside `path` and rename it into place: never a half-written file."""
    write_all_atomic({path: text})


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with suppress(OSError):
            path.unlink()


def sweep(directory: Path, pattern: re.Pattern) -> None:
    """Remove what killed or failed runs left in `directory`: entries named by `pattern` whose
    group 'pid' is a process that no longer exists, or this one (whose earlier runs are over: a
    sweep comes before a run makes its own). Another run still going keeps its own."""
    with suppress(OSError):
        for entry in os.scandir(directory):
            m = pattern.fullmatch(entry.name)
            if m and (int(m.group("pid")) == os.getpid() or not _alive(int(m.group("pid")))):
                _remove(Path(entry.path))


def write_all_atomic(files: dict[Path, str | bytes]) -> None:
    """Write every file to a temporary beside it first, then rename them all into place. A failure
    while writing leaves every target as it was; only the renames, each atomic, come after.
    Temporaries carry the writer's pid, so a later run removes those a killed run left."""
    temps: dict[Path, str] = {}
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            sweep(path.parent, re.compile(rf"\.{re.escape(path.name)}\.(?P<pid>[0-9]+)\.{_TEMP}\.tmp"))
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp")
            temps[path] = tmp
            # mkstemp creates 0600; keep the target's mode, or the usual 0644 for a new file
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode) if path.exists() else 0o644)
            with os.fdopen(fd, "wb") as fh:
                fh.write(text.encode("utf-8") if isinstance(text, str) else text)
                fh.flush()
                os.fsync(fh.fileno())
        for path, tmp in temps.items():
            os.replace(tmp, path)
    finally:
        for tmp in temps.values():
            if os.path.exists(tmp):
                os.unlink(tmp)


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


def _old(out: Path) -> re.Pattern:
    return re.compile(rf"\.{re.escape(out.name)}-old-(?P<pid>[0-9]+)")


def _recover(out: Path, mark: str) -> None:
    """A run killed between the two renames of the fallback left no `out`, and the old one under
    a hidden name: put it back. Only that name, of a run that is over, holding `mark`: a user's
    '.dist-old-backup' is not an earlier export."""
    if os.path.lexists(out):
        return
    with suppress(OSError), os.scandir(out.parent) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            m = _old(out).fullmatch(entry.name)
            if not m or (int(m.group("pid")) != os.getpid() and _alive(int(m.group("pid")))):
                continue
            if entry.is_dir(follow_symlinks=False) and os.path.isfile(os.path.join(entry.path, mark)) \
                    and not os.path.islink(os.path.join(entry.path, mark)):
                os.rename(entry.path, out)
                return


class OutRefused(Exception):
    """`out` holds something no earlier run made: replacing it whole would delete it."""


def apart(out: Path, keep: dict[str, Path], within: dict[str, Path]) -> None:
    """Refuse an `out` that is or holds a directory of `keep` (the package, the working directory:
    replacing `out` whole would delete it), or lies in one of `within` (a directory copied into
    `out`, which would copy itself), or that has a name no file system here can take as given."""
    try:
        os.fsencode(out).decode("utf-8")
    except UnicodeError:
        raise OutRefused(f"{out!r} is not a UTF-8 name; name a directory in UTF-8") from None
    if len(os.fsencode(out.name)) > NAME_MAX - len(f".-{2 ** 22}-xxxxxxxx"):  # room for the hidden temporary beside it
        raise OutRefused(f"{out.name[:40]}... is too long a name: the hidden copy built beside it must fit in {NAME_MAX} bytes")
    real = Path(os.path.realpath(out))
    with suppress(OSError):  # a working directory that was removed holds nothing
        keep = keep | {"the working directory": Path.cwd()}
    for label, path in keep.items():
        if Path(os.path.realpath(path)).is_relative_to(real):
            raise OutRefused(f"{out} is or holds {label} ({path}), which replacing it whole would delete; name another directory")
    for label, path in within.items():
        if real.is_relative_to(os.path.realpath(path)):
            raise OutRefused(f"{out} lies in {label} ({path}), which is copied into it; name a directory outside it")


def replaceable(out: Path, mark: str, what: str) -> None:
    """Refuse an `out` that is a file, a link, or a directory with entries but without `mark`, the
    file every run writes (SHA256SUMS for an export): `--out` pointed at a user's folder, or at the
    package itself, must not replace it."""
    try:
        info = os.lstat(out)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(info.st_mode):
        kind = "a link" if stat.S_ISLNK(info.st_mode) else "a file"
        raise OutRefused(f"{out} is {kind}, not {what}; name a new or an empty directory")
    with os.scandir(out) as entries:
        if next(entries, None) is None:
            return
    try:
        made = stat.S_ISREG(os.lstat(out / mark).st_mode)
    except OSError:
        made = False
    if not made:
        raise OutRefused(f"{out} is not {what} (it holds no {mark}) and would be replaced whole; "
                         "name a new or an empty directory, or remove it yourself")


@contextmanager
def new_directory(out: Path, mark: str, what: str, keep: dict[str, Path] | None = None, within: dict[str, Path] | None = None):
    """Yield an empty directory beside `out`; when the block succeeds it replaces `out` whole,
    when it fails it is removed and `out` is left as it was. The swap is one atomic exchange where
    the system has one (Linux), so a kill at any moment leaves the old or the new `out`; what a
    killed run leaves under a hidden name is removed by the next run. Only an `out` that is absent,
    empty, or made by an earlier run (see `replaceable`), and apart from `keep` and `within` (see
    `apart`), is replaced; the check is made again just before the swap, as `out` may have been
    filled while the block ran."""
    apart(out, keep or {}, within or {})
    _recover(out, mark)
    replaceable(out, mark, what)
    out.parent.mkdir(parents=True, exist_ok=True)
    sweep(out.parent, re.compile(rf"\.{re.escape(out.name)}-(?P<pid>[0-9]+)-{_TEMP}"))
    sweep(out.parent, _old(out))
    # absolute, so that a library given a path under it never reads 'file:x' or 's3:x' as a URI
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}-{os.getpid()}-", dir=os.path.abspath(out.parent)))
    try:
        work.chmod(0o755)  # mkdtemp makes it private
        yield work
        replaceable(out, mark, what)
        if not os.path.lexists(out):
            os.rename(work, out)
            return
        try:
            exchange(work, out)  # work now holds the old directory
        except OSError:
            old = out.with_name(f".{out.name}-old-{os.getpid()}")
            os.replace(out, old)
            os.replace(work, out)
            _remove(old)
    finally:
        _remove(work)


@contextmanager
def scratch_directory(kind: str):
    """A private temporary directory named with the pid, after removing those killed runs left."""
    base = Path(tempfile.gettempdir())
    sweep(base, re.compile(rf"validate-{re.escape(kind)}-(?P<pid>[0-9]+)-{_TEMP}"))
    with tempfile.TemporaryDirectory(prefix=f"validate-{kind}-{os.getpid()}-", dir=base) as scratch:
        yield Path(scratch)
