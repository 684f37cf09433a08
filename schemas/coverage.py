"""Sentence coverage: every sentence of every archived text whose list declares "coverage": true
is cited by an evidence span (a resource declaring "evidence") or excluded with a reason (a
resource marked "coverageExclusions")."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from validate.problems import Problem, position, problem

from .context import Context
from .rule import Rule, as_int, column, int_cells, present
from .rules import evidence_decl, missing_of

# A sentence ends at . ! or ? (optionally followed by a closing quote) before whitespace and
# an opening quote, capital or digit; a line (the headline, each paragraph) always ends one.
_BOUNDARY = re.compile(r"(?<=[.!?])[”’\"']?(?=\s+[“‘\"'A-Z0-9])")


def sentences(text: str) -> list[tuple[int, int]]:
    """Half-open [start, end) spans of the sentences of a text, without surrounding whitespace."""
    spans = []
    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        cuts = [m.end() + line.start() for m in _BOUNDARY.finditer(line.group())] + [line.end()]
        for cut in cuts:
            chunk = text[start:cut]
            lead = len(chunk) - len(chunk.lstrip())
            if chunk.strip():
                spans.append((start + lead, start + len(chunk.rstrip())))
            start = cut
    return spans


@dataclass(frozen=True)
class Spans:
    """Evidence spans: the source each cites (source[i] indexes names) and its [start, end)."""
    names: list
    source: np.ndarray
    start: np.ndarray
    end: np.ndarray

    def where(self, keep: np.ndarray) -> Spans:
        return Spans(self.names, self.source[keep], self.start[keep], self.end[keep])

    def by_source(self) -> dict:
        """source id -> positions of its spans, in order."""
        order = np.argsort(self.source, kind="stable")
        bounds = np.searchsorted(self.source[order], np.arange(len(self.names) + 1))
        return {name: order[a:b] for name, a, b in zip(self.names, bounds, bounds[1:]) if b > a}


def cited_spans(ctx: Context, evidence_resources: list[dict]) -> Spans | None:
    """All evidence spans of the given resources whose offsets are integers (a missing offset
    cites nothing); None when a table holding evidence could not be read. Plain arrays, no frame:
    a pandas frame and concat per call cost 9 ms of each run of the real package."""
    names: dict = {}
    source, start, end = [], [], []
    for res in evidence_resources:
        frame, (src, _, cs, ce) = ctx.frame(res["name"]), evidence_decl(res)
        if frame is None or not {src, cs, ce} <= set(frame.columns):
            return None
        missing = missing_of(res["schema"]["fields"])
        (a, a_ok), (b, b_ok) = (int_cells(column(frame, f)) for f in (cs, ce))
        keep = a_ok & b_ok
        for f in (cs, ce):
            if f in missing:
                keep &= present(column(frame, f), missing[f])
        codes, uniques = pd.factorize(column(frame, src), use_na_sentinel=True)
        keep &= codes >= 0
        ids = np.array([names.setdefault(u, len(names)) for u in uniques], dtype=np.int64)
        source.append(ids[codes[keep]] if len(ids) else np.zeros(0, dtype=np.int64))
        start.append(a[keep])
        end.append(b[keep])
    joined = (np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64) for parts in (source, start, end))
    return Spans(list(names), *joined)


def uncovered(text: str, starts: np.ndarray, ends: np.ndarray) -> list[tuple[int, int]]:
    """Sentences no span overlaps. Fast path: when every non-space character lies inside some
    span, no sentence can be uncovered, and the text need not be split at all."""
    if not _has_gap(text, starts, ends):
        return []
    return _uncovered_sentences(text, starts, ends)


# A clause ends at , ; : or a dash, or before a conjunction that opens a new claim ("and",
# "after", "as", "even as" ...). The split is deliberately coarse: a clause no span touches is a
# claim no row holds, and a reviewer either codes it or excludes it with a reason.
# The whitespace before a conjunction is matched from its first character only ((?<!\s)): else
# re retried the lookahead from every character of a run, and a run of 20,000 spaces took 6 s.
_CLAUSE = re.compile(r"[,;:—–]\s+|(?<!\s)\s+(?=(?:and|but|while|when|after|as|even as|with)\s)")


def clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Half-open spans of the clauses of the sentence text[start:end]."""
    sentence = text[start:end]
    bounds = [start] + [start + m.end() for m in _CLAUSE.finditer(sentence)] + [end]
    out = []
    for a, b in zip(bounds, bounds[1:]):
        chunk = text[a:b]
        if chunk.strip(" ,;:—–“”‘’\"'."):
            lead = len(chunk) - len(chunk.lstrip())
            out.append((a + lead, a + len(chunk.rstrip())))
    return out


def uncovered_clauses(text: str, starts: np.ndarray, ends: np.ndarray) -> list[tuple[int, int]]:
    """Clauses of the sentences that some span cites, which no span overlaps: the uncited claims
    of an otherwise cited sentence. Empty at once when every non-space character is cited."""
    if not _has_gap(text, starts, ends):
        return []
    order = np.argsort(starts, kind="stable")
    s, far = starts[order], np.maximum.accumulate(ends[order]) if len(ends) else ends
    covered_sentences = set(sentences(text)) - set(_uncovered_sentences(text, starts, ends))
    out = []
    for a, b in sorted(covered_sentences):
        for c0, c1 in clauses(text, a, b):
            last = np.searchsorted(s, c1, side="left") - 1
            if not (last >= 0 and far[last] > c0):
                out.append((c0, c1))
    return out


def _has_gap(text: str, starts: np.ndarray, ends: np.ndarray) -> bool:
    """Whether some character other than space, tab, LF, VT, FF or CR lies outside every span."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    n = len(codes)
    s, e = np.clip(starts, 0, n), np.clip(ends, 0, n)
    depth = np.cumsum(np.bincount(s, minlength=n + 1) - np.bincount(e, minlength=n + 1))[:n]
    space = (codes == 32) | ((codes >= 9) & (codes <= 13))  # a comparison, not np.isin: texts are many and short
    return bool((~space & (depth <= 0)).any())


def _uncovered_sentences(text: str, starts: np.ndarray, ends: np.ndarray) -> list[tuple[int, int]]:
    """Sort spans by start, and compare each sentence with the furthest end among the spans
    starting before the sentence ends."""
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], np.maximum.accumulate(ends[order]) if len(ends) else ends
    sents = np.array(sentences(text), dtype=np.int64).reshape(-1, 2)
    last = np.searchsorted(starts, sents[:, 1], side="left") - 1
    covered = (last >= 0) & (ends[np.clip(last, 0, None)] > sents[:, 0]) if len(starts) else np.zeros(len(sents), bool)
    return [tuple(s) for s in sents[~covered]]


def coverage_problems(ctx: Context, resources: list[dict]) -> list[Problem]:
    lists = [(frame, names) for res, frame, names in ctx.text_lists() if res["archivedTexts"].get("coverage") is True]
    if not lists or not ctx.complete:
        return []  # a refused resource may hold the evidence for any sentence
    spans = cited_spans(ctx, [r for r in resources if evidence_decl(r) is not None])
    if spans is None:
        return []  # the unreadable table is reported already; coverage would only repeat it
    texts = ctx.texts()
    starts, ends = spans.start, spans.end
    by_source = spans.by_source()  # one pass, not one scan per source
    none = np.array([], dtype=np.int64)
    out = []
    pairs = [pair for frame, (sid_f, path_f, _) in lists for pair in zip(frame[sid_f], frame[path_f])]
    for sid, path in pairs:
        if sid not in texts:
            continue
        text, rows = texts[sid], by_source.get(sid, none)
        if not _has_gap(text, starts[rows], ends[rows]):  # every character cited: no sentence or clause to split for
            continue
        for start, end in uncovered(text, starts[rows], ends[rows]):
            out.append(problem(path, *position(text, start), "uncovered-sentence", f"characters {start}..{end}: {text[start:end][:80]!r}"))
        for start, end in uncovered_clauses(text, starts[rows], ends[rows]):
            out.append(problem(path, *position(text, start), "uncovered-clause", f"characters {start}..{end}: {text[start:end][:80]!r}"))
    return out


EXCLUSIONS = "coverageExclusions"  # a resource marked so in the descriptor lists reviewed uncited sentences


def exclusion_rules(ctx: Context, res: dict) -> list[Rule]:
    """An exclusion (a resource the descriptor marks coverageExclusions) must lie inside one
    sentence, or a single row spanning the whole text would switch coverage off; and it must not
    exclude text a fact row cites, which would make the review say the opposite of the data."""
    decl = evidence_decl(res)
    if not res.get(EXCLUSIONS) or decl is None:
        return []
    src, quote, cs, ce = decl

    def spans(df):
        start, end = as_int(column(df, cs)), as_int(column(df, ce))
        known = (start.notna() & end.notna() & column(df, src).isin(list(ctx.texts()))).to_numpy(dtype=bool)
        return start.fillna(0).to_numpy(np.int64), end.fillna(0).to_numpy(np.int64), known

    def one_sentence(df):
        start, end, known = spans(df)
        ok = np.ones(len(df), dtype=bool)
        texts = ctx.texts()
        for sid in pd.unique(column(df, src).to_numpy()[known]):
            rows = np.flatnonzero(known & (column(df, src).to_numpy() == sid))
            sents = np.array(sentences(texts[sid]), dtype=np.int64).reshape(-1, 2)
            at = np.searchsorted(sents[:, 0], start[rows], side="right") - 1
            ok[rows] = (at >= 0) & (end[rows] <= sents[np.clip(at, 0, None), 1])
        return pd.Series(ok, index=df.index)

    def cited(df):
        facts = [r for r in ctx.resources if evidence_decl(r) is not None and not r.get(EXCLUSIONS)]
        others = cited_spans(ctx, facts)
        start, end, known = spans(df)
        hit = np.zeros(len(df), dtype=bool)
        if others is not None:  # a span that is not inside its text is reported by evidence-out-of-range, and cites nothing
            others = others.where((others.start >= 0) & (others.start < others.end))
        if others is None or not len(others.start):
            return hit
        groups = others.by_source()
        o_start, o_end = others.start, others.end
        for sid, idx in groups.items():
            rows = np.flatnonzero(known & (column(df, src).to_numpy() == sid))
            if not len(rows):
                continue
            order = np.argsort(o_start[idx], kind="stable")
            starts, far = o_start[idx][order], np.maximum.accumulate(o_end[idx][order])
            last = np.searchsorted(starts, end[rows], side="left") - 1
            hit[rows] = (last >= 0) & (far[np.clip(last, 0, None)] > start[rows])
        return hit

    def where(df, idx, what):
        return [f"{df.at[i, src]} characters {df.at[i, cs]}..{df.at[i, ce]} {what}" for i in idx]

    return [
        Rule("exclusion-too-wide", ce, one_sentence, lambda df, idx: where(df, idx, "run past the end of the sentence they start in")),
        Rule("excluded-text-cited", quote, lambda df: ~cited(df), lambda df, idx: where(df, idx, "overlap text that a fact row cites as evidence")),
    ]
