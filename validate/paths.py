"""Opening files named by untrusted data without leaving the package or hanging on special files."""

from __future__ import annotations

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
# A pid as a name holds it: Linux's pids stop at 2**22. A larger number ('.dist-old-20240101') is
# no run's, and is never removed as one.
PID = "(?P<pid>[1-9][0-9]{0,6})"
PID_MAX = 2 ** 22
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
    if pid > PID_MAX:  # no process: but no run of ours either (see ended)
        return True
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
            if m and ended(int(m.group("pid"))):
                _remove(Path(entry.path))


def ended(pid: int) -> bool:
    """The run `pid` named is over: this process (whose earlier runs are), or none alive."""
    return pid == os.getpid() or not _alive(pid)


def write_all_atomic(files: dict[Path, str | bytes]) -> None:
    """Write every file to a temporary beside it first, then rename them all into place. A failure
    while writing leaves every target as it was; only the renames, each atomic, come after.
    Temporaries carry the writer's pid, so a later run removes those a killed run left."""
    temps: dict[Path, str] = {}
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            sweep(path.parent, re.compile(rf"\.{re.escape(path.name)}\.{PID}\.{_TEMP}\.tmp"))
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


@contextmanager
def scratch_directory(kind: str):
    """A private temporary directory named with the pid, after removing those killed runs left."""
    base = Path(tempfile.gettempdir())
    sweep(base, re.compile(rf"validate-{re.escape(kind)}-{PID}-{_TEMP}"))
    with tempfile.TemporaryDirectory(prefix=f"validate-{kind}-{os.getpid()}-", dir=base) as scratch:
        yield Path(scratch)
