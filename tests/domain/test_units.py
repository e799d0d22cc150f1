"""Units for timed codes (DOMAIN.md §7) and acupuncture code rules (DOMAIN.md §8)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinicbill.domain.sessions.units import (
    acupuncture_warnings,
    check_acupuncture,
    total_units,
    units_for_minutes,
)

# The CMS table from Pub 100-04 ch. 5 §20.2, written out as bands.
CMS_TABLE = [(0, 7, 0), (8, 22, 1), (23, 37, 2), (38, 52, 3), (53, 67, 4), (68, 82, 5)]
CMS_TABLE += [(83, 97, 6), (98, 112, 7), (113, 127, 8)]


@pytest.mark.parametrize(("low", "high", "units"), CMS_TABLE)
def test_total_units_matches_the_cms_table(low, high, units):
    assert total_units(low) == units
    assert total_units(high) == units


@given(st.integers(min_value=0, max_value=2000))
def test_total_units_beyond_the_table_adds_one_unit_per_15_minutes(minutes):
    expected = next((u for lo, hi, u in CMS_TABLE if lo <= minutes <= hi), None)
    if expected is None:
        expected = 8 + (minutes - 113) // 15
    assert total_units(minutes) == expected


def test_massage_38_and_manual_15_minutes_give_four_units():
    result = units_for_minutes({"97124": 38, "97140": 15})
    assert result.units == {"97124": 3, "97140": 1}
    assert result.total_minutes == 53
    assert result.total_units == 4
    assert "53 timed minutes" in result.explanation
    assert "53-67 min" in result.explanation


def test_cms_example_33_and_7_minutes():
    # Pub 100-04: 33 min 97110 + 7 min 97140 = 40 min = 3 units: 2 x 97110 and 1 x 97140.
    assert units_for_minutes({"97110": 33, "97140": 7}).units == {"97110": 2, "97140": 1}


def test_two_short_services_give_one_unit_to_the_longer():
    assert units_for_minutes({"97110": 5, "97140": 4}).units == {"97110": 1, "97140": 0}


def test_a_lone_service_under_8_minutes_earns_nothing():
    result = units_for_minutes({"97124": 7})
    assert result.units == {"97124": 0}
    assert "under 8 min" in result.explanation


def test_ama_midpoint_counts_each_code_alone():
    result = units_for_minutes({"97110": 5, "97140": 4}, rule="ama-midpoint")
    assert result.units == {"97110": 0, "97140": 0}
    result = units_for_minutes({"97124": 38, "97140": 15}, rule="ama-midpoint")
    assert result.units == {"97124": 3, "97140": 1}
    assert "AMA midpoint" in result.explanation


def test_unknown_rule_and_negative_minutes_are_programming_errors():
    with pytest.raises(ValueError):
        units_for_minutes({"97124": 10}, rule="guess")
    with pytest.raises(ValueError):
        units_for_minutes({"97124": -1})


minutes_maps = st.dictionaries(
    st.sampled_from(["97124", "97140", "97110", "97112", "97530"]),
    st.integers(min_value=0, max_value=180),
    min_size=1,
)


@given(minutes_maps)
def test_cms_units_total_matches_the_table(minutes):
    result = units_for_minutes(minutes)
    assert sum(result.units.values()) == total_units(sum(minutes.values()))
    assert result.total_units == total_units(sum(minutes.values()))


@given(minutes_maps, st.sampled_from(["cms-8-minute", "ama-midpoint"]))
def test_units_never_exceed_what_the_minutes_allow(minutes, rule):
    result = units_for_minutes(minutes, rule)
    assert set(result.units) == set(minutes)
    for code, mins in minutes.items():
        units = result.units[code]
        assert units >= 0
        # never more than one unit per started 15 minutes of that code
        assert units <= -(-mins // 15)
        # and never less than the full 15-minute blocks it holds
        assert units >= mins // 15


@given(minutes_maps)
def test_cms_leftover_units_go_to_the_largest_remainders(minutes):
    result = units_for_minutes(minutes)
    extra = {c: result.units[c] - m // 15 for c, m in minutes.items()}
    got = [minutes[c] % 15 for c in minutes if extra[c]]
    missed = [minutes[c] % 15 for c in minutes if not extra[c]]
    if got and missed:
        assert min(got) >= max(missed)


@pytest.mark.parametrize(
    ("lines", "fragment"),
    [
        ([("97810", 1), ("97813", 1)], "never billed the same day"),
        ([("97810", 2)], "once per date of service"),
        ([("97810", 1), ("97810", 1)], "once per date of service"),
        ([("97811", 2)], "needs an initial code"),
        ([("97814", 1), ("97811", 1)], "needs an initial code"),
    ],
)
def test_forbidden_acupuncture_combinations_are_problems(lines, fragment):
    problems = check_acupuncture(lines)
    assert any(fragment in p for p in problems), problems


@pytest.mark.parametrize(
    "lines",
    [
        [("97810", 1)],
        [("97810", 1), ("97811", 2)],
        [("97813", 1), ("97814", 1)],
        [("97124", 3), ("97140", 1)],
        [],
    ],
)
def test_valid_acupuncture_combinations_pass(lines):
    assert check_acupuncture(lines) == []


def test_check_acupuncture_accepts_dicts_and_objects():
    class Line:
        def __init__(self, code, units):
            self.code, self.units = code, units

    assert check_acupuncture([{"code": "97811", "units": 1}])
    assert check_acupuncture([Line("97810", 1), Line("97811", 1)]) == []


def test_mixed_e_stim_add_on_is_a_warning_not_a_problem():
    lines = [("97810", 1), ("97814", 1)]
    assert check_acupuncture(lines) == []
    assert acupuncture_warnings(lines)
    assert acupuncture_warnings([("97810", 1), ("97811", 1)]) == []
