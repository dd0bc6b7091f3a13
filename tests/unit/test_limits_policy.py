"""Limit rules: 1만원 steps, the legal maximum, the minor and arrears caps, what counts as a raise."""

from __future__ import annotations

import pytest

from dashboard.settings import Settings
from data.limits_policy import cap_for, check_amount, effective_limit, is_raise, step_choices

RULES = Settings()  # legal_max 1,000,000, step 10,000, minor_cap 100,000, arrears_cap 300,000


@pytest.mark.parametrize("amount", [0, 10_000, 40_000, 300_000, 1_000_000])
def test_steps_up_to_the_legal_max_are_valid(amount):
    assert check_amount(amount, RULES, cap=RULES.legal_max) is None


@pytest.mark.parametrize("amount", [1, 5_000, 15_000, 999_999])
def test_amounts_between_steps_are_refused(amount):
    problem = check_amount(amount, RULES, cap=RULES.legal_max)
    assert problem is not None and problem.key == "limits.not_step" and problem.values == {"step": 10_000}


def test_negative_and_over_legal_max_are_refused():
    assert check_amount(-10_000, RULES, cap=RULES.legal_max).key == "limits.negative"
    assert check_amount(1_010_000, RULES, cap=RULES.legal_max).key == "limits.over_legal"


def test_caps_for_minors_and_arrears_take_the_lowest():
    assert cap_for(RULES, is_minor=False, in_arrears=False) == 1_000_000
    assert cap_for(RULES, is_minor=True, in_arrears=False) == 100_000
    assert cap_for(RULES, is_minor=False, in_arrears=True) == 300_000
    assert cap_for(RULES, is_minor=True, in_arrears=True) == 100_000


def test_over_the_line_cap_names_the_cap():
    problem = check_amount(110_000, RULES, cap=cap_for(RULES, is_minor=True, in_arrears=False))
    assert problem.key == "limits.over_cap" and problem.values == {"cap": 100_000}
    assert check_amount(300_000, RULES, cap=300_000) is None
    assert check_amount(310_000, RULES, cap=300_000).key == "limits.over_cap"


def test_caps_follow_settings_not_literals():
    rules = Settings(minor_cap=300_000, limit_step=5_000, legal_max=600_000)
    assert cap_for(rules, is_minor=True, in_arrears=False) == 300_000
    assert check_amount(15_000, rules, cap=600_000) is None
    assert check_amount(700_000, rules, cap=600_000).key == "limits.over_legal"


def test_effective_limit_missing_is_legal_max_and_caps_apply():
    assert effective_limit(None, RULES, is_minor=False) == 1_000_000
    assert effective_limit(None, RULES, is_minor=True) == 100_000
    assert effective_limit(300_000, RULES, is_minor=True) == 100_000  # stored before the cap applied
    assert effective_limit(500_000, RULES, is_minor=False, in_arrears=True) == 300_000
    assert effective_limit(0, RULES, is_minor=False) == 0


def test_only_increases_are_raises():
    assert is_raise(300_000, 310_000)
    assert not is_raise(300_000, 300_000)
    assert not is_raise(300_000, 0)


def test_step_choices_are_every_step_to_the_cap():
    choices = step_choices(RULES, 100_000)
    assert choices[0] == 0 and choices[-1] == 100_000 and len(choices) == 11
