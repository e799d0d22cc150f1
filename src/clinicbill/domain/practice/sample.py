"""Load sample_data/practice.toml through the same domain functions a person would use."""

from __future__ import annotations

import tomllib

from clinicbill.domain.practice.lookup import find_payer
from clinicbill.domain.practice.patients import add_patient, add_policy
from clinicbill.domain.practice.records import add_payer, add_provider, create_practice, set_fee


def sample_practice() -> dict:
    from clinicbill.resources import shipped_dir

    return tomllib.loads((shipped_dir("sample_data") / "practice.toml").read_text())


def load_sample(session) -> dict:
    """Create the sample practice; returns counts of what was added."""
    data = sample_practice()
    create_practice(session, **data["practice"])
    for provider in data["providers"]:
        add_provider(session, **provider)
    for payer in data["payers"]:
        add_payer(session, **payer)
    for code, amount in data["fees"].items():
        set_fee(session, code, amount)
    for row in data.get("contracted", []):
        set_fee(session, row["code"], row["amount"], find_payer(session, row["payer"]))
    policies = 0
    for raw in data["patients"]:
        patient_values = {k: v for k, v in raw.items() if k != "policies"}
        patient = add_patient(session, **patient_values)
        for pol in raw.get("policies", []):
            values = dict(pol)
            payer = find_payer(session, values.pop("payer"))
            add_policy(session, patient, payer, **values)
            policies += 1
    return {
        "providers": len(data["providers"]),
        "payers": len(data["payers"]),
        "patients": len(data["patients"]),
        "policies": policies,
        "fees": len(data["fees"]) + len(data.get("contracted", [])),
    }
