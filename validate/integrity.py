"""The bytes of a resource as stored: gzip decompression under a size limit, and the declared
`bytes` and `hash` checked against the file (the compressed bytes, for a .gz)."""

from __future__ import annotations

import hashlib
import re
import zlib
from pathlib import Path

from .paths import DEFAULT_MAX_BYTES, PathRefused, read_bytes
from .problems import Problem, problem

DESCRIPTOR = "datapackage.json"
GZIP = ("gz", "gzip")
ALGORITHMS = {"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128}
_HEX = re.compile(r"[0-9a-fA-F]+")


def compressed(res: dict) -> bool:
    return res.get("compression") in GZIP or (isinstance(res.get("path"), str) and res["path"].lower().endswith(".gz"))


class Unreadable(Exception):
    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code, self.detail = code, detail


FIRST_CHUNK, CHUNK = 1 << 10, 1 << 16  # compressed bytes handed to zlib at a time: few at a member's start, doubling


def gunzip(raw: bytes, limit: int) -> bytes:
    """The decompressed bytes of every gzip member, never more than `limit`: a bomb stops at the
    limit instead of filling memory. The input is fed a chunk at a time, small at each member's
    start, so what zlib copies after each member (its unused data) is at most about the member's
    size: a file of a million empty members costs linear time, not the quadratic time of copying
    the rest of the file after each one."""
    if not raw:
        raise Unreadable("compression-error", "the file is empty, not gzip")
    view, pos, out, total = memoryview(raw), 0, [], 0
    while pos < len(raw):
        d, size = zlib.decompressobj(16 + zlib.MAX_WBITS), FIRST_CHUNK
        try:
            while not d.eof and pos < len(raw):
                data = view[pos: pos + size]
                pos, size = pos + len(data), min(2 * size, CHUNK)
                while True:
                    piece = d.decompress(data, limit + 1 - total)
                    total += len(piece)
                    out.append(piece)
                    if total > limit:
                        raise Unreadable("file-too-large", f"the file decompresses to more than {limit} bytes, the limit; it was not expanded")
                    if d.eof or not d.unconsumed_tail:
                        break
                    data = d.unconsumed_tail
        except zlib.error as exc:
            raise Unreadable("compression-error", f"the gzip data is damaged ({exc})") from None
        if not d.eof:
            raise Unreadable("compression-error", "the gzip data ends before its end marker (truncated)")
        pos -= len(d.unused_data)  # the next member starts there
    return b"".join(out)


def hash_problem(value: object) -> str | None:
    if not isinstance(value, str):
        return "must be a string: 'md5:HEX', 'sha256:HEX' (and sha1, sha512) or a bare MD5"
    algorithm, _, digest = value.rpartition(":")
    algorithm = algorithm or "md5"
    if algorithm not in ALGORITHMS:
        return f"names the algorithm {algorithm[:20]!r}; supported: {', '.join(ALGORITHMS)}"
    if len(digest) != ALGORITHMS[algorithm] or not _HEX.fullmatch(digest):
        return f"is not {ALGORITHMS[algorithm]} hexadecimal digits of {algorithm}"
    return None


def integrity_problems(root: Path, desc, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Problem]:
    """`bytes` and `hash` of each resource against the file as stored (compressed bytes for a .gz),
    located at the property in datapackage.json."""
    out = []
    for res in desc.resources:
        if "bytes" not in res and "hash" not in res:
            continue
        try:
            raw = read_bytes(root, res["path"], max_bytes)
        except PathRefused:
            continue  # reported by the table reader
        where = ('"resources"', f'"name": "{res["name"]}"')
        if "bytes" in res and len(raw) != res["bytes"]:
            out.append(problem(DESCRIPTOR, *desc.locate(*where, '"bytes"'), "bytes-mismatch",
                               f"resource {res['name']!r}: {res['path']} is {len(raw)} bytes, not {res['bytes']}"))
        if "hash" in res:
            algorithm, _, digest = res["hash"].rpartition(":")
            got = hashlib.new(algorithm or "md5", raw).hexdigest()
            if got != digest.lower():
                out.append(problem(DESCRIPTOR, *desc.locate(*where, '"hash"'), "hash-mismatch",
                                   f"resource {res['name']!r}: {res['path']} has {algorithm or 'md5'} {got}, not {digest}"))
    return out
