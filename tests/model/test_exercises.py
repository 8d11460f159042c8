"""The check used by the lecture exercises (student self-check and autograder test)."""
import pytest

from kmemwidgets import practice
from kmemwidgets.exercises import check, verdict


def test_unanswered_gets_the_hint_without_a_verdict():
    v = check(..., 3, hint="count the splits")
    assert not v and repr(v) == "Not answered yet: replace ... with your answer. Hint: count the splits"
    with pytest.raises(AssertionError):   # the autograder's test fails: no points
        assert check(..., 3)


def test_right_answers_are_truthy():
    assert check(257, 257) and repr(check(257, 257)) == "Right: 257."
    assert check("GFP_atomic", "GFP_ATOMIC", same=lambda a, e: a.upper() == e)


def test_a_wrong_answer_raises_with_the_verdict_as_its_text():
    """nbgrader shows the AssertionError's text in its feedback: it must say why."""
    with pytest.raises(AssertionError) as e:
        assert check(0xC0001000, 0xC0002000, hint="one page further")
    assert str(e.value) == "Not yet: 0xc0001000 is not it. Hint: one page further"
    assert not verdict(0xC0001000, 0xC0002000)    # the same judgement, without raising


def test_a_practice_problem_judges_equivalent_forms():
    p = practice.pagetable(seed=3)
    right = p.solve()
    assert check(list(right) if isinstance(right, tuple) else right, p)
    with pytest.raises(AssertionError, match="Wrong type.*Hint: three indices"):
        check("not an answer", p, hint="three indices")


def test_an_unanswered_practice_problem_says_what_type_to_write():
    v = check(..., practice.kmalloc(seed=1), hint="lecture 04")
    assert not v and repr(v).startswith("Not answered yet: replace ... with a tuple (cache, ksize, waste)")
    assert repr(v).endswith(" Hint: lecture 04")
