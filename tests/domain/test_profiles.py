"""Payer profiles: the registry (PROFILE_NAMES and data/profiles/*.toml) and the typed schema
every profile file is checked against when it is loaded."""

from __future__ import annotations

import tomllib
import typing
from dataclasses import fields
from pathlib import Path

import pytest

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.practice.profiles import (
    DEFAULT_PROFILE,
    PROFILE_NAMES,
    SBR09,
    Profile,
    load_profile,
    profile_from_toml,
)
from clinicbill.resources import data_path

SHIPPED = Path(str(data_path("profiles")))


def shipped(name: str) -> dict:
    return tomllib.loads((SHIPPED / f"{name}.toml").read_text())


def test_every_profile_file_is_registered_and_every_entry_loads():
    """The registry's one test: add a profile as data/profiles/NAME.toml plus NAME in
    PROFILE_NAMES, and it must pass this."""
    assert sorted(p.stem for p in SHIPPED.glob("*.toml")) == sorted(PROFILE_NAMES)
    assert set(DEFAULT_PROFILE.values()) <= set(PROFILE_NAMES)
    hints = typing.get_type_hints(Profile)
    for name in PROFILE_NAMES:
        profile = load_profile(name)
        assert profile.name == name
        assert profile.sbr09 in SBR09.values()
        for field in fields(Profile):  # the loaded values have the declared types
            expected = typing.get_origin(hints[field.name]) or hints[field.name]
            assert isinstance(getattr(profile, field.name), expected), (name, field.name)
        assert all(isinstance(c, tuple) for c in profile.credentials.values()), name
        if name != "self-pay":
            assert profile.billable and profile.timely_filing_days > 0, name


def refusal(raw: dict) -> str:
    with pytest.raises(ClinicbillError) as caught:
        profile_from_toml(raw, "/practice/profiles/medicare.toml")
    return caught.value.message


def test_an_unknown_key_is_refused_naming_the_file_and_the_key():
    raw = shipped("medicare") | {"timely_filling_days": 90}
    message = refusal(raw)
    assert message == (
        "profile: /practice/profiles/medicare.toml: key 'timely_filling_days' is not a profile key"
    )
    nested = shipped("medicare")
    nested["reevaluation"] = {"days": 90, "visits": 10, "weeks": 4}
    assert "key 'reevaluation.weeks' is not a profile key" in refusal(nested)


def test_a_wrong_type_is_refused_naming_the_key_and_the_type():
    raw = shipped("medicare") | {"timely_filing_days": "365"}
    assert refusal(raw).endswith("key 'timely_filing_days' must be a whole number, not a string")
    assert "must be true or false, not a number" in refusal(
        raw | {"timely_filing_days": 365, "billable": 1}
    )
    nested = shipped("medicare")
    nested["therapy_threshold"]["amounts"]["2027"] = 2500.5
    assert "key 'therapy_threshold.amounts' must be a table of whole numbers" in refusal(nested)
    rules = shipped("commercial")
    rules["diagnosis_support"][0]["codes"] = "97124"
    assert "key 'diagnosis_support[1].codes' must be a list of strings" in refusal(rules)


def test_a_missing_required_key_is_refused():
    raw = shipped("auto")
    del raw["sbr09"]
    assert refusal(raw).endswith("key 'sbr09' is missing")
    del raw["reevaluation"]["visits"]
    raw["sbr09"] = "AM"
    assert "key 'reevaluation.visits' is missing" in refusal(raw)


def test_a_unit_rule_or_filing_indicator_the_code_does_not_know_is_refused():
    assert "key 'unit_rule' is 'cms-7-minute'" in refusal(
        shipped("medicare") | {"unit_rule": "cms-7-minute"}
    )
    assert "key 'sbr09' is 'XX'" in refusal(shipped("medicare") | {"sbr09": "XX"})


def test_a_practice_copy_is_checked_when_a_command_loads_it(sample_run, tmp_path):
    """The practice's copy in the config dir wins, and a bad one is refused at load: one
    `error:` line naming the file and the key, exit 1, no traceback."""
    import os

    copy = Path(os.environ["XDG_CONFIG_HOME"]) / "clinicbill" / "profiles" / "medicare.toml"
    copy.parent.mkdir(parents=True)
    text = (SHIPPED / "medicare.toml").read_text()
    copy.write_text(text.replace("visit_limit_per_year = 20", "visit_limit_per_year = 'twenty'"))
    load_profile.cache_clear()
    try:
        result = sample_run("payer", "show", "Medicare")
        assert result.exit_code == 1, result.output
        assert f"error: profile: {copy}: key 'visit_limit_per_year' must be a whole number" in (
            result.output
        )
        assert "Traceback" not in result.output
        copy.write_text(text.replace('name = "medicare"', 'name = "commercial"'))
        load_profile.cache_clear()
        result = sample_run("payer", "show", "Medicare")
        assert (
            result.exit_code == 1 and "key 'name' is 'commercial', not 'medicare'" in result.output
        )
        copy.write_text(text.replace("visit_limit_per_year = 20", "visit_limit_per_year = 16"))
        load_profile.cache_clear()
        result = sample_run("payer", "show", "Medicare")
        assert result.exit_code == 0, result.output
        [line] = [x for x in result.output.splitlines() if "rule_visit_limit_per_year" in x]
        assert line.split()[-1] == "16"
    finally:
        load_profile.cache_clear()
