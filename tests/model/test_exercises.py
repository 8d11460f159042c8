"""The self-check used by the lecture exercises."""
from kmemwidgets.exercises import check


def test_unanswered_gets_the_hint_without_a_verdict():
    v = check(..., 3, hint="count the splits")
    assert not v and repr(v) == "Not answered yet: replace ... with your answer. Hint: count the splits"


def test_right_and_wrong_answers():
    assert check(257, 257) and repr(check(257, 257)) == "Right: 257."
    wrong = check(0xC0001000, 0xC0002000, hint="one page further")
    assert not wrong and repr(wrong) == "Not yet: 0xc0001000 is not it. Hint: one page further"
    assert check("GFP_atomic", "GFP_ATOMIC", same=lambda a, e: a.upper() == e)
