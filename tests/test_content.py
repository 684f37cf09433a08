"""The facts themselves: complete, linked, and never more precise than the article."""

import csv
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEXT = (ROOT / "data" / "sources" / "src-0a85bdf091dd711d.txt").read_text(encoding="utf-8")


def table(name):
    with open(ROOT / "data" / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


EVENTS = table("events")


def test_every_event_has_a_participant_and_every_commitment_a_party():
    assert {e["event_id"] for e in EVENTS} == {r["event_id"] for r in table("event_actors")}
    assert {c["commitment_id"] for c in table("commitments")} == {r["commitment_id"] for r in table("commitment_parties")}


@pytest.mark.parametrize("event", EVENTS, ids=[e["event_id"] for e in EVENTS])
def test_no_date_is_more_precise_than_the_article(event):
    """Day precision only where the article names a day of the month; it names none."""
    date = event["date"]
    assert not re.search(r"\d{4}-\d{2}-\d{2}", date), "the article gives no calendar day"
    if event["date_basis"] == "stated":
        assert re.search(r"\d{4}", event["date_text"]) and event["date_text"] in TEXT
        assert date[:4] in event["date_text"]
    if re.fullmatch(r"on (Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)", event["date_text"]):
        assert not re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", date), "a weekday gives no month or day"
    if "2026" in date:
        assert event["date_basis"] == "outside-knowledge", "2026 rests on knowing when Carney's election took place"


def test_publication_date_is_marked_as_inferred():
    (source,) = table("sources")
    assert source["published"] == "2026-XX-XX" and source["published_basis"] == "outside-knowledge"
    assert source["publisher"] == "" and source["url"] == "", "the archived text names neither"


def test_the_events_the_issue_lists_are_all_present():
    by_type = {(e["event_type"], e["event_mode"]) for e in EVENTS}
    assert {("ACCUSE", "allege"), ("REJECT", ""), ("SANCTION", "withdraw"), ("SANCTION", "expel"), ("ELECTION", ""),
            ("SUPPORT", ""), ("CONSULT", "visit"), ("AGREE", ""), ("STATEMENT", "")} <= by_type
    assert any(e["status"] == "possible" and e["event_type"] == "AGREE" for e in EVENTS)


def test_a_meeting_that_has_not_happened_is_agree_not_consult():
    """PLOVER's future-tense rule: a planned or possible meeting is an intent to meet (AGREE, CAMEO 036);
    CAMEO codes meetings under 04 only when they take place."""
    for e in EVENTS:
        if e["status"] in ("planned", "possible"):
            assert e["event_type"] != "CONSULT" and not e["cameo_code"].startswith("04"), e["event_id"]


def test_no_date_range_starts_before_the_earliest_day_its_words_allow():
    """'next month' in an article of year Y (month unknown) is February of Y at the earliest and
    January of Y + 1 at the latest; no day inside those months is singled out."""
    (source,) = table("sources")
    year = int(source["published"][:4])
    for e in EVENTS:
        if "next month" in e["date_text"]:
            assert (e["date_start"], e["date_end"]) == (f"{year}-02-01", f"{year + 1}-01-31"), e["event_id"]


def test_recall_is_withdraw_and_expulsion_is_expel_both_cameo_161():
    recall = next(e for e in EVENTS if "recalled" in e["quote"])
    expel = next(e for e in EVENTS if "expelling" in e["quote"])
    assert (recall["event_mode"], recall["cameo_code"]) == ("withdraw", "161")
    assert (expel["event_mode"], expel["cameo_code"]) == ("expel", "161")


def test_every_named_person_is_an_actor():
    names = {a["name"] for a in table("actors")}
    for person in ["Ajit Doval", "Nathalie Drouin", "Gary Anandasangaree", "Mark Carney", "Justin Trudeau", "Hardeep Singh Nijjar"]:
        assert person in TEXT and person in names
