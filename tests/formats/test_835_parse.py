"""The 835 reader: public samples, envelopes, delimiters, and refusals that name the segment."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from clinicbill.domain.errors import ClinicbillError
from clinicbill.formats.x12_835 import MAX_BYTES, parse_835, read_835
from tests.conftest import SAMPLES

GOOD_SAMPLES = [
    "hdi__835-denial.dat",
    "hdi__835-minimal.dat",
    "hdi__835-provider-level-adjustment.dat",
    "hdi__claim_adj_reason.dat",
    "hdi__dollars_data_separate.dat",
    "pyx12__835_mult_loops.txt",
]


@pytest.mark.parametrize("name", GOOD_SAMPLES)
def test_every_public_sample_parses(name):
    parsed = read_835(SAMPLES / name)
    assert parsed.advices
    assert len(parsed.sha256) == 64
    for advice in parsed.advices:
        assert advice.trace_number and advice.payer_identifier
        for claim in advice.claims:
            assert claim.patient_control_number
            for svc in claim.services:
                # line balancing holds in every public sample (samples README)
                assert svc.charge_cents - sum(a.amount_cents for a in svc.adjustments) == (
                    svc.paid_cents
                )


def test_claim_adj_reason_with_pipe_component_separator():
    advice = read_835(SAMPLES / "hdi__claim_adj_reason.dat").advices[0]
    assert (advice.paid_cents, advice.method, advice.payment_date) == (
        8000,
        "CHK",
        date(2019, 8, 16),
    )
    assert advice.trace_number == "CK NUMBER 1"
    assert advice.payer_name == "ANY PLAN USA"
    assert advice.payee_identifier == "1123454567"
    (claim,) = advice.claims
    assert (claim.patient_control_number, claim.status_code) == ("PATACCT", "1")
    assert (claim.charge_cents, claim.paid_cents) == (40000, 8000)
    assert claim.payer_claim_control_number == "CLAIMNUMBER"
    codes = [(s.code, s.paid_cents, [a.label for a in s.adjustments]) for s in claim.services]
    assert codes == [
        ("99213", 8000, ["CO-45"]),
        ("85003", 0, ["CO-204"]),
        ("36415", 0, ["CO-97"]),
    ]
    assert claim.services[0].allowed_cents == 8000
    assert claim.services[0].units == Decimal(1)
    assert advice.warnings == ()


def test_denial_sample_keeps_line_control_number_and_remark():
    claim = read_835(SAMPLES / "hdi__835-denial.dat").advices[0].claims[0]
    assert claim.is_denied
    svc = claim.services[0]
    assert svc.line_control_number == "1234"
    assert svc.remarks == ("M143",)
    assert [a.label for a in svc.adjustments] == ["OA-252"]


def test_multiple_transactions_and_provider_level_adjustments():
    parsed = read_835(SAMPLES / "hdi__835-provider-level-adjustment.dat")
    assert [a.control_number for a in parsed.advices] == ["0001", "0002", "0003"]
    first = parsed.advices[0]
    assert [(p.reason, p.reference, p.amount_cents) for p in first.provider_adjustments[:2]] == [
        ("WO", "3243079284", 29818),
        ("72", "3243079284", -29818),
    ]
    assert first.provider_adjustments[0].fiscal_period == date(2024, 12, 31)
    # transactions 0002 and 0003 do not balance (samples README): reported as warnings
    assert first.warnings == ()
    assert parsed.advices[1].warnings and parsed.advices[2].warnings


def test_service_dates_from_dtm_150_and_units():
    claim = read_835(SAMPLES / "pyx12__835_mult_loops.txt").advices[0].claims[0]
    assert [(s.service_date, s.units) for s in claim.services] == [
        (date(2003, 11, 29), Decimal(68)),
        (date(2003, 10, 30), Decimal(16)),
        (date(2003, 10, 31), Decimal(36)),
    ]
    assert claim.services[0].remarks == ("N14",)


def test_managed_care_sample_is_refused_naming_bpr16():
    # Its BPR16 is 20002316 (month 23): the payment date is unusable, so nothing posts.
    with pytest.raises(ClinicbillError) as exc:
        read_835(SAMPLES / "lfh__managed-care.835")
    assert "segment 4 (BPR, line 4)" in exc.value.message
    assert "BPR16 '20002316' is not a valid date" in exc.value.message
    assert "nothing was posted" in exc.value.hint


def test_an_837_is_not_a_remittance():
    with pytest.raises(ClinicbillError) as exc:
        read_835(SAMPLES / "lfh__demo.example1.x222a1.837")
    assert "GS01 'HC' is not HP" in exc.value.message
    assert "835" in exc.value.hint


MINIMAL = (SAMPLES / "hdi__835-minimal.dat").read_text()


def test_truncated_file_names_where_it_ends():
    cut = MINIMAL[: MINIMAL.index("CAS*PR")]
    with pytest.raises(ClinicbillError) as exc:
        parse_835(cut.encode(), "cut.835")
    assert exc.value.message.startswith("cut.835: segment")
    assert "truncated" in exc.value.message


def test_segment_count_mismatch_is_refused():
    broken = MINIMAL.replace("SE*24*0002", "SE*23*0002")
    with pytest.raises(ClinicbillError, match=r"SE01 says 23 segments but the transaction has 24"):
        parse_835(broken.encode())


def test_bad_amount_names_segment_element_and_line():
    broken = MINIMAL.replace("CLP*5554555444*1*800*500", "CLP*5554555444*1*8O0*500")
    with pytest.raises(ClinicbillError) as exc:
        parse_835(broken.encode(), "x.835")
    assert "segment 20 (CLP, line 22)" in exc.value.message
    assert "CLP03 '8O0' is not an amount" in exc.value.message


def test_more_than_two_decimals_refused():
    broken = MINIMAL.replace("SVC*HC:99211*800*500", "SVC*HC:99211*800*500.001")
    with pytest.raises(ClinicbillError, match="SVC03 '500.001' has more than two decimals"):
        parse_835(broken.encode())


def test_unknown_cas_group_refused():
    broken = MINIMAL.replace("CAS*PR*1*300", "CAS*CR*1*300")
    with pytest.raises(ClinicbillError, match="CAS01 'CR' is not a 5010 group code"):
        parse_835(broken.encode())


def test_binary_junk_and_empty_and_not_x12():
    for data, text in (
        (b"\x00\x01\x02binary", "control character"),
        (b"", "is empty"),
        (b"hello world", "does not start with an ISA"),
        (b"\xff\xfe\xfa", "not text"),
        (b"ISA*00*short", "ISA segment is truncated"),
    ):
        with pytest.raises(ClinicbillError, match=text):
            parse_835(data, "junk")


def test_size_limit(tmp_path, monkeypatch):
    import clinicbill.formats.x12_835 as module

    path = tmp_path / "big.835"
    path.write_bytes(b"ISA" + b" " * 2000)
    monkeypatch.setattr(module, "MAX_BYTES", 1000)
    with pytest.raises(ClinicbillError, match="at most 1000 are read"):
        read_835(path)
    assert MAX_BYTES >= 50 * 1024 * 1024


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ClinicbillError, match="does not exist"):
        read_835(tmp_path / "nope.835")
    with pytest.raises(ClinicbillError, match="is a directory"):
        read_835(tmp_path)


def test_unpadded_isa_and_newline_terminators_still_parse():
    compact = MINIMAL.replace("ABCPAYER       ", "ABCPAYER").replace("~\n", "\n").replace("~", "")
    isa = compact.splitlines()[0]
    assert len(isa) < 105
    advice = parse_835(compact.encode()).advices[0]
    assert advice.claims[0].paid_cents == 50000


def test_crlf_and_blank_lines_between_segments():
    text = MINIMAL.replace("~\n", "~\r\n\r\n")
    assert parse_835(text.encode()).advices[0].claims[0].services[0].code == "99211"


def test_two_interchanges_in_one_file():
    both = MINIMAL + (SAMPLES / "hdi__claim_adj_reason.dat").read_text()
    parsed = parse_835(both.encode())
    assert [a.trace_number for a in parsed.advices] == ["CHECK_1", "CK NUMBER 1"]


def test_bpr02_mismatch_is_a_warning_not_a_refusal():
    advice = parse_835(MINIMAL.encode()).advices[0]  # BPR02 132 vs CLP04 500 (samples README)
    assert any("BPR02 13200 cents" in w for w in advice.warnings)


def test_moa_remarks_and_claim_dates():
    text = MINIMAL.replace(
        "NM1*QC*1*BUDD*WILLIAM****MI*33344555510~",
        "NM1*QC*1*BUDD*WILLIAM****MI*33344555510~\nMOA***MA01*N130~\nDTM*232*20240301~",
    ).replace("SE*24*0002", "SE*26*0002")
    claim = parse_835(text.encode()).advices[0].claims[0]
    assert claim.remarks == ("MA01", "N130")
    assert claim.service_date == date(2024, 3, 1)
