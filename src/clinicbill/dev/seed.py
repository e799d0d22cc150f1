"""A synthetic practice for benchmarks and load tests: `clinicbill dev seed` (a developer tool).

Over the sample practice (domain/practice/sample.py) it builds years of a massage/acupuncture
clinic:
generated providers, payers, patients and policies; signed sessions with diagnoses and service
lines; one claim per insured visit with its dated status history; weekly 835-style remittances
per payer with contractual write-offs, coinsurance/copay/deductible moved to the patient,
denials (CO/PR/OA) and partial payments; patient payments at the visit and after
adjudication, a few unpaid balances and unapplied prepayments (credits).

Deterministic: the same seed, years, providers, end date and volumes give the same rows.

The set-up records (sample practice, providers, payers, fees) go through the ordinary domain
functions and are audited. The bulk rows are written with SQLAlchemy Core executemany inside
the command's one transaction, which bypasses the ORM audit hook on purpose: seeded data is
throwaway test data, never a practice's records, so the audit log does not list it.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from clinicbill.dev.seed_billing import PAYER_PLANS, Biller
from clinicbill.dev.seed_claims import at
from clinicbill.domain.errors import ClinicbillError
from clinicbill.store.models import Encounter, FeeSchedule, Patient, Payer, Policy, Provider

GENERATOR_VERSION = 1
CHUNK_VISITS = 4_000  # sessions written per round of executemany

FIRST = (
    "Maya Robert Lucas Priya Daniel Sofia Thomas Hannah Olivia Liam Emma Noah Ava Elijah "
    "Isabella James Mia Benjamin Amelia Henry Harper Alexander Evelyn Michael Abigail Ethan "
    "Emily Jacob Ella Jackson Elizabeth Sebastian Camila Aiden Luna Matthew Sofia Samuel Avery "
    "David Mila Joseph Aria Carter Scarlett Owen Penelope Wyatt Layla John Chloe Jack Victoria "
    "Luke Madison Jayden Eleanor Dylan Grace Grayson Nora Levi Riley Isaac Zoey Gabriel Lily"
).split()
LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
    "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter "
    "Roberts Chen Kim Patel Tanaka Novak Larsen Okafor Haddad Kowalski Schmidt Rossi Silva"
).split()
STREETS = (
    "SE Division St NE Alberta St SW Barbur Blvd N Williams Ave NE Sandy Blvd SE Hawthorne "
    "Blvd NW 23rd Ave SE Belmont St N Lombard St NE Broadway SW Capitol Hwy SE Foster Rd"
).split(" ")
CITIES = (
    ("Portland", "OR", "972"),
    ("Portland", "OR", "972"),
    ("Portland", "OR", "972"),
    ("Beaverton", "OR", "970"),
    ("Gresham", "OR", "970"),
    ("Milwaukie", "OR", "972"),
    ("Vancouver", "WA", "986"),
)
GENERATED_PROVIDERS = (  # credential, taxonomy
    ("LMT", "225700000X"),
    ("LAC", "171100000X"),
    ("LMT", "225700000X"),
    ("LAC", "171100000X"),
)
GENERATED_PAYERS = (
    dict(
        name="Columbia Regional Health",
        payer_id="CRH10",
        type="commercial",
        address1="PO Box 4410",
        city="Portland",
        state="OR",
        zip="97208-4410",
    ),
    dict(
        name="Rainier Auto Insurance",
        payer_id="RAI55",
        type="auto",
        address1="800 Fifth Ave",
        city="Seattle",
        state="WA",
        zip="98104-1500",
    ),
)
# Diagnoses by kind of care. "LBP" becomes M54.5 before 2021-10-01 and M54.50 after.
MASSAGE_DX = (("M62.830",), ("M54.2",), ("LBP", "M62.830"), ("M54.6",), ("M79.18", "M54.2"))
ACUPUNCTURE_DX = (("LBP",), ("M54.2",), ("G44.209",), ("M25.511",), ("LBP", "M54.16"))
INJURY_DX = (("S13.4XXA", "M54.2"), ("S39.012A", "LBP"), ("S16.1XXA",))


@dataclass
class Visit:
    service_date: date
    patient: int  # index into the patient plans
    provider_id: int
    lines: tuple  # ((code, units, modifiers), ...)
    status: str = "signed"


def seed_practice(
    session,
    *,
    years: int = 10,
    providers: int = 5,
    seed: int = 1,
    end: date,
    lines_per_year: int = 30_000,
    ready_claims: int = 25,
    unpaid_days: int = 0,
) -> dict:
    """Fill a fresh (or sample-only) database; returns row counts and seconds taken."""
    if not 1 <= years <= 30:
        raise ClinicbillError(f"years: {years} is out of range", "seed 1 to 30 years")
    if not 2 <= providers <= 20:
        raise ClinicbillError(f"providers: {providers} is out of range", "seed 2 to 20 providers")
    if not 100 <= lines_per_year <= 1_000_000:
        raise ClinicbillError(
            f"lines-per-year: {lines_per_year} is out of range", "100 to 1,000,000"
        )
    started = time.perf_counter()
    rng = random.Random(seed)
    start = end - timedelta(days=round(365.25 * years))
    _prepare(session, providers)
    staff = _providers_by_kind(session)
    payers = {p.payer_id or "SELF": p.id for p in session.execute(select(Payer)).scalars().all()}
    fees = _fees(session)
    conn = session.connection()
    patients = _plan_patients(rng, start, end, lines_per_year * years, staff, payers)
    counts = _write_patients(conn, session, patients, payers)
    visits = sorted(
        (v for p in patients for v in p["visits"]),
        key=lambda v: (v.service_date, v.provider_id, v.patient),
    )
    _mark_recent_drafts(rng, visits, end)
    biller = Biller(
        conn,
        random.Random(seed + 1),
        fees,
        payers,
        end,
        ready_claims,
        unpaid_days,
        visits,
        patients,
    )
    for first in range(0, len(visits), CHUNK_VISITS):
        biller.write(visits[first : first + CHUNK_VISITS], patients)
    counts.update(biller.finish())
    _advance_sequences(conn, (Patient, Policy, *biller.TABLES))
    conn.exec_driver_sql("ANALYZE")  # planner statistics for the bulk-loaded tables
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts


def _prepare(session, providers: int) -> None:
    """The sample practice (unless a practice exists), generated providers and payers."""
    from clinicbill.domain.practice.records import add_payer, add_provider, set_fee
    from clinicbill.domain.validate import npi_with_check_digit

    if session.execute(select(func.count()).select_from(Encounter)).scalar():
        raise ClinicbillError(
            "db: already holds sessions", "seed a new database: clinicbill --db NEW.db dev seed"
        )
    from clinicbill.store.models import Practice

    if session.execute(select(Practice.id)).first() is None:
        from clinicbill.domain.practice.sample import load_sample

        load_sample(session)
    have = session.execute(select(func.count()).select_from(Provider)).scalar()
    names = random.Random(7)
    for index in range(have, providers):
        credential, taxonomy = GENERATED_PROVIDERS[index % len(GENERATED_PROVIDERS)]
        add_provider(
            session,
            first_name=names.choice(FIRST),
            last_name=names.choice(LAST),
            credential=credential,
            npi=npi_with_check_digit(f"1{300000000 + index * 7919:08d}"[:9]),
            taxonomy=taxonomy,
            license=f"{'MT' if credential == 'LMT' else 'AC'}-{30000 + index}",
            license_state="OR",
        )
    known = set(session.execute(select(Payer.payer_id)).scalars())
    for values in GENERATED_PAYERS:
        if values["payer_id"] not in known:
            payer = add_payer(session, **values)
            if values["payer_id"] == "CRH10":
                for code, amount in (("97124", "27.00"), ("97810", "60.00"), ("97811", "36.00")):
                    set_fee(session, code, amount, payer)
    session.flush()


def _providers_by_kind(session) -> dict[str, list[int]]:
    staff: dict[str, list[int]] = {"massage": [], "acupuncture": []}
    for provider in session.execute(select(Provider).order_by(Provider.id)).scalars():
        kind = "acupuncture" if provider.credential.upper() in ("LAC", "DIPLAC") else "massage"
        staff[kind].append(provider.id)
    if not staff["massage"] or not staff["acupuncture"]:
        raise ClinicbillError(
            "providers: the seed needs a massage therapist and an acupuncturist",
            "seed over the sample practice (clinicbill init --sample) or a fresh database",
        )
    return staff


def _fees(session) -> dict[tuple[str, int | None], int]:
    rows = session.execute(
        select(FeeSchedule.code, FeeSchedule.payer_id, FeeSchedule.amount_cents)
    ).all()
    return {(code, payer_id): cents for code, payer_id, cents in rows}


def _plan_patients(rng, start, end, target_lines, staff, payers) -> list[dict]:
    """Patients, each with coverage and a treatment history, until the line target is met."""
    mix = [(key, plan.share) for key, plan in PAYER_PLANS.items() if key in payers]
    keys, weights = zip(*mix, strict=True)
    span = (end - start).days
    plans: list[dict] = []
    total = 0
    while total < target_lines:
        payer_key = rng.choices(keys, weights)[0]
        first = start + timedelta(days=rng.randrange(span))
        kind = "acupuncture" if payer_key == "02202" or rng.random() < 0.4 else "massage"
        injury = payer_key in ("NWC77", "RAI55")
        dx = rng.choice(
            INJURY_DX if injury else MASSAGE_DX if kind == "massage" else ACUPUNCTURE_DX
        )
        patient = {
            "index": len(plans),
            "payer": payer_key,
            "kind": kind,
            "dx": dx,
            "first": first,
            "age": rng.randint(66, 88) if payer_key == "02202" else rng.randint(19, 64),
            "visits": [],
        }
        provider = rng.choice(staff[kind])
        day = first
        episodes = 0
        while day <= end and episodes < 4:
            for _ in range(1 + min(int(rng.expovariate(1 / 9)), 40 if not injury else 24)):
                if day > end:
                    break
                if rng.random() < 0.1:
                    provider = rng.choice(staff[kind])
                lines = _visit_lines(rng, kind, payer_key)
                patient["visits"].append(Visit(day, patient["index"], provider, lines))
                total += len(lines)
                day = _workday(day + timedelta(days=rng.choice((7, 7, 7, 10, 14, 14, 21))))
            episodes += 1
            if injury or rng.random() > 0.35:
                break
            day = _workday(day + timedelta(days=rng.randint(60, 420)))
        plans.append(patient)
    return plans


def _workday(day: date) -> date:
    return day + timedelta(days=1) if day.weekday() == 6 else day


def _visit_lines(rng, kind: str, payer_key: str) -> tuple:
    """(code, units, modifiers) per line: a realistic visit for the kind of care."""
    if kind == "massage":
        massage_units = rng.choice((2, 3, 3, 4, 4))
        lines = []
        if rng.random() < 0.35:
            massage_units = max(1, massage_units - 1)
            lines.append(("97140", 1, "59"))
        lines.insert(0, ("97124", massage_units, ""))
        if rng.random() < 0.15:
            lines.append((rng.choice(("97112", "97530", "97110")), 1, ""))
        return tuple(lines)
    if rng.random() < 0.7:
        lines = [("97810", 1, ""), ("97811", rng.choice((1, 1, 2)), "")]
    else:
        lines = [("97813", 1, ""), ("97814", rng.choice((1, 2)), "")]
    if rng.random() < 0.25 and payer_key != "02202":
        lines.append(("97140", 1, ""))
    return tuple(lines)


def _mark_recent_drafts(rng, visits: list[Visit], end: date) -> None:
    """A few unsigned notes from the last two days, a few voided sessions over the years."""
    for visit in visits:
        if (end - visit.service_date).days <= 1 and rng.random() < 0.3:
            visit.status = "draft"
        elif rng.random() < 0.004:
            visit.status = "void"


def _write_patients(conn, session, plans, payers) -> dict:
    rng = random.Random(len(plans))
    first_id = (session.execute(select(func.max(Patient.id))).scalar() or 0) + 1
    patient_rows, policy_rows = [], []
    next_policy = (session.execute(select(func.max(Policy.id))).scalar() or 0) + 1
    for plan in plans:
        pid = first_id + plan["index"]
        plan["id"] = pid
        sex = rng.choice("FFFM")
        city, state, zip3 = rng.choice(CITIES)
        created = at(plan["first"] - timedelta(days=rng.randint(0, 6)))
        dob = plan["first"] - timedelta(days=plan["age"] * 365 + rng.randrange(365))
        patient_rows.append(
            dict(
                id=pid,
                account_number=f"P{pid:05d}",
                first_name=rng.choice(FIRST),
                last_name=rng.choice(LAST),
                middle_name=None,
                dob=dob,
                sex=sex,
                address1=f"{rng.randint(100, 9999)} {rng.choice(STREETS)}",
                address2=None,
                city=city,
                state=state,
                zip=f"{zip3}{rng.randint(0, 99):02d}",
                phone=f"503555{rng.randint(0, 9999):04d}",
                email=None,
                signature_on_file=True,
                assignment_on_file=True,
                created_at=created,
            )
        )
        plan["policy_id"] = None
        if plan["payer"] != "SELF":
            plan["policy_id"] = next_policy
            row = _policy_row(rng, plan, next_policy, created)
            policy_rows.append({**row, "payer_id": payers[plan["payer"]]})
            next_policy += 1
    from clinicbill.dev.seed_billing import insert_rows

    insert_rows(conn, Patient, patient_rows)
    insert_rows(conn, Policy, policy_rows)
    return {"patients": len(patient_rows), "policies": len(policy_rows)}


def _policy_row(rng, plan, policy_id: int, created: datetime) -> dict:
    relationship = "self" if plan["age"] > 25 and rng.random() < 0.85 else "spouse"
    subscriber = relationship != "self"
    effective = date(plan["first"].year, 1, 1) if rng.random() < 0.6 else plan["first"]
    return dict(
        id=policy_id,
        patient_id=plan["id"],
        payer_id=None,  # set by the caller from the payer key
        priority="primary",
        member_id=f"{plan['payer'][:3]}{rng.randrange(10**8, 10**9)}",
        group_number=f"G{rng.randint(100, 9999)}" if plan["payer"] != "02202" else None,
        plan_name=None,
        relationship=relationship,
        subscriber_first_name=rng.choice(FIRST) if subscriber else None,
        subscriber_last_name=rng.choice(LAST) if subscriber else None,
        subscriber_dob=plan["first"] - timedelta(days=(plan["age"] + 2) * 365)
        if subscriber
        else None,
        subscriber_sex=rng.choice("FM") if subscriber else None,
        subscriber_address1=None,
        subscriber_city=None,
        subscriber_state=None,
        subscriber_zip=None,
        effective_from=effective,
        effective_to=None,
        created_at=created,
    )


def _advance_sequences(conn, models) -> None:
    """PostgreSQL: move each id sequence past the ids written explicitly above."""
    if conn.dialect.name != "postgresql":
        return
    from sqlalchemy import text

    for model in models:
        following = (conn.execute(select(func.max(model.id))).scalar() or 0) + 1
        conn.execute(
            text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :value, false)"),
            {"table": model.__tablename__, "value": following},
        )
