"""Sentence coverage: every sentence of every source is cited by an evidence span or excluded with a reason."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from validate.problems import Problem, position, problem

from .context import Context
from .rule import Rule, as_int
from .rules import EVIDENCE

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


def cited_spans(ctx: Context, evidence_resources: list[str]) -> pd.DataFrame | None:
    """All evidence spans of the package; None when a table holding evidence could not be read."""
    parts = []
    for name in evidence_resources:
        frame = ctx.frame(name)
        if frame is None:
            return None
        parts.append(pd.DataFrame({"source_id": frame["source_id"], "start": as_int(frame["char_start"]), "end": as_int(frame["char_end"])}))
    spans = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["source_id", "start", "end"])
    return spans.dropna()


_SPACE = np.array([ord(c) for c in " \t\n\r\f\v"], dtype=np.uint32)


def uncovered(text: str, starts: np.ndarray, ends: np.ndarray) -> list[tuple[int, int]]:
    """Sentences no span overlaps. Fast path: when every non-space character lies inside some
    span, no sentence can be uncovered, and the text need not be split at all."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    n = len(codes)
    s, e = np.clip(starts, 0, n), np.clip(ends, 0, n)
    depth = np.cumsum(np.bincount(s, minlength=n + 1) - np.bincount(e, minlength=n + 1))[:n]
    if not (~np.isin(codes, _SPACE) & (depth <= 0)).any():
        return []
    return _uncovered_sentences(text, starts, ends)


# A clause ends at , ; : or a dash, or before a conjunction that opens a new claim ("and",
# "after", "as", "even as" ...). The split is deliberately coarse: a clause no span touches is a
# claim no row holds, and a reviewer either codes it or excludes it with a reason.
_CLAUSE = re.compile(r"[,;:—–]\s+|\s+(?=(?:and|but|while|when|after|as|even as|with)\s)")


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
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    n = len(codes)
    s, e = np.clip(starts, 0, n), np.clip(ends, 0, n)
    depth = np.cumsum(np.bincount(s, minlength=n + 1) - np.bincount(e, minlength=n + 1))[:n]
    return bool((~np.isin(codes, _SPACE) & (depth <= 0)).any())


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
    evidence = [r["name"] for r in resources if set(EVIDENCE) <= {f["name"] for f in r["schema"]["fields"]}]
    sources = ctx.frame("sources")
    spans = cited_spans(ctx, evidence)
    if sources is None or spans is None:
        return []  # the unreadable table is reported already; coverage would only repeat it
    texts = ctx.texts()
    starts, ends = spans["start"].to_numpy(np.int64), spans["end"].to_numpy(np.int64)
    by_source = spans.groupby("source_id", sort=False).indices  # one pass, not one scan per source
    none = np.array([], dtype=np.int64)
    out = []
    for sid, path in zip(sources["source_id"], sources["text_path"]):
        if sid not in texts:
            continue
        text, rows = texts[sid], by_source.get(sid, none)
        for start, end in uncovered(text, starts[rows], ends[rows]):
            out.append(problem(path, *position(text, start), "uncovered-sentence", f"characters {start}..{end}: {text[start:end][:80]!r}"))
        for start, end in uncovered_clauses(text, starts[rows], ends[rows]):
            out.append(problem(path, *position(text, start), "uncovered-clause", f"characters {start}..{end}: {text[start:end][:80]!r}"))
    return out


EXCLUSIONS = "coverageExclusions"  # a resource marked so in the descriptor lists reviewed uncited sentences


def exclusion_rules(ctx: Context, res: dict, names: set[str]) -> list[Rule]:
    """An exclusion (a resource the descriptor marks coverageExclusions) must lie inside one
    sentence, or a single row spanning the whole text would switch coverage off; and it must not
    exclude text a fact row cites, which would make the review say the opposite of the data."""
    if not res.get(EXCLUSIONS) or not set(EVIDENCE) <= names:
        return []

    def spans(df):
        start, end = as_int(df["char_start"]), as_int(df["char_end"])
        known = (start.notna() & end.notna() & df["source_id"].isin(list(ctx.texts()))).to_numpy(dtype=bool)
        return start.fillna(0).to_numpy(np.int64), end.fillna(0).to_numpy(np.int64), known

    def one_sentence(df):
        start, end, known = spans(df)
        ok = np.ones(len(df), dtype=bool)
        texts = ctx.texts()
        for sid in pd.unique(df["source_id"].to_numpy()[known]):
            rows = np.flatnonzero(known & (df["source_id"].to_numpy() == sid))
            sents = np.array(sentences(texts[sid]), dtype=np.int64).reshape(-1, 2)
            at = np.searchsorted(sents[:, 0], start[rows], side="right") - 1
            ok[rows] = (at >= 0) & (end[rows] <= sents[np.clip(at, 0, None), 1])
        return pd.Series(ok, index=df.index)

    def cited(df):
        facts = [r["name"] for r in ctx.resources if set(EVIDENCE) <= {f["name"] for f in r["schema"]["fields"]} and not r.get(EXCLUSIONS)]
        others = cited_spans(ctx, facts)
        start, end, known = spans(df)
        hit = np.zeros(len(df), dtype=bool)
        if others is not None:  # a span that is not inside its text is reported by evidence-out-of-range, and cites nothing
            others = others[(others["start"] >= 0) & (others["start"] < others["end"])]
        if others is None or not len(others):
            return pd.Series(hit, index=df.index)
        groups = others.groupby("source_id", sort=False).indices
        o_start, o_end = others["start"].to_numpy(np.int64), others["end"].to_numpy(np.int64)
        for sid, idx in groups.items():
            rows = np.flatnonzero(known & (df["source_id"].to_numpy() == sid))
            if not len(rows):
                continue
            order = np.argsort(o_start[idx], kind="stable")
            starts, far = o_start[idx][order], np.maximum.accumulate(o_end[idx][order])
            last = np.searchsorted(starts, end[rows], side="left") - 1
            hit[rows] = (last >= 0) & (far[np.clip(last, 0, None)] > start[rows])
        return pd.Series(hit, index=df.index)

    def where(df, idx, what):
        return [f"{df.at[i, 'source_id']} characters {df.at[i, 'char_start']}..{df.at[i, 'char_end']} {what}" for i in idx]

    return [
        Rule("exclusion-too-wide", "char_end", one_sentence, lambda df, idx: where(df, idx, "run past the end of the sentence they start in")),
        Rule("excluded-text-cited", "quote", lambda df: ~cited(df), lambda df, idx: where(df, idx, "overlap text that a fact row cites as evidence")),
    ]
