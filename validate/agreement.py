"""Agreement between the package's coding of an article and an independent second coding of it.

The second coder's units are matched to the package's events by their evidence spans in the same
archived text (one-to-one, best overlap first); over the matched units each coded field is
compared, with the number of units, percent agreement and Cohen's kappa. Every disagreement is
listed, joined with its reviewed resolution. The inputs live in docs/agreement/:

- second-coder-events.csv: the second coding as delivered (one row per unit, named by `unit`);
- actor-map.csv: reviewed mapping of the second coder's actor names that are not actor_ids;
- resolutions.csv: reviewed resolution of each disagreement, keyed by (unit, field), so that it
  survives regeneration and corrections to the package's ids or values.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .descriptor import Descriptor, load
from .paths import read_bytes
from .reader import read_table

DIR = Path("docs") / "agreement"
SECOND = DIR / "second-coder-events.csv"
ACTOR_MAP = DIR / "actor-map.csv"
RESOLUTIONS = DIR / "resolutions.csv"
PAGE = Path("docs") / "agreement.md"

# Compared fields: the package's events column (or role in event_actors) and the second coder's column.
FIELDS = ("event_type", "event_mode", "cameo_code", "actors", "recipients", "date", "date_basis")
ROLES = {"actors": "actor", "recipients": "recipient"}
DECISIONS = {
    "package": "the package's coding follows the codebook; kept",
    "second-coder": "the second coder's coding follows the codebook; the package is to be corrected",
    "either": "both codings are defensible; the codebook does not decide",
}


class AgreementError(ValueError):
    """An input in docs/agreement/ that cannot be used as it is; the message says where and why."""


Span = tuple[int, int]  # half-open [char_start, char_end) in one text


# -- statistics ----------------------------------------------------------------------------------

def cohen_kappa(a: list[str], b: list[str]) -> float | None:
    """Cohen's kappa of two coders' nominal codes for the same units; None when chance agreement
    is total (both coders used one and the same code for every unit), where kappa is undefined."""
    if len(a) != len(b) or not a:
        raise ValueError("kappa needs two equally long, non-empty lists of codes")
    x, y = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    observed = float(np.mean(x == y))
    cats = sorted(set(a) | set(b))
    chance = sum(float(np.mean(x == c)) * float(np.mean(y == c)) for c in cats)
    return None if chance == 1 else (observed - chance) / (1 - chance)


def jaccard(a: Span, b: Span) -> float:
    """Overlap of two half-open spans as a share of their union (0 when they do not overlap)."""
    inter = min(a[1], b[1]) - max(a[0], b[0])
    if inter <= 0:
        return 0.0
    return inter / (max(a[1], b[1]) - min(a[0], b[0]))


def match_spans(left: dict[str, Span], right: dict[str, Span]) -> tuple[list[tuple[str, str, float]], list[str], list[str]]:
    """One-to-one matching of spans by overlap: pairs are taken best first (largest share of their
    union, then longest overlap, then earliest), each key at most once; spans that overlap nothing
    still free stay unmatched. Returns (pairs as (left, right, jaccard), unmatched left, unmatched right)."""
    candidates = []
    for lk, ls in left.items():
        for rk, rs in right.items():
            score = jaccard(ls, rs)
            if score > 0:
                inter = min(ls[1], rs[1]) - max(ls[0], rs[0])
                candidates.append((-score, -inter, ls[0], rs[0], lk, rk))
    pairs, used_l, used_r = [], set(), set()
    for neg_score, _, _, _, lk, rk in sorted(candidates):
        if lk not in used_l and rk not in used_r:
            pairs.append((lk, rk, -neg_score))
            used_l.add(lk)
            used_r.add(rk)
    pairs.sort(key=lambda p: left[p[0]])
    return pairs, [k for k in left if k not in used_l], [k for k in right if k not in used_r]


def bounds_overlap(a: str, b: str) -> bool | None:
    """Whether two EDTF dates' strict bounds overlap (an open end is unbounded); None when either
    is empty or not valid EDTF, so that the question cannot be asked."""
    from schemas.rules import edtf_bounds

    ba, bb = edtf_bounds(a) if a else None, edtf_bounds(b) if b else None
    if ba is None or bb is None:
        return None
    lo = max(ba[0], bb[0])  # '' (open start) sorts first, so max ignores it
    hi = min(ba[1] or "9999-12-31", bb[1] or "9999-12-31")
    return lo <= hi


# -- reading -------------------------------------------------------------------------------------

def _csv(root: Path, rel: Path) -> list[dict[str, str]]:
    path = root / rel
    if not path.is_file():
        return []
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


@dataclass
class Agreement:
    source_id: str
    pairs: list[tuple[str, str, float]]  # (unit, event_id, jaccard)
    unmatched_units: list[str]
    unmatched_events: list[str]
    quote_mismatches: list[str]  # units whose quote is not the text at their offsets
    actor_names: list[tuple[str, str, str]]  # (second coder's name, actor_id or '', how)
    codes: dict[str, tuple[list[str], list[str]]]  # field -> (package codes, second coder's codes), pair order
    disagreements: list[tuple[str, str, str, str, str]]  # (unit, event_id, field, package, second coder)
    date_overlap: list[tuple[str, str, bool | None]] = field(default_factory=list)  # (unit, event_id, overlap)

    def table(self) -> list[tuple[str, int, int, float | None, float | None]]:
        """(field, units, agreeing units, percent, kappa) per compared field, then date bounds."""
        rows = []
        for name in FIELDS:
            a, b = self.codes[name]
            agree = sum(x == y for x, y in zip(a, b))
            rows.append((name, len(a), agree, 100 * agree / len(a) if a else None, cohen_kappa(a, b) if a else None))
        known = [o for _, _, o in self.date_overlap if o is not None]
        rows.append(("date bounds overlap", len(known), sum(known), 100 * sum(known) / len(known) if known else None, None))
        return rows


# What the comparison reads besides the archived texts (the resource declaring archivedTexts): the
# events with their evidence spans, who took part in each, and the actors' names, found by name.
COMPARED = {"events": ("event_id", "source_id", "char_start", "char_end", *(f for f in FIELDS if f not in ROLES)),
            "event_actors": ("event_id", "actor_id", "role"), "actors": ("actor_id", "name")}


def _compared(desc) -> dict[str, dict]:
    """name -> resource of each table the comparison reads ("sources": the archived texts); an
    AgreementError, located at the second coding, for a package that lacks any of them."""
    found = {"sources": next((r for r in desc.resources if isinstance(r.get("archivedTexts"), dict)), None)}
    lacking = [] if found["sources"] else ["resource declaring archivedTexts"]
    for name, fields in COMPARED.items():
        found[name] = res = desc.resource(name)
        if res is None or not set(fields) <= {f["name"] for f in res["schema"]["fields"]}:
            lacking.append(f"resource {name!r} with the fields {', '.join(fields)}")
    if lacking:
        raise AgreementError(f"{SECOND.as_posix()}:1:1: the second coding is compared with the package's events, but the package "
                             f"has no {'; no '.join(lacking)}; remove {DIR.as_posix()}/ or describe those tables")
    return found


def compare(root: Path, desc: Descriptor | None = None) -> Agreement:
    """Match the second coding to the package's events and compare every field (`desc`: the
    descriptor when the caller has parsed it)."""
    if desc is None:
        desc, _ = load(root)
    if desc is None:
        raise ValueError("datapackage.json is invalid; run python -m validate first")
    frames = {}
    compared = _compared(desc)
    for name, res in compared.items():
        table, problems = read_table(root, res)
        if table is None:
            raise ValueError(f"{name} cannot be read: {problems[0].format() if problems else ''}")
        frames[name] = table.frame
    decl = compared["sources"]["archivedTexts"]  # the archived texts' id and path fields, as the descriptor declares them
    frames["sources"] = frames["sources"][[decl["id"], decl["path"]]].set_axis(["source_id", "text_path"], axis=1)
    units = _csv(root, SECOND)
    if not units:
        raise AgreementError(f"{SECOND.as_posix()} is missing or empty")
    for i, u in enumerate(units, start=2):
        if not all((u.get(c) or "").isdigit() for c in ("char_start", "char_end")) or not u.get("unit"):
            raise AgreementError(f"{SECOND.as_posix()}:{i}: a unit needs a name and whole-number char_start and char_end")
    if len({u["unit"] for u in units}) < len(units):
        raise AgreementError(f"{SECOND.as_posix()}: unit names must be unique (resolutions are keyed by them)")

    # The coded text: the archived source whose text holds the most of the coder's quotes at their offsets.
    best, held, holds = None, -1, set()
    for src in frames["sources"].itertuples(index=False):
        text = read_bytes(root, src.text_path).decode("utf-8")
        ok = [u["unit"] for u in units if text[int(u["char_start"]):int(u["char_end"])] == u["quote"]]
        if len(ok) > held:
            best, held, holds = src.source_id, len(ok), set(ok)
    if held <= 0:
        raise AgreementError(f"no quote of {SECOND.as_posix()} is found at its offsets in any archived text")
    events = frames["events"][frames["events"]["source_id"] == best]

    ids = set(frames["actors"]["actor_id"])
    by_name = {_slug(n): i for i, n in zip(frames["actors"]["actor_id"], frames["actors"]["name"])}
    reviewed = {r["name"]: (r["actor_id"], r.get("note", "")) for r in _csv(root, ACTOR_MAP)}
    names: dict[str, tuple[str, str]] = {}

    def actor_id(name: str) -> str:
        if name not in names:
            if name in ids:
                names[name] = (name, "is an actor_id")
            elif _slug(name) in by_name:
                names[name] = (by_name[_slug(name)], "actor name")
            elif name in reviewed and reviewed[name][0] in ids:
                names[name] = (reviewed[name][0], f"reviewed map: {reviewed[name][1]}")
            else:
                names[name] = ("", "unmapped: compared as written")
        return names[name][0] or name

    def actor_set(cell: str) -> str:
        return "; ".join(sorted({actor_id(n.strip()) for n in cell.split(";") if n.strip()}))

    roles = frames["event_actors"]
    pkg_values = {}
    for ev in events.itertuples(index=False):
        mine = roles[roles["event_id"] == ev.event_id]
        row = {f: getattr(ev, f) for f in FIELDS if f not in ROLES}
        for f, role in ROLES.items():
            row[f] = "; ".join(sorted(mine.loc[mine["role"] == role, "actor_id"]))
        pkg_values[ev.event_id] = row
    second_values = {u["unit"]: {f: (actor_set(u[f]) if f in ROLES else u[f].strip()) for f in FIELDS} for u in units}

    pairs, lost_units, lost_events = match_spans(
        {u["unit"]: (int(u["char_start"]), int(u["char_end"])) for u in units},
        {ev.event_id: (int(ev.char_start), int(ev.char_end)) for ev in events.itertuples(index=False)})
    codes = {f: ([pkg_values[e][f] for _, e, _ in pairs], [second_values[u][f] for u, _, _ in pairs]) for f in FIELDS}
    disagreements = [(u, e, f, pkg_values[e][f], second_values[u][f])
                     for u, e, _ in pairs for f in FIELDS if pkg_values[e][f] != second_values[u][f]]
    overlap = [(u, e, bounds_overlap(pkg_values[e]["date"], second_values[u]["date"])) for u, e, _ in pairs]
    return Agreement(best, pairs, lost_units, lost_events, [u["unit"] for u in units if u["unit"] not in holds],
                     sorted((n, *v) for n, v in names.items()), codes, disagreements, overlap)


def resolutions(root: Path, unit_names: set[str]) -> dict[tuple[str, str], tuple[str, str]]:
    """(unit, field) -> (decision, resolution) from the reviewed file; a row naming an unknown unit,
    field or decision is an error, so that a typo cannot silently drop a resolution."""
    out = {}
    for i, r in enumerate(_csv(root, RESOLUTIONS), start=2):
        where = f"{RESOLUTIONS.as_posix()}:{i}"
        if r.get("unit") not in unit_names:
            raise AgreementError(f"{where}: unit {r.get('unit')!r} is not a unit of {SECOND.as_posix()}")
        if r.get("field") not in FIELDS:
            raise AgreementError(f"{where}: field {r.get('field')!r} is not one of {', '.join(FIELDS)}")
        if r.get("decision") not in DECISIONS:
            raise AgreementError(f"{where}: decision {r.get('decision')!r} is not one of {', '.join(DECISIONS)}")
        if (r["unit"], r["field"]) in out:
            raise AgreementError(f"{where}: a second resolution for ({r['unit']}, {r['field']})")
        out[(r["unit"], r["field"])] = (r["decision"], r.get("resolution", "").strip())
    return out


# -- the page ------------------------------------------------------------------------------------

def _fmt(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def _val(v: str) -> str:
    from .problems import md_code

    return md_code(v) if v else "*(empty)*"


def unresolved(root: Path, desc: Descriptor | None = None) -> list[tuple[str, str]]:
    """The (unit, field) disagreements with no reviewed row in the resolutions: a correction that
    makes the package differ from the second coding in a new way leaves one."""
    if not (root / SECOND).is_file():
        return []
    ag = compare(root, desc)
    res = resolutions(root, {u["unit"] for u in _csv(root, SECOND)})
    return [(u, f) for u, _, f, _, _ in ag.disagreements if (u, f) not in res]


def report(root: Path, desc: Descriptor | None = None) -> str:
    from .problems import md_cell, md_code

    ag = compare(root, desc)
    units = {u["unit"] for u in _csv(root, SECOND)}
    res = resolutions(root, units)
    open_keys = {(u, f) for u, _, f, _, _ in ag.disagreements}
    out = [
        "# Inter-coder agreement",
        "",
        f"Generated by `python -m validate docs` from `{SECOND.as_posix()}`, `{ACTOR_MAP.as_posix()}`, "
        f"`{RESOLUTIONS.as_posix()}` and the package's data; do not edit by hand. The *resolution* of each "
        f"disagreement is reviewed text kept in `{RESOLUTIONS.as_posix()}` (keyed by the second coder's unit "
        "and the field), joined in here.",
        "",
        "A second coder coded the article again from the codebook, [coding-decisions.md](coding-decisions.md), "
        "the PLOVER manual, the CAMEO→PLOVER crosswalk and `shared/REFERENCE.md`, without seeing `data/` "
        "(their notes: [second-coder-notes.md](agreement/second-coder-notes.md)). coding-decisions.md lists "
        "the project's own coding of every event, so the second coding is *not* blind to the first: the "
        "agreement below is an upper bound, and the differences, made against a table the coder could read, "
        "are the informative part.",
        "",
        "## Method",
        "",
        f"- Units are matched to the package's events of source `{ag.source_id}` (the archived text that holds "
        "the second coder's quotes at their offsets) by evidence span: pairs are taken best first by the "
        "overlap's share of the two spans' union, each unit and each event at most once.",
        "- Per field, *agree* counts matched units with equal codes (an empty cell is a code of its own: "
        "*none* or *not stated*). Cohen's kappa treats each field as nominal; for `actors` and `recipients` "
        "the code is the whole set of actor_ids with that role in `event_actors`, so two sets agree only when "
        "equal. Kappa is — where both coders used one code throughout.",
        "- `date` compares the EDTF strings; *date bounds overlap* asks whether the two dates' strict bounds "
        "overlap (an open end is unbounded), over the units where both dates are present and valid.",
        "- The second coder's actor names are mapped to actor_ids: a name that is an actor_id is kept, else an "
        f"actor's `name` written as a slug, else the reviewed `{ACTOR_MAP.as_posix()}`; any other name is "
        "compared as written.",
        "",
        "## Agreement per field",
        "",
        "| field | units | agree | percent | Cohen's kappa |",
        "|---|---|---|---|---|",
    ]
    for name, n, agree, pct, kappa in ag.table():
        out.append(f"| {name} | {n} | {agree} | {_fmt(pct, 1)} | {_fmt(kappa)} |")
    out += ["", "## Matched units", "",
            f"{len(ag.pairs)} matched; {len(ag.unmatched_units)} of the second coder's units and "
            f"{len(ag.unmatched_events)} of the package's events of this source unmatched.", "",
            "| second coder's unit | event_id | span overlap (share of union) |", "|---|---|---|"]
    out += [f"| {md_cell(u)} | {e} | {_fmt(j)} |" for u, e, j in ag.pairs]
    out += [f"| {md_cell(u)} | *(none)* | — |" for u in ag.unmatched_units]
    out += [f"| *(none)* | {e} | — |" for e in ag.unmatched_events]
    if ag.quote_mismatches:
        out += ["", "Units whose quote is not the text at their offsets (their match is doubtful): "
                + ", ".join(md_cell(u) for u in ag.quote_mismatches) + "."]
    out += ["", "## Actor names", "", "| second coder's name | actor_id | how |", "|---|---|---|"]
    out += [f"| {md_code(n)} | {md_code(a) if a else '—'} | {md_cell(how)} |" for n, a, how in ag.actor_names]
    out += ["", "## Disagreements", "",
            "Decisions: " + "; ".join(f"*{k}*: {v}" for k, v in DECISIONS.items()) + ".", "",
            "| second coder's unit | event_id | field | package | second coder | decision | resolution |",
            "|---|---|---|---|---|---|---|"]
    for u, e, f, p, s in ag.disagreements:
        decision, text = res.get((u, f), ("", f"*unresolved: add ({u}, {f}) to {RESOLUTIONS.name}*"))
        out.append(f"| {md_cell(u)} | {e} | {f} | {_val(p)} | {_val(s)} | {decision or '—'} | {md_cell(text)} |")
    settled = sorted(k for k in res if k not in open_keys)
    if settled:
        out += ["", "## Resolutions with no disagreement left", "",
                "The two codings now agree on these; kept as the record of how the disagreement was settled.", "",
                "| second coder's unit | field | decision | resolution |", "|---|---|---|---|"]
        out += [f"| {md_cell(u)} | {f} | {res[(u, f)][0]} | {md_cell(res[(u, f)][1])} |" for u, f in settled]
    return "\n".join(out) + "\n"
