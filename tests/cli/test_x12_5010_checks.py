"""The 270 and 276 we write, checked against the 5010 guides twice (tests/x12maps.py): x12sdk's
5010 models, and pyx12's 4010 maps with the listed 5010 adaptations. Each adaptation is shown
to be needed, and each validator to reject what it is relied on to reject."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from clinicbill.store.engine import transaction
from tests.claimkit import RECENT
from tests.factories import make_encounter
from tests.x12check import validate, validate_sdk
from tests.x12maps import ADAPTATIONS, MAP_270, MAP_276, map_path

MASSAGE = {"code": "97124", "charge_cents": 6500, "units": 2, "minutes": 30}
ACUPUNCTURE = {"code": "97810", "charge_cents": 7500, "units": 1, "minutes": 15}


@pytest.fixture
def written(sample_db, sample_run, tmp_path) -> dict[str, str]:
    """A 270 for Chen (subscriber) and Lucas Okafor (dependent), and a 276 for their claims."""
    day = RECENT - timedelta(days=3)
    with transaction(sample_db, "tester") as s:
        make_encounter(s, 1, 1, day, [MASSAGE], 1)
        make_encounter(s, 3, 2, day, [ACUPUNCTURE], 4)
    files = {MAP_270: tmp_path / "day.270", MAP_276: tmp_path / "status.276"}
    steps = [
        ("eligibility", "request", "--date", day.isoformat(), "-o", str(files[MAP_270])),
        ("claim", "create", "--all"),
        ("claim", "check", "--all"),
        ("claim", "export", "--ready", "--format", "837p", "-o", str(tmp_path / "b.837")),
        ("claim", "status-request", "1", "2", "-o", str(files[MAP_276])),
    ]
    for step in steps:
        result = sample_run(*step)
        assert result.exit_code == 0, (step, result.output)
    return {name: path.read_text() for name, path in files.items()}


def test_both_validators_accept_what_we_write(written):
    for text in written.values():
        assert validate_sdk(text) == (True, [])
        assert validate(text, map_path()) == (True, [])


def test_each_adaptation_of_the_4010_maps_is_needed(written):
    """Without any one of them pyx12 refuses our file: the list says exactly what 5010 needs
    of the 4010 maps, and nothing is adapted that our files do not use."""
    assert {a.map for a in ADAPTATIONS} == {MAP_270, MAP_276}
    unneeded = []
    for adaptation in ADAPTATIONS:
        assert adaptation.what and "X279A1" in adaptation.why or "X212" in adaptation.why
        ok, _messages = validate(written[adaptation.map], map_path(frozenset({adaptation.name})))
        if ok:
            unneeded.append(adaptation.name)
    assert unneeded == []


BROKEN = [  # (file, what we break, from, to): each a 5010 rule x12sdk checks
    (MAP_270, "payer name loop 2100A", "NM1*PR*2*CASCADE HEALTH PLAN*****PI*CHP01~", ""),
    (MAP_270, "a date of service that is no date", r"DTP\*291\*D8\*\d{8}", "DTP*291*D8*20261340"),
    (MAP_270, "an unknown service type", "EQ*AE", "EQ*ZZZ"),
    (MAP_270, "BHT02 purpose code", "BHT*0022*13", "BHT*0022*99"),
    (MAP_270, "the 4010 version in GS08", "*X*005010X279A1", "*X*004010X092A1"),
    (MAP_276, "AMT01 qualifier", "AMT*T3*", "AMT*XX*"),
    (MAP_276, "NM1 id qualifier without its id", "*MI*CHP884412001", "*MI*"),
    (MAP_276, "an unknown segment", "REF*EJ*CB00000001~", "REF*EJ*CB00000001~XYZ*1~"),
]


@pytest.mark.parametrize(("name", "what", "old", "new"), BROKEN, ids=[b[1] for b in BROKEN])
def test_x12sdk_rejects_a_broken_file(written, name, what, old, new):
    text = written[name]
    broken = re.sub(old if old.startswith("DTP") else re.escape(old), new, text, count=1)
    assert broken != text
    ok, messages = validate_sdk(broken)
    assert not ok and messages, what


ENVELOPE = [  # what x12sdk does not look at (it reads ST..SE only); pyx12 does
    ("GE01 transaction count", "GE*1*1~", "GE*2*1~"),
    ("IEA02 not the ISA13", "IEA*1*000000001~", "IEA*1*000000009~"),
    ("ST03 not the GS08", "ST*270*0001*005010X279A1~", "ST*270*0001*005010X279~"),
]


@pytest.mark.parametrize(("what", "old", "new"), ENVELOPE, ids=[e[0] for e in ENVELOPE])
def test_the_envelope_is_checked_by_pyx12_not_x12sdk(written, what, old, new):
    """Why pyx12 (with the adapted maps) stays beside x12sdk."""
    text = written[MAP_270]
    assert old in text
    broken = text.replace(old, new, 1)
    assert validate_sdk(broken) == (True, [])
    assert validate(broken, map_path())[0] is False, what
