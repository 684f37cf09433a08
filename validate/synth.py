"""Synthetic packages for benchmarks and parity tests: valid under the real descriptor and every
rule, with archived texts and exact evidence spans, deterministic for a given seed.

For N events: N // 10 actors (at least 4), 2 event_actors rows per event, N // 2 commitments,
2 parties per commitment, and one archived text per 1,000 events. Vocabularies are copied from
the real package, so codes, modes and CAMEO codes are the real ones.
"""

from __future__ import annotations

import hashlib
import random
import shutil
from pathlib import Path

from .canonical import render
from .declarations import reference_target
from .descriptor import DESCRIPTOR, load
from .reader import read_table
from schemas.rules import edtf_bounds

DATES = [("2023", "in 2023", "stated"), ("2024-10", "in October 2024", "stated"), ("2026-XX-XX", "on Saturday", "outside-knowledge"),
         ("[2025-04..2026-12]", "Since then", "outside-knowledge"), ("", "", "not-stated")]
PLACES = {"Ottawa": "CAN", "New Delhi": "IND", "British Columbia": "CA-BC", "": ""}
COUNTRIES = ["IND", "CAN", "USA", "GBR"]
PER_SOURCE = 1000
GENERATED = {"sources", "actors", "events", "event_actors", "commitments", "commitment_parties", "coverage_exclusions"}


def _vocab(root: Path, desc, name: str, *fields: str) -> list:
    table, _ = read_table(root, desc.resource(name))
    cols = [list(table.frame[f]) for f in fields]
    return list(zip(*cols)) if len(fields) > 1 else cols[0]


def synth(root: Path, out: Path, rows: int, seed: int = 0) -> dict[str, int]:
    """Write a synthetic package with `rows` events to `out` (which must not exist)."""
    desc, problems = load(root)
    if desc is None:
        raise ValueError("the package at PATH is invalid; its descriptor is the template")
    rnd = random.Random(seed)
    out.mkdir(parents=True)
    (out / "data" / "sources").mkdir(parents=True)
    shutil.copy(root / DESCRIPTOR, out / DESCRIPTOR)
    for res in desc.resources:
        if res["name"] not in GENERATED:  # vocabularies, reviewed tables and derived tables are copied
            shutil.copy(root / res["path"], out / res["path"])
        if "derivedFrom" in res:
            (out / res["derivedFrom"]["path"]).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(root / res["derivedFrom"]["path"], out / res["derivedFrom"]["path"])

    modes = _vocab(root, desc, "event_modes", "event_type", "event_mode")
    types = [t for t in _vocab(root, desc, "event_types", "event_type")]
    kinds = [(t, "") for t in types] + modes
    cameo = _vocab(root, desc, "cameo_codes", "cameo_code")
    # (CAMEO code, type, mode) combinations: any, or where the events declare a crosswalk, only those
    # the crosswalk or a reviewed deviation allows (plus every kind without a code)
    codings = [(c, t, m) for c in cameo for t, m in kinds]
    crosswalk = desc.resource("events").get("crosswalk")
    if crosswalk:
        allowed = _vocab(root, desc, crosswalk["reference"]["resource"], *crosswalk["reference"]["fields"])
        if "deviations" in crosswalk:
            allowed += _vocab(root, desc, crosswalk["deviations"]["resource"], *crosswalk["deviations"]["fields"])
        known = set(kinds)
        codings = [(c, t, m) for c, t, m in allowed if c in set(cameo) and (t, m) in known] + [("", t, m) for t, m in kinds]
    statuses = _vocab(root, desc, "event_statuses", "event_status")
    actor_types = _vocab(root, desc, "actor_types", "actor_type")
    commitment_types = _vocab(root, desc, "commitment_types", "commitment_type")
    commitment_statuses = _vocab(root, desc, "commitment_statuses", "commitment_status")

    n_sources = max(1, -(-rows // PER_SOURCE))
    texts: list[list[str]] = [[] for _ in range(n_sources)]
    lengths = [0] * n_sources

    def cite(sentence: str, source: int) -> list:
        """Append a sentence (one per line) to a source text and return its evidence cells."""
        start = lengths[source]
        texts[source].append(sentence)
        lengths[source] += len(sentence) + 1
        return [f"src-{source:07d}", sentence, str(start), str(start + len(sentence))]

    n_actors = max(4, rows // 10)
    actors = [["actor_id", "name", "actor_type", "country", "country_basis", "parent_actor_id", "description", "source_id", "quote", "char_start", "char_end"]]
    for k in range(n_actors):
        parent = "" if k % 5 == 0 else f"actor-{k - k % 5:07d}"  # chains of depth one: no cycles
        country = COUNTRIES[k % len(COUNTRIES)]
        actors.append([f"actor-{k:07d}", f"Actor {k}", actor_types[k % len(actor_types)], country, "stated", parent,
                       f"Synthetic actor {k}."] + cite(f"Actor {k} is a synthetic Minister from {country}.", k % n_sources))

    event_fields = [f["name"] for f in desc.resource("events")["schema"]["fields"]]
    events = [event_fields]
    places = list(PLACES)
    event_actors = [["event_id", "actor_id", "role", "title_at_event"]]
    for i in range(rows):
        date, date_text, basis = DATES[rnd.randrange(len(DATES))]
        start, end = edtf_bounds(date) if date else ("", "")
        code, etype, mode = codings[rnd.randrange(len(codings))]
        place = places[rnd.randrange(len(places))]
        words = " ".join(w for w in [f"Event {i} took place", f"in {place}" if place else "", date_text] if w) + "."
        values = dict(zip(["event_id", "date", "date_start", "date_end", "date_text", "date_basis", "event_type", "event_mode", "cameo_code",
                           "status", "location", "location_code", "location_code_basis", "summary", "attribution"],
                          [f"ev-{i:07d}", date, start, end, date_text, basis, etype, mode, code,
                           statuses[rnd.randrange(len(statuses))], place, PLACES[place], "stated" if place else "not-stated",
                           f"Synthetic event {i}.", "narration"]))
        values.update(zip(["source_id", "quote", "char_start", "char_end"], cite(words, i // PER_SOURCE)))
        events.append([values.get(f, "") for f in event_fields])
        a, b = sorted(rnd.sample(range(n_actors), 2))
        event_actors.append([f"ev-{i:07d}", f"actor-{a:07d}", "actor", "Minister"])
        event_actors.append([f"ev-{i:07d}", f"actor-{b:07d}", "recipient", ""])

    commitment_fields = [f["name"] for f in desc.resource("commitments")["schema"]["fields"]]
    commitments = [commitment_fields]
    parties = [["commitment_id", "actor_id", "role"]]
    for j in range(rows // 2):
        event = rnd.randrange(rows)
        values = dict(zip(["commitment_id", "event_id", "commitment_type", "description", "topic", "status", "conditions", "attribution"],
                          [f"cm-{j:07d}", f"ev-{event:07d}", commitment_types[j % len(commitment_types)], f"Synthetic commitment {j}.",
                           "security", commitment_statuses[j % len(commitment_statuses)], "in line with domestic laws", "narration"]))
        values.update(zip(["source_id", "quote", "char_start", "char_end"], cite(f"Commitment {j} binds both sides in line with domestic laws.", event // PER_SOURCE)))
        commitments.append([values.get(f, "") for f in commitment_fields])
        for a in sorted(rnd.sample(range(n_actors), 2)):
            parties.append([f"cm-{j:07d}", f"actor-{a:07d}", "obligor"])

    sources = [[f["name"] for f in desc.resource("sources")["schema"]["fields"]]]
    for s, sentences in enumerate(texts):
        data = ("\n".join(sentences) + "\n").encode("utf-8")
        path = f"data/sources/src-{s:07d}.txt"
        (out / path).write_bytes(data)
        values = dict(zip(["source_id", "title", "published", "published_basis", "language", "text_path", "text_sha256", "note"],
                          [f"src-{s:07d}", f"Synthetic source {s}", "2026-XX-XX", "outside-knowledge", "en", path,
                           hashlib.sha256(data).hexdigest(), "Synthetic text for benchmarks."]))
        sources.append([values.get(f, "") for f in sources[0]])
    tables = {"sources": sources, "actors": actors, "events": events, "event_actors": event_actors,
              "commitments": commitments, "commitment_parties": parties}
    for res in desc.resources:  # a copied table that refers to the real facts (links, counts, exclusions) starts empty
        targets = {reference_target(fk, res["name"]) for fk in res["schema"].get("foreignKeys", [])}
        if res["name"] not in tables and targets & set(tables):
            tables[res["name"]] = [[f["name"] for f in res["schema"]["fields"]]]
    for name, table in tables.items():
        (out / "data" / f"{name}.csv").write_text(render(table), encoding="utf-8", newline="")
    return {name: len(table) - 1 for name, table in tables.items()}
