"""ICD-10-CM look-up from simple-icd-10-cm's data files (DOMAIN.md §10)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinicbill.domain.codesets import icd
from clinicbill.domain.errors import ClinicbillError


@pytest.mark.parametrize(
    ("typed", "normal"),
    [("m545", "M54.5"), ("M54.50", "M54.50"), (" m62830 ", "M62.830"), ("Z00", "Z00")],
)
def test_normalise_adds_the_dot_and_upper_cases(typed, normal):
    assert icd.normalise(typed) == normal


def test_x12_form_has_no_dot():
    assert icd.x12("M54.50") == "M5450"
    assert icd.x12("m62.830") == "M62830"


@given(st.from_regex(r"[A-Z][0-9][0-9A-Z]{1,5}", fullmatch=True))
def test_normalise_is_idempotent_and_x12_round_trips(code):
    once = icd.normalise(code)
    assert icd.normalise(once) == once
    assert icd.x12(once) == code


def test_header_code_is_refused_with_its_billable_children():
    with pytest.raises(ClinicbillError) as caught:
        icd.check_billable("M54.5")
    assert caught.value.message.startswith("diagnosis: M54.5")
    assert caught.value.hint.endswith("M54.50, M54.51, M54.59")


def test_header_with_many_children_lists_some_and_counts_them():
    with pytest.raises(ClinicbillError) as caught:
        icd.check_billable("M54", field="dx")
    assert caught.value.message.startswith("dx: M54 ")
    assert "33 codes" in caught.value.hint


def test_unknown_code_is_refused_with_a_search_hint():
    with pytest.raises(ClinicbillError) as caught:
        icd.check_billable("Q99.999")
    assert "is not an ICD-10-CM code" in caught.value.message
    assert "codes icd" in caught.value.hint
    with pytest.raises(ClinicbillError):
        icd.check_billable("")


@pytest.mark.parametrize("typed", ["M54.50", "m5450", "M54.51", "M62.830", "S13.4XXA"])
def test_billable_codes_come_back_normalised(typed):
    assert icd.check_billable(typed, on=date(2026, 3, 1)) == icd.normalise(typed)


def test_lookup_and_descriptions():
    assert icd.lookup("M54.50") == icd.IcdCode("M54.50", "Low back pain, unspecified", True)
    assert icd.lookup("M54.5").billable is False
    assert icd.lookup("nonsense!") is None
    assert icd.description("M62.830") == "Muscle spasm of back"
    assert icd.description("Q99.999") is None


def test_seventh_character_codes_get_the_extension_meaning():
    assert icd.description("S13.4XXA") == (
        "Sprain of ligaments of cervical spine, initial encounter"
    )
    assert icd.lookup("S13.4").billable is False


def test_search_by_words_ranks_billable_phrase_matches_first():
    hits = icd.search("low back pain")
    assert [h.code for h in hits[:3]] == ["M54.50", "M54.59", "M54.51"]
    assert all(h.billable for h in hits[:3])
    assert icd.search("neck pain")[0].code == "M54.2"  # everyday words for cervicalgia
    assert icd.search("") == []


def test_search_by_code_prefix_lists_the_header_and_its_children():
    assert [h.code for h in icd.search("m545")] == ["M54.5", "M54.50", "M54.51", "M54.59"]


def test_plain_terms_point_at_billable_codes():
    for codes in icd.PLAIN_TERMS.values():
        for code in codes:
            assert icd.lookup(code).billable, code


def test_dates_before_the_shipped_code_sets_say_which_set_was_used():
    start = icd.code_set().starts
    assert icd.code_set().fiscal_year == 2026
    before = icd.code_set_warning(date(2019, 6, 1))
    assert "FY2019" in before and "shipped: FY2021-FY2026" in before
    assert "validity before 2020-10-01 cannot be checked" in before and "against FY2021" in before
    assert icd.code_set_warning(date(2026, 11, 2)) is None  # a refusal names FY2026 instead
    # a date inside the shipped fiscal years (FY2021..FY2026) is checked against its own set
    assert icd.code_set_warning(date(2021, 6, 1)) is None
    assert icd.code_set_warning(date(2023, 6, 1)) is None
    assert icd.code_set_warning(start) is None
    assert icd.code_set_warning(None) is None


def test_index_is_cached_on_disk_and_rebuilt_when_missing():
    path = icd._cache_path(icd.code_set())
    icd._index.cache_clear()
    icd._index()
    assert path.is_file()
    first = path.read_text()
    assert "\nM5450\t1\tLow back pain, unspecified\t" in first
    icd._index.cache_clear()
    icd._seek.cache_clear()
    path.unlink()
    assert icd.lookup("M54.50").billable
    assert path.read_text() == first


def test_lookup_never_imports_simple_icd_10_cm():
    code = (
        "import sys; from clinicbill.domain.codesets import icd; icd.check_billable('M54.50'); "
        "print('simple_icd_10_cm' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _in_memory(plain: str) -> str | None:
    text = icd._index()
    at = text.find(f"\n{plain}\t")
    return None if at < 0 else icd._line_at(text, at + 1)


@given(
    st.one_of(
        st.from_regex(r"[A-Z][0-9][0-9A-Z]{1,5}", fullmatch=True),
        st.sampled_from(["A00", "A000", "M5450", "S134XXA", "Z9989", "Z9999", "A0000"]),
    )
)
def test_binary_search_in_the_index_file_finds_what_the_whole_index_finds(plain):
    icd._seek.cache_clear()
    assert icd._seek(plain) == _in_memory(plain)


def test_lookup_of_one_code_does_not_read_the_whole_index():
    icd._index.cache_clear()
    icd._seek.cache_clear()
    icd._index()  # the cache file exists
    icd._index.cache_clear()
    assert icd.lookup("M54.50").description == "Low back pain, unspecified"
    assert icd._index.cache_info().currsize == 0


def test_everyday_complaints_find_their_codes_first():
    assert [h.code for h in icd.search("chronic low back")][:4] == [
        "M54.50", "M54.59", "M54.51", "G89.29",
    ]  # fmt: skip
    assert [h.code for h in icd.search("chronic low back pain")][0] == "M54.50"  # not M54.9
    assert [h.code for h in icd.search("tension headache")][0] == "G44.209"
    assert "F43.9" not in [h.code for h in icd.search("distress")]  # whole words only
