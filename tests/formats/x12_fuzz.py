"""The one fuzz harness for every X12 reader (835, 999/TA1, 277CA, 271): random bytes,
X12-looking text and mutated hand-written files either parse or are refused with a
ClinicbillError naming the file (with a hint); nothing else ever escapes. A truncated file is
refused unless the cut is after the whole IEA."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from clinicbill.domain.errors import ClinicbillError

NAME = "fuzz.x12"
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# strategies for the mutations of a seed file: (at, length) cuts and (at, bytes) inserts
CUTS = st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 40)), max_size=4)
INSERTS = st.lists(st.tuples(st.integers(0, 2000), st.binary(max_size=6)), max_size=4)


def x12_text(letters: str) -> st.SearchStrategy[bytes]:
    """Text that starts like an X12 file, from the reader's segment letters and delimiters."""
    alphabet = letters + "*:~^|0123456789\n "
    return st.text(alphabet=alphabet, max_size=300).map(lambda t: ("ISA" + t).encode())


def parse_or_refuse(reader: Callable, data: bytes, check: Callable) -> None:
    """`reader(data, NAME)` either returns what `check` accepts or refuses as it should."""
    try:
        parsed = reader(data, NAME)
    except ClinicbillError as exc:
        assert exc.message.startswith(f"{NAME}: ")
        assert exc.hint
        return
    check(parsed)


def mutate(seed: bytes, cuts, inserts) -> bytes:
    data = bytearray(seed)
    for at, length in cuts:
        at %= max(len(data), 1)
        del data[at : at + length]
    for at, blob in inserts:
        at %= max(len(data), 1)
        data[at:at] = blob
    return bytes(data)


def every_cut_refused_or_whole(seeds: list[bytes], reader: Callable, check: Callable) -> None:
    """Every prefix of every seed: only a cut after the whole IEA (its terminator may be
    missing: the control number is complete and matches ISA13) parses, and it parses fully."""
    for seed in seeds:
        whole = seed.rstrip()
        for keep in range(len(seed)):
            data = seed[:keep]
            try:
                parsed = reader(data, NAME)
            except ClinicbillError:
                continue
            assert data.rstrip() in (whole, whole.removesuffix(b"~")), keep
            check(parsed)
