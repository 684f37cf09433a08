"""The SQLite views answer their questions: each example query runs, events by country follows its
documented rule (own country or an ancestor's, any role), and commitments carry their parties' names."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from helpers import Pkg
from publish.views import VIEWS
from validate.cli import main

ROOT = Path(__file__).resolve().parent.parent


def export(root: Path, out: Path) -> sqlite3.Connection:
    assert main(["export", str(root), "--out", str(out)]) == 0
    return sqlite3.connect(next(out.glob("*.sqlite")))


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    con = export(ROOT, tmp_path_factory.mktemp("views") / "dist")
    yield con
    con.close()


def expected_countries(pkg: Pkg) -> set[tuple[str, str]]:
    """(country, event_id) by the documented rule, computed from the CSVs in Python."""
    actors = {r[0]: dict(zip(pkg.rows("actors")[0], r)) for r in pkg.rows("actors")[1:]}

    def countries(actor_id: str) -> set[str]:
        seen, out = set(), set()
        while actor_id and actor_id not in seen:
            seen.add(actor_id)
            out |= {actors[actor_id]["country"]} - {""}
            actor_id = actors[actor_id]["parent_actor_id"]
        return out

    header, *rows = pkg.rows("event_actors")
    ev, ac = header.index("event_id"), header.index("actor_id")
    return {(c, r[ev]) for r in rows for c in countries(r[ac])}


@pytest.mark.parametrize("name", list(VIEWS))
def test_every_view_exists_and_its_example_query_answers(con, name):
    assert con.execute("SELECT type FROM sqlite_master WHERE name = ?", [name]).fetchone() == ("view",)
    assert con.execute(VIEWS[name].example).fetchall(), f"the README's example for {name} returns no row"


def test_events_by_country_follows_the_documented_rule(con):
    got = con.execute("SELECT country, event_id FROM events_by_country").fetchall()
    assert len(got) == len(set(got)) and set(got) == expected_countries(Pkg(ROOT))


def test_an_actor_without_a_country_counts_for_the_country_of_the_actor_it_is_part_of(pkg, tmp_path):
    header, *rows = pkg.rows("actors")
    with_country = [r[0] for r in rows if r[header.index("country")]]
    involved = {r[1] for r in pkg.rows("event_actors")[1:]}
    orphan = next(r[0] for r in rows if r[0] in involved and r[header.index("country")] == "")
    pkg.set("actors", orphan, "parent_actor_id", with_country[0])
    assert pkg.validate() == set()
    with export(pkg.root, tmp_path / "dist") as changed:
        got = set(changed.execute("SELECT country, event_id FROM events_by_country").fetchall())
    assert got == expected_countries(pkg) and got != expected_countries(Pkg(ROOT))


def test_commitments_carry_their_parties_names(con):
    names = dict(con.execute("SELECT actor_id, name FROM actors").fetchall())
    parties = con.execute("SELECT commitment_id, actor_id, role FROM commitment_parties").fetchall()
    long = con.execute("SELECT commitment_id, actor_id, role, actor_name FROM commitment_party_names").fetchall()
    assert sorted(long) == sorted((c, a, r, names[a]) for c, a, r in parties)
    joined = dict(con.execute("SELECT commitment_id, party_names FROM commitment_details").fetchall())
    for commitment, actor, role in parties:
        assert f"{names[actor]} ({role})" in joined[commitment].split("; ")
