"""The CMS place-of-service code set (data/place_of_service.toml): a code not on it is
unassigned, and an 837P with it fails (CLM05-1 / SV105)."""

from __future__ import annotations

import tomllib
from functools import cache

COMMON = "11 office, 12 home, 02/10 telehealth, 22 outpatient hospital, 99 other"


@cache
def place_of_service_codes() -> dict[str, str]:
    from clinicbill.resources import data_path

    return dict(tomllib.loads(data_path("place_of_service.toml").read_text())["codes"])


def pos_name(code: str) -> str | None:
    return place_of_service_codes().get(code)
