"""The CPT/HCPCS catalog."""

from __future__ import annotations

import pytest

from clinicbill.domain.codesets import cpt
from clinicbill.domain.errors import ClinicbillError

REQUIRED = ["97124", "97140", "97110", "97112", "97530", "97810", "97811", "97813", "97814"]
REQUIRED += ["97010", "97014", "G0283"] + [f"9920{i}" for i in range(2, 6)]
REQUIRED += [f"9921{i}" for i in range(1, 6)]


@pytest.mark.parametrize("code", REQUIRED)
def test_catalog_covers_the_codes_these_practices_bill(code):
    entry = cpt.entry(code)
    assert entry is not None
    assert entry.description
    assert cpt.describe(code) == entry.description


def test_timed_codes_are_the_15_minute_codes_of_domain_section_7():
    timed = {e.code for e in cpt.catalog().values() if e.timed}
    assert timed == {"97124", "97140", "97110", "97112", "97530"}
    assert cpt.is_timed("97124") and not cpt.is_timed("97810") and not cpt.is_timed("12345")


def test_acupuncture_roles_and_e_stim():
    assert cpt.entry("97810").is_acupuncture_initial and not cpt.entry("97810").estim
    assert cpt.entry("97813").is_acupuncture_initial and cpt.entry("97813").estim
    assert cpt.entry("97811").is_acupuncture_add_on
    assert cpt.entry("97814").is_acupuncture_add_on and cpt.entry("97814").estim
    assert cpt.entry("97810").hsa_eligible is True
    assert cpt.entry("97124").hsa_eligible is None  # needs a letter of medical necessity
    assert "59" in cpt.entry("97140").typical_modifiers


def test_unknown_code_has_no_entry_and_an_empty_description():
    assert cpt.entry("00000") is None
    assert cpt.describe("00000") == ""
    assert cpt.entry("97124 ".lower()) is not None


def test_search_by_code_prefix_words_and_category():
    assert [e.code for e in cpt.search("9781")] == ["97810", "97811", "97813", "97814"]
    assert {e.code for e in cpt.search("acupuncture e-stim")} >= {"97813", "97814"}
    assert {e.code for e in cpt.search("wellness")} >= {"WM060"}
    assert len(cpt.search()) == len(cpt.catalog())
    assert cpt.search("no such thing") == []


def test_practice_file_adds_and_replaces_codes(tmp_path, monkeypatch):
    from clinicbill.resources import config_dir

    cpt.catalog.cache_clear()
    path = config_dir() / "cpt.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '[codes."HSTN1"]\ndescription = "Hot stone massage, 60 minutes"\ncategory = "wellness"\n'
        '[codes."97124"]\ndescription = "Our massage"\ncategory = "massage"\ntimed = true\n'
    )
    try:
        assert cpt.describe("HSTN1") == "Hot stone massage, 60 minutes"
        assert cpt.describe("97124") == "Our massage"
        path.write_text('[codes."TOOLONG"]\ndescription = "x"\ncategory = "wellness"\n')
        cpt.catalog.cache_clear()
        with pytest.raises(ClinicbillError, match="5-character"):
            cpt.catalog()
        path.write_text('[codes."AB123"]\ndescription = "x"\ncategory = "spa"\n')
        cpt.catalog.cache_clear()
        with pytest.raises(ClinicbillError, match="category"):
            cpt.catalog()
    finally:
        path.unlink()
        cpt.catalog.cache_clear()
