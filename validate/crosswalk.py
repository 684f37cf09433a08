"""Tables derived from an archived reference text inside the package, and how to derive them.

A resource declares `"derivedFrom": {"path": ..., "sha256": ..., "parser": ...}`: the archived
text (byte-identical to its upstream, its SHA-256 checked by the validator), and the parser
below that turns it into the resource's rows. `python -m validate docs` rewrites the table and
`docs --check` (and the test suite) fails when it is stale.
"""

from __future__ import annotations

import re
from pathlib import Path

from .canonical import canonical_rows, render

# "1121: ACCUSE, allege, crime; corruption # Accuse of crime, corruption"; the two-digit lines
# ("03: AGREE") are headings of CAMEO's cue categories, not codes ("08" heads both CONCEDE and RETREAT)
_CODE_LINE = re.compile(r"(?P<code>[0-9]{3,4}):(?P<body>[^#]*)(?:#(?P<description>.*))?")


class CrosswalkError(ValueError):
    """The archived text cannot be turned into a table without guessing."""


def cameo2plover(text: str) -> list[list[str]]:
    """Rows (cameo_code, plover_type, plover_mode, plover_contexts, description, source_line) of the
    CAMEO-PLOVER crosswalk, one per CAMEO code, in file order. Blank modes and contexts stay empty;
    several contexts are joined by "; ". A code listed twice with the same mapping keeps its first
    line; listed twice with different mappings, it is an error (no mapping is chosen silently)."""
    rows: dict[str, list[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        m = _CODE_LINE.fullmatch(line.strip())
        if m is None:
            continue  # comments, blank lines, category headings, the closing rule of tildes
        parts = [p.strip() for p in m["body"].split(",")]
        if len(parts) > 3 or not parts[0]:
            raise CrosswalkError(f"line {number}: expected 'code: TYPE, mode, contexts', got {line!r}")
        plover_type, mode, contexts = (parts + ["", ""])[:3]
        contexts = "; ".join(c.strip() for c in contexts.split(";") if c.strip())
        row = [m["code"], plover_type, mode, contexts, (m["description"] or "").strip(), str(number)]
        first = rows.setdefault(m["code"], row)
        if first[1:4] != row[1:4]:
            raise CrosswalkError(f"line {number}: CAMEO {m['code']} maps to {row[1:4]}, but line {first[5]} maps it to {first[1:4]}")
    return list(rows.values())


PARSERS = {"cameo2plover": cameo2plover}


def derived_table(root: Path, res: dict) -> str:
    """The canonical CSV text of a resource derived from its archived text."""
    spec = res["derivedFrom"]
    text = (root / spec["path"]).read_bytes().decode("utf-8")
    fields = [f["name"] for f in res["schema"]["fields"]]
    rows = PARSERS[spec["parser"]](text)
    return render(canonical_rows(fields, rows, fields, res["schema"]["primaryKey"]))
