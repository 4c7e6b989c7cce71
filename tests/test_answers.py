"""Checking answers: what counts as the same answer, and clear messages for what is not one."""

import pytest

from newslit.answers import (
    AnswerError,
    check_choice,
    check_choices,
    check_cue,
    check_label,
    check_number,
    normalize_label,
    validate_answers,
)


@pytest.mark.parametrize("given", ["hedged", " HEDGED ", "Hedged\n", "ｈｅｄｇｅｄ"])
def test_label_variants_normalise(given):
    assert normalize_label(given) == "hedged"


def test_fact_is_shorthand_for_stated_as_fact():
    assert normalize_label("Fact") == "stated as fact"
    assert normalize_label("stated   as fact") == "stated as fact"


@pytest.mark.parametrize(("given", "message"), [
    (None, "no answer yet"), ("", "no answer yet"), (3, "not int 3"), (["hedged"], "not list"),
    ("confirmed", "'confirmed' is not a label"), ("hedge", "choose one of"),
])
def test_non_labels_get_a_readable_message(given, message):
    with pytest.raises(AnswerError, match=message):
        normalize_label(given)


def test_check_label_distinguishes_correct_accepted_wrong_missing_invalid():
    assert check_label("c1", "hedged", "hedged", ("attributed",)).status == "correct"
    assert check_label("c1", "attributed", "hedged", ("attributed",)).status == "accepted"
    assert check_label("c1", "opinion", "hedged", ("attributed",)).status == "wrong"
    assert check_label("c1", None, "hedged").status == "missing"
    assert check_label("c1", 7, "hedged").status == "invalid"
    assert check_label("c1", "attributed", "hedged", ("attributed",)).credit == 1.0
    assert check_label("c1", "opinion", "hedged").credit == 0.0


def test_cue_matching_ignores_case_quotes_and_punctuation():
    assert check_cue("c", "“Allegedly,”", ["allegedly"]).status == "correct"
    assert check_cue("c", "what  they claimed was", ["what they claimed was"]).status == "correct"
    assert check_cue("c", "up to", ["likely", "estimated"]).status == "wrong"


def test_only_the_cue_itself_counts_not_a_phrase_around_it_or_a_list_of_cues():
    """The one cue rule (docs/robustness.md, the notebook hint, the instructor guide)."""
    assert check_cue("c", "later collaborated", ["collaborated"]).status == "wrong"
    assert check_cue("c", "North Korea had likely provided up to", ["likely"]).status == "wrong"
    assert check_cue("c", "unlikely", ["likely"]).status == "wrong"
    listed = check_cue("c07", "allegedly likely claimed", ["allegedly"])
    assert listed.status == "wrong" and "only the cue" in listed.message
    assert check_cue("c", "what they claimed was", ["claimed", "what they claimed was"]).status == "correct"


def test_numbers_within_the_stated_tolerance_and_just_outside():
    assert check_number("n", 480, 480, 5).status == "correct"
    assert check_number("n", "485", 480, 5).status == "correct"
    assert check_number("n", "485.01", 480, 5).status == "wrong"
    assert check_number("n", "4,800,000", 4.8e6, 0).status == "correct"
    assert check_number("n", "lots", 480, 5).status == "invalid"
    assert check_number("n", True, 480, 5).status == "invalid"
    assert check_number("n", float("nan"), 480, 5).status == "invalid"


def test_choices_are_checked_against_the_options():
    opts = ["confirmed", "contradicted", "unverified"]
    assert check_choice("v", "Confirmed", ["confirmed"], opts).status == "correct"
    assert check_choice("v", "maybe", ["confirmed"], opts).status == "invalid"
    assert check_choices("s", ["a", "b"], ["b", "a"], ["a", "b", "c"]).status == "correct"
    assert check_choices("s", "a", ["a"], ["a"]).status == "invalid"
    assert check_choices("s", ["a"], ["a", "b"], ["a", "b"]).status == "wrong"


def test_validate_answers_names_misspelt_and_missing_ids():
    problems = validate_answers({"C02": "opinion", "c06": "hedged"}, ["c02", "c06", "c07"])
    assert any("'C02' is not an item" in p and "did you mean 'c02'" in p for p in problems)
    assert any("not answered yet: c02, c07" in p for p in problems)
    assert validate_answers([1, 2], ["c02"]) == ["answers must be a dict like {'c03': 'stated as fact'}, not list"]
    assert validate_answers(None, ["c02"]) == ["no answers recorded yet"]
