"""The annotated article: each archived source text with every evidence span highlighted.

Each span is marked in the text, anchored (`span-...`) and linked to the row that cites it;
each row, listed below the text, links back to its span. A span whose row is attributed to
someone other than the source's narrator (the field the descriptor marks with `assertedBy`) is
marked as reported, with who asserts it; text reviewed as excluded from coverage is marked with
its reason. The evidence tables are those the descriptor declares, as the coverage rule reads
them: every resource with an `evidence` declaration naming its source, quote, start and end
fields; the exclusions are the one marked `coverageExclusions`."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from schemas.rules import EVIDENCE_ROLES
from validate.declarations import reference_target
from validate.descriptor import Descriptor
from validate.paths import read_bytes
from validate.reader import read_table_whole


@dataclass(frozen=True)
class Span:
    anchor: str  # unique on the page: the resource and the row's line in its file
    resource: str
    label: str  # the row's primary key, as a reader would name it
    start: int
    end: int
    asserted_by: str  # "" for the source's own narration
    excluded: str  # the reason, for a reviewed exclusion; "" for evidence
    quote: str
    row: dict  # the row's other fields, shown beside its quote


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _narration(res: dict) -> tuple[str, str, str] | None:
    """(attribution field, its narration value, asserter field), from the descriptor."""
    for f in res["schema"]["fields"]:
        spec = f.get("assertedBy")
        if isinstance(spec, dict):
            return spec.get("attribution", ""), spec.get("narration", ""), f["name"]
    return None


def spans(root: Path, desc: Descriptor) -> dict[str, list[Span]]:
    """Every evidence span and exclusion of the package, by source id."""
    out: dict[str, list[Span]] = {}
    for res in desc.resources:
        names = [f["name"] for f in res["schema"]["fields"]]
        decl = res.get("evidence")
        if not isinstance(decl, dict):
            continue
        source, quote, start, end = (decl.get(k) for k in EVIDENCE_ROLES)
        cited = {source, quote, start, end}
        table, _ = read_table_whole(root, res)
        if table is None:
            continue
        key = res["schema"].get("primaryKey") or names[:1]
        key = [key] if isinstance(key, str) else key
        asserted = _narration(res)
        excluded = bool(res.get("coverageExclusions"))
        for n, row in enumerate(table.frame.to_dict("records"), start=1):
            who = ""
            if asserted and row.get(asserted[0], asserted[1]) != asserted[1]:
                who = row.get(asserted[2], "") or "?"
            label = " / ".join(row[k] for k in key if k not in cited) or f"row {n}"
            shown = {k: v for k, v in row.items() if k not in cited}
            out.setdefault(row[source], []).append(Span(
                f"{res['name']}-{n}", res["name"], label, int(row[start]), int(row[end]), who,
                (row.get("reason", "") or "excluded") if excluded else "", row[quote], shown))
    return out


def annotate(text: str, marks: list[Span], names: dict[str, str]) -> str:
    """The text as HTML, split at every span boundary: each piece is highlighted by the spans
    that cover it; a span's anchor stands where it starts and its reference where it ends."""
    cuts = sorted({0, len(text)} | {s.start for s in marks} | {s.end for s in marks})
    starts: dict[int, list[Span]] = {}
    ends: dict[int, list[Span]] = {}
    for s in marks:
        starts.setdefault(s.start, []).append(s)
        ends.setdefault(s.end, []).append(s)
    out = []
    for a, b in zip(cuts, cuts[1:]):
        out += [f'<span class="anchor" id="span-{_e(s.anchor)}"></span>' for s in starts.get(a, [])]
        piece = _e(text[a:b])
        covering = [s for s in marks if s.start <= a and b <= s.end]
        excluded = [s for s in covering if s.excluded]
        cited = [s for s in covering if not s.excluded]
        if cited:
            kind = "reported" if any(s.asserted_by for s in cited) else "narration"
            depth = " deep" if len(cited) > 1 else ""
            piece = f'<mark class="{kind}{depth}">{piece}</mark>'
        elif excluded:
            piece = f'<span class="excluded">{piece}</span>'
        out.append(piece)
        out += [_reference(s, names) for s in ends.get(b, [])]
    return "".join(out)


def _reference(s: Span, names: dict[str, str]) -> str:
    if s.excluded:
        return f'<span class="reason">[excluded: {_e(s.excluded)}]</span>'
    who = f", asserted by {_e(names.get(s.asserted_by, s.asserted_by))}" if s.asserted_by else ""
    return f'<a class="ref" href="#row-{_e(s.anchor)}">[{_e(s.label)}{who}]</a>'


def row_list(marks: list[Span], desc: Descriptor, names: dict[str, str]) -> str:
    """Every citing row, grouped by table in the descriptor's order, each linking to its span."""
    parts = []
    for res in desc.resources:
        rows = [s for s in marks if s.resource == res["name"] and not s.excluded]
        if not rows:
            continue
        items = []
        for s in sorted(rows, key=lambda s: (s.start, s.anchor)):
            fields = "; ".join(f"{_e(k)}: {_e(v)}" for k, v in s.row.items() if v != "")
            who = (f'<span class="who">reported, asserted by {_e(names.get(s.asserted_by, s.asserted_by))}</span> '
                   if s.asserted_by else "")
            items.append(f'<li id="row-{_e(s.anchor)}"><a href="#span-{_e(s.anchor)}">{_e(s.label)}</a> {who}'
                         f'<q>{_e(s.quote)}</q> <small>(characters {s.start}–{s.end})</small>'
                         f'<div class="fields">{fields}</div></li>')
        parts.append(f'<h3 id="rows-{_e(res["name"])}">{_e(res.get("title", res["name"]))} '
                     f'(<code>{_e(res["name"])}</code>)</h3><ol class="rows">{"".join(items)}</ol>')
    return "".join(parts)


def actor_names(root: Path, desc: Descriptor) -> dict[str, str]:
    """Asserter id -> name, through the foreign key that the asserter field declares."""
    names: dict[str, str] = {}
    for res in desc.resources:
        spec = _narration(res)
        if spec is None:
            continue
        for fk in res["schema"].get("foreignKeys", []):
            if fk.get("fields") in (spec[2], [spec[2]]):
                target = desc.resource(reference_target(fk, res["name"]))
                table, _ = read_table_whole(root, target)
                ref = fk["reference"]["fields"]
                ref = ref[0] if isinstance(ref, list) else ref
                if table is not None and "name" in table.frame.columns:
                    names.update(zip(table.frame[ref], table.frame["name"]))
    return names


def body(root: Path, desc: Descriptor) -> str:
    """The article page's main content: a legend, then per source its annotated text and rows;
    for a package that archives no source text (no `archivedTexts`), a sentence saying so."""
    from .roles import archive as archived

    archive = archived(desc)
    if archive is None:
        return "<p>This package declares no archived source texts (<code>archivedTexts</code>), so there is no text to annotate.</p>"
    sources, _ = read_table_whole(root, archive)
    ids, paths, hashes = (archive["archivedTexts"][k] for k in ("id", "path", "sha256"))
    by_source = spans(root, desc)
    names = actor_names(root, desc)
    parts = ['<p class="legend"><mark class="narration">narration</mark> the source states it in its own voice; '
             '<mark class="reported">reported</mark> the source reports someone’s claim (who asserts it follows in the '
             'reference); <mark class="narration deep">darker</mark> cited by more than one row; '
             '<span class="excluded">grey</span> reviewed as excluded from coverage, with the reason. '
             'Each reference in brackets links to the row; each row links back to its span.</p>']
    for src in sources.frame.to_dict("records"):
        text = read_bytes(root, src[paths]).decode("utf-8")
        marks = by_source.get(src[ids], [])
        parts.append(f'<h2 id="{_e(src[ids])}">{_e(src.get("title") or src[ids])}</h2>'
                     f'<p><small>Archived text <code>{_e(src[paths])}</code>, SHA-256 <code>{_e(src[hashes])}</code>; '
                     f'{sum(1 for s in marks if not s.excluded)} evidence spans, {sum(1 for s in marks if s.excluded)} exclusions.</small></p>'
                     f'<div class="article">{annotate(text, marks, names)}</div>'
                     f'<h2 id="rows-{_e(src[ids])}">The rows that cite it</h2>{row_list(marks, desc, names)}')
    return "".join(parts)
