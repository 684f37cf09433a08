"""Opening files named by untrusted data without leaving the package or hanging on special files."""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
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


def write_all_atomic(files: dict[Path, str | bytes]) -> None:
    """Write every file to a temporary beside it first, then rename them all into place. A failure
    while writing leaves every target as it was; only the renames, each atomic, come after."""
    temps: dict[Path, str] = {}
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
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
def new_directory(out: Path):
    """Yield an empty directory beside `out`; when the block succeeds it replaces `out` whole,
    when it fails it is removed and `out` is left as it was."""
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        work.chmod(0o755)  # mkdtemp makes it private
        yield work
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}-old-{os.getpid()}")
            os.replace(out, old)
        os.replace(work, out)
        if old is not None:
            shutil.rmtree(old)
    finally:
        shutil.rmtree(work, ignore_errors=True)
