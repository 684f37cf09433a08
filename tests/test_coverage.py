"""Sentence coverage: the splitter, the overlap test, and the real article."""

from pathlib import Path

import numpy as np

from schemas.coverage import sentences, uncovered

ROOT = Path(__file__).resolve().parent.parent
TEXT = (ROOT / "data" / "sources" / "src-0a85bdf091dd711d.txt").read_text(encoding="utf-8")


def spans_text(text):
    return [text[s:e] for s, e in sentences(text)]


def test_headline_and_sentences_ending_in_a_closing_quote_are_split():
    text = "Headline without stop\nHe said it was “absurd”. Then they left. “We agree,” she said.\n\n"
    assert spans_text(text) == ["Headline without stop", "He said it was “absurd”.", "Then they left.", "“We agree,” she said."]


def test_a_comma_inside_a_quotation_does_not_end_the_sentence():
    assert spans_text("“They agreed to a plan,” the ministry said. Next.") == ["“They agreed to a plan,” the ministry said.", "Next."]


def test_every_sentence_of_the_article_ends_with_a_full_stop_except_the_headline():
    found = spans_text(TEXT)
    assert found[0] == "India, Canada agree on shared security work plan"
    assert all(s.endswith((".", ".”")) for s in found[1:])
    # reassembling the sentences loses nothing but whitespace
    assert "".join(found).replace(" ", "") == TEXT.replace(" ", "").replace("\n", "")


def test_partial_overlap_counts_as_covered_and_a_gap_does_not():
    text = "One two. Three four. Five six."
    starts, ends = np.array([4, 22]), np.array([10, 24])  # "two. T" overlaps sentences 1 and 2; "iv" the third
    assert uncovered(text, starts, ends) == []
    assert uncovered(text, np.array([0]), np.array([3])) == [(9, 20), (21, 30)]
    assert uncovered(text, np.array([], dtype=np.int64), np.array([], dtype=np.int64)) == [(0, 8), (9, 20), (21, 30)]


def test_a_sentence_splits_into_clauses_at_punctuation_and_conjunctions():
    from schemas.coverage import clauses

    text = "New Delhi: India agreed, Canada objected and talks went on."
    got = [text[a:b] for a, b in clauses(text, 0, len(text))]
    assert got == ["New Delhi:", "India agreed,", "Canada objected", "and talks went on."]


def test_an_uncited_clause_of_a_cited_sentence_is_reported_and_a_cited_one_is_not():
    import numpy as np

    from schemas.coverage import uncovered_clauses

    text = "India agreed, and Canada objected.\n"
    cited = text.index("India agreed")
    assert uncovered_clauses(text, np.array([cited]), np.array([cited + 12])) == [(14, 34)]
    both = text.index("Canada")
    assert uncovered_clauses(text, np.array([cited, both]), np.array([cited + 12, both + 6])) == []
    assert uncovered_clauses(text, np.array([], dtype=np.int64), np.array([], dtype=np.int64)) == []  # an uncited sentence is uncovered-sentence's
