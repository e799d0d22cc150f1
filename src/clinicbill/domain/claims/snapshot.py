"""A claim read once into a frozen ClaimSnapshot (STYLE.md habit 3).

The scrubber, the 837P writer, the CMS-1500 and the CSV/JSON export all read the same snapshot,
so what was checked is what gets sent. Everything the rules need from the database (visit
history, other claims' lines, coverage problems) is read here too, so each rule is a pure
function of the snapshot. `load_snapshots` reads many claims in a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from clinicbill.domain.practice.profiles import Profile

ACUPUNCTURE_CODES = ("97810", "97811", "97813", "97814")
# Codes counted toward a therapy threshold (a profile's [therapy_threshold] names its own).
THERAPY_CODES = ("97110", "97112", "97113", "97116", "97124", "97140", "97530", "97535")


@dataclass(frozen=True)
class Address:
    line1: str | None
    line2: str | None
    city: str | None
    state: str | None
    zip: str | None

    @property
    def complete(self) -> bool:
        return bool(self.line1 and self.city and self.state and self.zip)


@dataclass(frozen=True)
class Person:
    last_name: str
    first_name: str
    middle_name: str | None
    dob: date | None
    sex: str | None
    address: Address
    phone: str | None = None


@dataclass(frozen=True)
class BillingProvider:
    """Box 33 / loop 2010AA, plus the practice's X12 settings (1000A/1000B, ISA)."""

    name: str
    npi: str
    tax_id: str
    tax_id_type: str  # EIN | SSN
    taxonomy: str
    address: Address
    phone: str
    email: str | None
    person: Person | None  # set when the billing provider is a solo practitioner (type-1 NPI)
    submitter_id: str | None
    receiver_id: str | None
    receiver_name: str | None
    contact_name: str | None
    x12_usage: str


@dataclass(frozen=True)
class Practitioner:
    """The rendering provider (box 24J / loop 2310B)."""

    id: int
    first_name: str
    last_name: str
    credential: str
    npi: str
    taxonomy: str
    license: str | None
    license_state: str | None


@dataclass(frozen=True)
class Coverage:
    """A policy with its payer: boxes 1, 1a, 4, 6, 7, 11 (or 9 for the other coverage)."""

    policy_id: int
    priority: str
    member_id: str
    group_number: str | None
    plan_name: str | None
    relationship: str  # self | spouse | child | other
    subscriber: Person
    payer_db_id: int
    payer_name: str
    payer_identifier: str | None
    payer_type: str
    payer_address: Address
    sbr09: str
    effective_from: date | None
    effective_to: date | None


@dataclass(frozen=True)
class Referring:
    """Box 17 / loop 2310A, and the referral number (2300 REF*9F)."""

    first_name: str
    last_name: str
    npi: str
    qualifier: str
    number: str | None
    expires_on: date | None


@dataclass(frozen=True)
class InjuryCaseFacts:
    """The injury case the claim's sessions bill under (boxes 10a-c, 11b, 14; CLM11, DTP*439,
    DTP*431, REF*Y4), with the charges billed under it on other claims (PIP limit)."""

    id: int
    kind: str  # workers-comp | auto | other-accident | illness
    injury_date: date
    onset_date: date | None
    state: str | None
    employer: str | None
    claim_number: str | None
    pip_limit_cents: int | None
    billed_elsewhere_cents: int = 0

    @property
    def related_cause(self) -> str | None:
        """CLM11-1 / boxes 10a-c: EM employment, AA auto accident, OA other accident."""
        return {"workers-comp": "EM", "auto": "AA", "other-accident": "OA"}.get(self.kind)


@dataclass(frozen=True)
class Adjustment:
    group: str  # CO | PR | OA | PI
    reason: str  # CARC
    amount_cents: int


@dataclass(frozen=True)
class LineAdjudication:
    """What the prior payer did with one line (837P 2430 SVD/CAS)."""

    service_line_id: int
    paid_cents: int
    adjustments: tuple[Adjustment, ...]
    adjudicated_on: date | None


@dataclass(frozen=True)
class PriorPayer:
    """The primary's adjudication, reported on a secondary claim (837P 2320/2330/2430)."""

    claim_id: int
    coverage: Coverage
    payer_claim_control_number: str | None
    paid_cents: int
    adjudicated_on: date | None
    lines: tuple[LineAdjudication, ...]

    def for_line(self, service_line_id: int) -> LineAdjudication | None:
        for line in self.lines:
            if line.service_line_id == service_line_id:
                return line
        return None


@dataclass(frozen=True)
class Line:
    """One service line of the claim (box 24 / loop 2400)."""

    claim_line_id: int
    number: int
    service_line_id: int
    encounter_id: int
    service_date: date
    place_of_service: str
    code: str
    modifiers: tuple[str, ...]
    units: int
    minutes: int | None
    charge_cents: int
    pointers: tuple[int, ...]  # claim diagnosis positions 1..12; 0 = points at no diagnosis
    description: str | None


@dataclass(frozen=True)
class OtherLine:
    """A line of another active claim of the same patient (duplicate detection)."""

    claim_id: int
    service_line_id: int
    service_date: date
    code: str
    modifiers: tuple[str, ...]
    payer_db_id: int


@dataclass(frozen=True)
class CoverageIssue:
    encounter_id: int
    code: str
    message: str
    hint: str


@dataclass(frozen=True)
class ScrubContext:
    """Facts from outside the claim that the rules need, read with the snapshot."""

    coverage_issues: tuple[CoverageIssue, ...] = ()
    acupuncture_dates: tuple[date, ...] = ()  # the patient's acupuncture visits with this payer
    other_lines: tuple[OtherLine, ...] = ()
    # the patient's therapy lines billed to this payer in the claim's years (KX threshold):
    # (date of service, service line id, charge cents)
    therapy_lines: tuple[tuple[date, int, int], ...] = ()
    abns: tuple = ()  # the patient's ABNs on file, domain.cases.abn.AbnOnFile per code
    # encounters of threshold-payer therapy lines whose note states medical necessity (KX)
    necessity_documented: frozenset[int] = frozenset()


@dataclass(frozen=True)
class ClaimSnapshot:
    claim_id: int
    patient_control_number: str
    status: str
    frequency: str  # CLM05-3: 1 original, 7 replacement, 8 void
    priority: str  # primary | secondary | tertiary
    from_date: date
    to_date: date
    billing: BillingProvider
    rendering: Practitioner
    patient: Person
    patient_account: str
    coverage: Coverage
    other_coverage: Coverage | None  # box 9 / 11d
    profile: Profile
    diagnoses: tuple[str, ...]  # dotted ICD-10-CM codes, box 21 A..L
    lines: tuple[Line, ...]
    authorization_number: str | None
    referral: Referring | None
    original_reference: str | None  # payer claim control number of the claim replaced (REF*F8)
    prior_payer: PriorPayer | None
    signature_on_file: bool  # box 12 / CLM09
    assignment_on_file: bool  # box 13 / CLM08
    patient_paid_cents: int  # box 29 / AMT*F5
    as_of: date
    context: ScrubContext = field(default_factory=ScrubContext)
    case: InjuryCaseFacts | None = None

    @property
    def total_cents(self) -> int:
        """Box 28 / CLM02: always the sum of the lines."""
        return sum(line.charge_cents for line in self.lines)

    @property
    def place_of_service(self) -> str:
        """CLM05-1: the place of service of most lines (lines that differ carry SV105)."""
        counts: dict[str, int] = {}
        for line in self.lines:
            counts[line.place_of_service] = counts.get(line.place_of_service, 0) + 1
        return max(counts, key=lambda pos: (counts[pos], pos)) if counts else "11"

    @property
    def patient_is_subscriber(self) -> bool:
        return self.coverage.relationship == "self"
