"""The SQLite export's views: joins that answer researchers' questions in one query. Each view has
a description (shown in Datasette and the README) and an example query (in the README, and run by
the tests against the export). A resource of the same name always wins: the view gives way."""

from __future__ import annotations

from typing import NamedTuple


class View(NamedTuple):
    description: str
    example: str
    sql: str



VIEWS = {
    "event_participants": View(
        "One row per participant of an event (event_actors joined with events and actors): who took part, in what role.",
        "SELECT actor_name, COUNT(DISTINCT event_id) AS events FROM event_participants GROUP BY actor_name ORDER BY events DESC",
        """
        SELECT e.event_id, e.date, e.date_start, e.date_end, e.event_type, e.event_mode, e.status,
               ea.role, ea.title_at_event, a.actor_id, a.name AS actor_name, a.actor_type, a.country, e.summary
        FROM events e JOIN event_actors ea USING (event_id) JOIN actors a USING (actor_id)"""),
    "events_by_country": View(
        "One row per event and country it involves. An event involves a country when any of its participants "
        "(event_actors, in any role: actor, recipient or subject) has that country (actors.country), or is part of "
        "an actor that has it (following parent_actor_id upwards). Participants with no country, and none above "
        "them, count for no country. `roles` lists the roles of that country's participants, `participants` who they "
        "are; filter on `roles` to count only actors or recipients.",
        "SELECT country, COUNT(*) AS events FROM events_by_country GROUP BY country ORDER BY events DESC",
        """
        WITH RECURSIVE up(actor_id, ancestor_id) AS (  -- each actor with itself and every actor above it
            SELECT actor_id, actor_id FROM actors
            UNION
            SELECT up.actor_id, a.parent_actor_id FROM up JOIN actors a ON a.actor_id = up.ancestor_id
            WHERE a.parent_actor_id IS NOT NULL
        ),
        actor_countries AS (
            SELECT DISTINCT up.actor_id, a.country FROM up JOIN actors a ON a.actor_id = up.ancestor_id WHERE a.country IS NOT NULL
        ),
        involved AS (
            SELECT ac.country, ea.event_id, ea.role, a.actor_id, a.name
            FROM event_actors ea JOIN actor_countries ac USING (actor_id) JOIN actors a USING (actor_id)
            ORDER BY ac.country, ea.event_id, ea.role, a.actor_id
        )
        SELECT i.country, e.event_id, e.date, e.date_start, e.date_end, e.event_type, e.event_mode, e.status, e.summary,
               group_concat(DISTINCT i.role) AS roles,
               group_concat(i.name || ' (' || i.role || ')', '; ') AS participants
        FROM involved i JOIN events e USING (event_id)
        GROUP BY i.country, e.event_id"""),
    "commitment_details": View(
        "One row per commitment with its event and its parties, by id (`parties`) and by name (`party_names`).",
        "SELECT commitment_id, commitment_type, status, party_names FROM commitment_details",
        """
        SELECT c.commitment_id, c.commitment_type, c.status, c.description, c.topic, c.conditions,
               e.event_id, e.date AS event_date, e.summary AS event_summary,
               group_concat(p.actor_id || ' (' || p.role || ')', '; ') AS parties,
               group_concat(p.name || ' (' || p.role || ')', '; ') AS party_names
        FROM commitments c JOIN events e USING (event_id)
        LEFT JOIN (SELECT cp.commitment_id, cp.actor_id, cp.role, a.name
                   FROM commitment_parties cp JOIN actors a USING (actor_id) ORDER BY cp.commitment_id, cp.actor_id) p
             USING (commitment_id)
        GROUP BY c.commitment_id"""),
    "commitment_party_names": View(
        "One row per party to a commitment, with the party's name, type and country beside the commitment.",
        "SELECT actor_name, role, COUNT(*) AS commitments FROM commitment_party_names GROUP BY actor_name, role",
        """
        SELECT c.commitment_id, c.commitment_type, c.status, c.description, c.topic, c.event_id,
               cp.role, a.actor_id, a.name AS actor_name, a.actor_type, a.country
        FROM commitments c JOIN commitment_parties cp USING (commitment_id) JOIN actors a USING (actor_id)"""),
}


def markdown() -> list[str]:
    """The README's list of views, each with its example query."""
    out = []
    for name, view in VIEWS.items():
        out += [f"- `{name}`: {view.description}", "", "  ```sql", f"  {view.example}", "  ```", ""]
    return out
