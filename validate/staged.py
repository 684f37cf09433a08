"""The largest table of a large package read and checked before the other tables are read, then
cut to the columns that the rest of the validation consults.

At 1M events the events table is 330 MB of the 670 MB the tables hold in memory. Holding every
table whole while checking the largest peaked at 1.4 GB. Checked first, the largest table keeps
only its keys, the fields other tables reference and its evidence offsets. The rest of the
validation is the same, and gives the same problems.

The tables checking it needs are read before it: the targets of its foreign keys, subtypeOf
and crosswalk references, the retired ids and the archived-text lists (`depends_on`). A table
asked for that was not read raises NotRead, and the package is then validated the usual way, so
a dependency missed here costs memory, never a rule.
"""

from __future__ import annotations

from schemas.coverage import EXCLUSIONS
from schemas.rules import evidence_decl

from .declarations import reference_target
from .retired import MARK

# Tables are read together, as usual, once those not yet read total at most REST_BYTES; until
# then the largest, if it has at least STAGED_FROM_BYTES, is checked on its own first. At 1M
# events that stages events and commitments (298 of 437 MB): peak 0.95 GB, against 1.06 GB for
# events alone and 1.45 GB for none. A third stage only lost the two cores' overlap.
REST_BYTES = 160 << 20
STAGED_FROM_BYTES = 16 << 20


class NotRead(LookupError):
    """A rule asked for a table not read yet."""


class Frames(dict):
    """The frames of the tables read so far (name -> frame or None); asking for a `pending` one
    raises NotRead instead of answering None, which the rules read as "could not be read"."""

    def __init__(self, frames: dict, pending: set[str]):
        super().__init__(frames)
        self.pending = frozenset(pending)

    def get(self, name, default=None):
        if name in self.pending:
            raise NotRead(name)
        return super().get(name, default)

    def __getitem__(self, name):
        if name in self.pending:
            raise NotRead(name)
        return super().__getitem__(name)


def _references(res: dict) -> set[str]:
    """The resources a resource's subtypeOf and crosswalk declarations consult as a whole."""
    out = set()
    for fld in res["schema"]["fields"]:
        decl = fld.get("subtypeOf")
        if isinstance(decl, dict) and isinstance(decl.get("reference"), dict):
            out.add(decl["reference"].get("resource"))
    decl = res.get("crosswalk")
    if isinstance(decl, dict):
        for part in (decl.get("reference"), decl.get("deviations")):
            if isinstance(part, dict):
                out.add(part.get("resource"))
    return out


def _whole(resources: list[dict]) -> set[str]:
    """Resources every table's check may consult whole: the retired ids and the archived-text lists."""
    return {r["name"] for r in resources if r.get(MARK) is True or isinstance(r.get("archivedTexts"), dict)}


def depends_on(res: dict, resources: list[dict]) -> set[str]:
    """The other resources whose frames the checks of `res` consult."""
    fks = {reference_target(fk, res["name"]) for fk in res["schema"].get("foreignKeys", [])}
    return (fks | _references(res) | _whole(resources)) - {res["name"]}


def largest(resources: list[dict], sizes: list[int], done: set[str] = frozenset()) -> dict | None:
    """The resource to check next on its own, or None when the tables not in `done` are read
    together: while they total more than REST_BYTES, the largest of them with at least
    STAGED_FROM_BYTES, unless other checks consult it whole (there would be nothing to cut) or
    it lists coverage exclusions (whose check reads every evidence table)."""
    todo = [i for i, r in enumerate(resources) if r["name"] not in done]
    if sum(sizes[i] for i in todo) <= REST_BYTES:
        return None
    whole = _whole(resources) | {name for r in resources for name in _references(r)}
    fit = [i for i in todo if sizes[i] >= STAGED_FROM_BYTES and not resources[i].get(EXCLUSIONS) and resources[i]["name"] not in whole]
    return resources[max(fit, key=sizes.__getitem__)] if fit else None


def kept_fields(res: dict, resources: list[dict], damaged: set[str]) -> list[str]:
    """The fields of `res` that the rest of the validation reads, once its own checks are done:
    its primary key, the fields other resources' foreign keys reference, its evidence source and
    offsets (coverage), and its single-field references to a table in `damaged` (one with rows a
    spreadsheet may have damaged: a restored code there makes such a reference a cascade)."""
    name = res["name"]
    keep = set(res["schema"].get("primaryKey", []))
    for other in resources:
        for fk in other["schema"].get("foreignKeys", []):
            if reference_target(fk, other["name"]) == name:
                keep |= set(fk["reference"]["fields"])
    decl = evidence_decl(res)
    if decl is not None:
        src, _, start, end = decl
        keep |= {src, start, end}
    for fk in res["schema"].get("foreignKeys", []):
        if len(fk["fields"]) == 1 and reference_target(fk, name) in damaged:
            keep.add(fk["fields"][0])
    return [f["name"] for f in res["schema"]["fields"] if f["name"] in keep]
