"""Arrow's parse of a large CSV table, and starting it for the largest table before pandas and
pandera have imported.

Importing the libraries takes about a second of every run, holding the GIL; Arrow's CSV parse
releases it and takes about as long for the largest table of a 1M-event package. So `python -m
validate` starts the parse in a thread first (`prefetch`), and the reader takes the result
(`take`) instead of parsing again. The prefetch is best effort: it reads the descriptor without
checking it, and any surprise leaves nothing behind, so the reader does the work itself and
reports what is wrong. This module imports nothing but pyarrow and the package's path rules.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from . import dialect
from .paths import DEFAULT_MAX_BYTES, read_bytes, resolve

FAST_FROM_BYTES = 1 << 20  # below this a table goes through the strict reader alone
# Events at 1M (198 MB): one block for the whole file took 1.8 s on one core, with Arrow's pool at
# 904 MB at its highest; blocks of 16 MB take 0.45 s on two cores and 0.06 s to combine, at 381 MB.
BLOCK = 16 << 20
MAX_BLOCK = (1 << 31) - 1  # Arrow's block size is an int32


def parse(raw: bytes, fields: list[str]):
    """The pyarrow Table of `raw`, every field a large_string column in one chunk, or None when
    Arrow refuses it (the strict reader then locates the problem)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    def read(block: int):
        return pcsv.read_csv(
            pa.BufferReader(pa.py_buffer(raw)),  # the file's own bytes: a BytesIO was copied whole into Arrow's block
            read_options=pcsv.ReadOptions(use_threads=True, block_size=block),
            parse_options=pcsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pcsv.ConvertOptions(column_types={f: pa.large_string() for f in fields}, strings_can_be_null=False,
                                                quoted_strings_can_be_null=False, include_columns=fields),
        )

    try:
        try:  # blocks of BLOCK bytes, parsed on every core
            table = read(BLOCK)
        except pa.ArrowInvalid as exc:
            if "straddl" not in str(exc) or len(raw) < BLOCK:
                raise
            # a row longer than a block: the whole file as one block, or the strict reader would
            # read a large table in Python
            table = read(min(len(raw) + 1, MAX_BLOCK))
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError):
        return None
    # each column's chunks combined into one array, and the chunks let go of before the next
    # column: combined while the parsed table was still held, the columns were in memory twice
    # (events at 1M: Arrow's pool at 663 MB, not 350 MB, and 0.8 s, not 0.1 s, on fresh pages);
    # and the pool gives the freed chunks back at once, which it would keep (the parse's peak
    # 170 MB lower)
    pool = pa.default_memory_pool()
    pool.release_unused()  # the parse's own buffers: 280 MB for events at 1M
    names, columns = table.column_names, []
    while table.num_columns:
        col = table.column(0)
        table = table.remove_column(0)
        columns.append(col.chunk(0) if col.num_chunks == 1 else col.combine_chunks())
        if col.num_chunks > 1:
            del col
            pool.release_unused()
    return pa.table(columns, names=names)


class _Started:
    def __init__(self, root: Path, rel: str, fields: list[str], max_bytes: int):
        self.key = (os.path.realpath(root), rel, tuple(fields), max_bytes)
        self.raw: bytes | None = None
        self.table = None
        # not a daemon: the interpreter waits for it at exit, as a daemon thread stopped inside
        # Arrow's parse at shutdown aborts the process ("terminate called without an active exception")
        self.thread = threading.Thread(target=self._run, args=(root, rel, fields, max_bytes))
        self.thread.start()

    def _run(self, root: Path, rel: str, fields: list[str], max_bytes: int) -> None:
        try:
            raw = read_bytes(root, rel, max_bytes)
            self.table, self.raw = parse(raw, fields), raw
        except Exception:  # noqa: BLE001 - best effort: the reader reads the file itself and says what is wrong
            self.raw = self.table = None


_started: _Started | None = None


def prefetch(root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Start parsing the package's largest plain CSV table (at least FAST_FROM_BYTES) in a thread."""
    global _started
    _started = None
    try:
        # a regular file within the limit, and JSON the validator does not refuse outright (NaN,
        # a repeated key): a refused package would only wait at exit for a parse nothing takes
        desc = json.loads(read_bytes(Path(root), "datapackage.json", max_bytes), parse_constant=_refuse, object_pairs_hook=_unique)
        candidates = []
        for res in desc["resources"]:
            if not isinstance(res.get("path"), str) or not dialect.plain(res):
                continue  # read apart (validate/dialect.py), never by the fast path
            fields = [f["name"] for f in res["schema"]["fields"]]
            if all(isinstance(f, str) for f in fields):
                candidates.append((os.stat(resolve(Path(root), res["path"])).st_size, res["path"], fields))
    except Exception:  # noqa: BLE001 - an unreadable or unusual descriptor: the validator reports it
        return
    size, rel, fields = max(candidates, default=(0, "", []))
    if FAST_FROM_BYTES <= size <= max_bytes:
        # imported here, not in the thread: two threads importing modules that import each other
        # (pandas -> numpy, pyarrow -> numpy) can deadlock on the import locks
        import pyarrow.csv  # noqa: F401

        _started = _Started(Path(root), rel, fields, max_bytes)


def _refuse(constant: str):
    raise ValueError(f"{constant} is not JSON")


def _unique(pairs: list[tuple[str, object]]) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("a repeated key")
    return out


def discard() -> None:
    """Drop what `prefetch` started and nothing took (a package refused before its tables were read)."""
    global _started
    _started = None


def pending(root: Path, rel: object) -> bool:
    """Whether `prefetch` started the table at `rel` and nothing took it yet."""
    started = _started
    return started is not None and started.key[:2] == (os.path.realpath(root), rel)


def take(root: Path, rel: str, fields: list[str], max_bytes: int) -> tuple[bytes, object] | None:
    """(raw bytes, parse(raw, fields)) of the table `prefetch` started, once, if it is this one."""
    global _started
    started = _started
    if started is None or started.key != (os.path.realpath(root), rel, tuple(fields), max_bytes):
        return None
    _started = None
    started.thread.join()
    return (started.raw, started.table) if started.raw is not None else None
