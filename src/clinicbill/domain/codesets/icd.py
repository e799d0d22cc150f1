"""ICD-10-CM look-up against the code set shipped in simple-icd-10-cm (DOMAIN.md §10).

The package's own module costs 1.5 s and 200 MB to import, so it is never imported. Its two
data files are read instead: the code list (every code without dots, headers included; a code
is billable when no longer code starts with it) and the tabular XML (descriptions, and the
7th-character meanings that extended codes such as S13.4XXA add to their parent's text).
The result is written once as a compact sorted index (`CODE<TAB>billable<TAB>description
<TAB>inclusion terms` lines) to the user cache directory, keyed by the data files' size and
mtime, so a CLI call reads one text file and finds a code with a string search instead of
building a dict.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from clinicbill.domain.errors import ClinicbillError

INDEX_VERSION = "2"  # bump when the index format changes
_CODE_SHAPE = re.compile(r"[A-Z][0-9][0-9A-Z]{1,5}")


def _plain_terms() -> dict[str, tuple[str, ...]]:
    """Everyday words a practitioner types (data/icd10cm/complaints.toml), longest first."""
    import tomllib

    path = Path(__file__).resolve().parents[2] / "data" / "icd10cm" / "complaints.toml"
    terms = tomllib.loads(path.read_text(encoding="utf-8"))["terms"]
    ordered = sorted(terms, key=lambda t: (-len(t), t))
    return {t.lower(): tuple(terms[t]) for t in ordered}


PLAIN_TERMS = _plain_terms()


def _plain_codes(phrase: str) -> list[str]:
    """The codes of the everyday terms in `phrase`, longest term first; a term's words are
    used up by it ('low back pain' is not also 'back pain')."""
    out = []
    for term, codes in PLAIN_TERMS.items():
        pattern = re.compile(r"\b" + re.escape(term) + r"\b")
        if pattern.search(phrase):
            phrase = pattern.sub("|", phrase)
            out.extend(codes)
    return out


@dataclass(frozen=True)
class IcdCode:
    code: str  # dotted, e.g. M54.50
    description: str
    billable: bool


@dataclass(frozen=True)
class CodeSet:
    """Where the shipped code set lives and which fiscal year it is."""

    code_list: Path
    tabular: Path
    fiscal_year: int  # ICD-10-CM fiscal years start on October 1 of the previous year

    @property
    def starts(self) -> date:
        return date(self.fiscal_year - 1, 10, 1)


_MONTHS = {
    "January": 1, "February": 2, "March": 3, "April": 4, "May": 5, "June": 6,
    "July": 7, "August": 8, "September": 9, "October": 10, "November": 11, "December": 12,
}  # fmt: skip


@cache
def code_set() -> CodeSet:
    """Locate simple-icd-10-cm's data directory without importing the module."""
    import importlib.util

    spec = importlib.util.find_spec("simple_icd_10_cm")
    if spec is None or not spec.submodule_search_locations:
        raise ClinicbillError(
            "diagnosis: the ICD-10-CM code set is not installed",
            "install the simple-icd-10-cm package (pip install simple-icd-10-cm)",
        )
    data = Path(list(spec.submodule_search_locations)[0]) / "data"
    lists = sorted(data.glob("code-list-*.txt"))
    tabulars = sorted(data.glob("icd10c-tabular-*.xml"))
    if not lists or not tabulars:
        raise ClinicbillError(
            f"diagnosis: no ICD-10-CM data files in {data}", "reinstall simple-icd-10-cm"
        )
    match = re.search(r"code-list-([A-Za-z]+)-(\d{4})", lists[-1].name)
    fiscal_year = date.today().year
    if match:
        month, year = _MONTHS.get(match.group(1).capitalize(), 4), int(match.group(2))
        fiscal_year = year + 1 if month >= 10 else year
    return CodeSet(lists[-1], tabulars[-1], fiscal_year)


def normalise(code: str) -> str:
    """Upper case with the dot after the category: 'm545' -> 'M54.5'."""
    text = re.sub(r"[\s.]", "", str(code or "")).upper()
    return text if len(text) <= 3 else text[:3] + "." + text[3:]


def x12(code: str) -> str:
    """The code as an 837P HI segment carries it: no dot (M54.50 -> M5450)."""
    return normalise(code).replace(".", "")


# --- building the index ---------------------------------------------------------------------


def _extended_description(
    code: str, descriptions: dict[str, str], sevenths: dict[str, dict[str, str]]
) -> str:
    """An extended code's text: its parent's description + the 7th character's meaning."""
    extension = code[-1]
    base = code[:-1].rstrip("X")
    base = base if len(base) >= 3 else code[:3]
    text = descriptions.get(normalise(base), "")
    for length in range(len(base), 2, -1):
        meanings = sevenths.get(normalise(base[:length]))
        if meanings and extension in meanings:
            return f"{text}, {meanings[extension]}" if text else meanings[extension]
    return text


def build_index(codes: CodeSet) -> str:
    """The compact index text: sorted `CODE\\tB\\tdescription\\tterms` lines (B = 1 billable)."""
    raw = codes.code_list.read_text(encoding="utf-8").split()
    plain = sorted({c.strip().upper() for c in raw if _CODE_SHAPE.fullmatch(c.strip().upper())})
    headers = set()
    for code in plain:
        for length in range(3, len(code)):
            headers.add(code[:length])
    from clinicbill.domain.codesets.icd_tabular import tabular_descriptions

    descriptions, terms, sevenths = tabular_descriptions(codes.tabular)
    lines = []
    for code in plain:
        text = descriptions.get(normalise(code))
        if text is None:
            text = _extended_description(code, descriptions, sevenths)
        text = " ".join(text.split())
        extra = terms.get(normalise(code), "").replace("\t", " ")
        lines.append(f"{code}\t{0 if code in headers else 1}\t{text}\t{extra}")
    return "\n" + "\n".join(lines) + "\n"


def _cache_path(codes: CodeSet) -> Path:
    import platformdirs

    stat = codes.code_list.stat()
    tab = codes.tabular.stat()
    key = f"{stat.st_size}-{stat.st_mtime_ns}-{tab.st_size}-{tab.st_mtime_ns}"
    name = f"icd10cm-v{INDEX_VERSION}-{codes.fiscal_year}-{key}.tsv"
    return Path(platformdirs.user_cache_dir("clinicbill")) / name


@cache
def _index() -> str:
    """The index text, from the cache file when it matches the installed data files."""
    codes = code_set()
    path = _cache_path(codes)
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        pass
    text = build_index(codes)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # an unwritable cache only costs speed
    return text


# --- look-ups -------------------------------------------------------------------------------


def _parse(line: str) -> IcdCode:
    code, billable, text, _terms = line.split("\t", 3)
    return IcdCode(normalise(code), text, billable == "1")


def _line_at(text: str, start: int) -> str:
    end = text.find("\n", start)
    return text[start:end] if end >= 0 else text[start:]


def _lines_from(text: str, prefix: str):
    """Index lines whose code starts with `prefix`, in code order (the index is sorted)."""
    at = text.find("\n" + prefix)
    while at >= 0 and at + 1 < len(text):
        line = _line_at(text, at + 1)
        if not line.startswith(prefix):
            return
        yield line
        at = text.find("\n", at + 1)


def lookup(code: str) -> IcdCode | None:
    """The code (billable or a header) or None when it is not in the code set."""
    plain = x12(code)
    if not _CODE_SHAPE.fullmatch(plain):
        return None
    if _index.cache_info().currsize:  # already read whole (search, billable_children)
        text = _index()
        at = text.find(f"\n{plain}\t")
        return None if at < 0 else _parse(_line_at(text, at + 1))
    line = _seek(plain)
    return None if line is None else _parse(line)


@cache
def _seek(plain: str) -> str | None:
    """One code's index line by binary search in the cached index file (a superbill needs a
    description or two, not the 74,000 codes in memory); the whole index when no file."""
    import mmap

    path = _cache_path(code_set())
    if not path.exists():
        _index()  # builds and writes the file
    try:
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            key = plain.encode("ascii")
            lo, hi = 0, len(m)
            while lo < hi:  # the line that holds the code starts in [lo, hi)
                mid = (lo + hi) // 2
                start = m.rfind(b"\n", 0, mid) + 1
                end = m.find(b"\n", start)
                end = len(m) if end < 0 else end
                code = m[start:end].partition(b"\t")[0]
                if code == key:
                    return m[start:end].decode("utf-8")
                if code < key:
                    lo = end + 1
                else:
                    hi = start
            return None
    except (OSError, ValueError):  # unreadable or empty cache file: the index in memory
        text = _index()
        at = text.find(f"\n{plain}\t")
        return None if at < 0 else _line_at(text, at + 1)


def description(code: str) -> str | None:
    hit = lookup(code)
    return hit.description if hit else None


def billable_children(code: str) -> list[IcdCode]:
    """The billable codes under a header code, in code order."""
    plain = x12(code)
    hits = (_parse(line) for line in _lines_from(_index(), plain))
    return [h for h in hits if h.billable and x12(h.code) != plain]


def check_billable(code: str, on: date | None = None, field: str = "diagnosis") -> str:
    """The normalised code, or a refusal: unknown codes and header codes are not billable.

    `on` is the date of service: the shipped fiscal-year code set in force that day decides
    (domain/codesets/icd_years.py; the nearest shipped set for a date outside them, see
    code_set_warning); without a date the installed code set does.
    """
    from clinicbill.domain.codesets.icd_years import check_on

    shown = str(code or "").strip()[:12]
    normal = normalise(shown)
    year = check_on(normal, on) if on is not None and _CODE_SHAPE.fullmatch(x12(normal)) else None
    if year is not None and year.verdict in ("ok", "warning"):
        return normal
    hit = lookup(normal)
    if year is not None and year.verdict == "error" and (hit is not None or _ever(normal)):
        hint = "use a code billable on the date of service (search: 'clinicbill codes icd WORDS')"
        message = f"{field}: {normal} is {year.message}"
        children = _children_in(normal, year.year)
        if children:  # a category in the set used: its billable codes that year
            listed = ", ".join(normalise(c) for c in children[:8])
            more = f" ... ({len(children)} codes)" if len(children) > 8 else ""
            hint = f"use a more specific code: {listed}{more}"
            described = f" ({hit.description})" if hit is not None else ""
            message = (
                f"{field}: {normal} is a category, not a billable code{described}, "
                + year.message.removeprefix("not a billable code ")
            )
        raise ClinicbillError(message, hint)
    if hit is None:
        raise ClinicbillError(
            f"{field}: '{shown}' is not an ICD-10-CM code",
            "type a code like M54.50 (dots optional) or search with 'clinicbill codes icd WORDS'",
        )
    if not hit.billable:
        children = billable_children(normal)
        listed = ", ".join(c.code for c in children[:8])
        more = (
            f" ... ({len(children)} codes: 'clinicbill codes icd {normal}')"
            if len(children) > 8
            else ""
        )
        raise ClinicbillError(
            f"{field}: {normal} is a category, not a billable code ({hit.description})",
            f"use a more specific code: {listed}{more}",
        )
    return hit.code


def _children_in(code: str, year: int | None) -> list[str]:
    """The billable codes under a code in one fiscal year's set (none: not a category)."""
    from clinicbill.domain.codesets.icd_years import billable_codes

    plain = x12(code)
    if year is None:
        return []
    return sorted(c for c in billable_codes(year) if c.startswith(plain) and c != plain)


def _ever(code: str) -> bool:
    """Whether the code is billable in any shipped fiscal-year set."""
    from clinicbill.domain.codesets.icd_years import billable_codes, shipped_years

    plain = x12(code)
    return any(plain in billable_codes(year) for year in shipped_years())


def year_warning(code: str, on: date | None) -> str | None:
    """A warning for a code not billable in the oldest shipped set, used for a date before it
    (validity then cannot be checked)."""
    from clinicbill.domain.codesets.icd_years import check_on

    if on is None:
        return None
    found = check_on(normalise(code), on)
    return f"{normalise(code)} is {found.message}" if found.verdict == "warning" else None


def code_set_warning(on: date | None) -> str | None:
    """A warning for a date before the oldest shipped fiscal-year set: which set was used and
    that validity then cannot be checked (after the newest set, a refusal names the set)."""
    from clinicbill.domain.codesets.icd_years import outside_note

    return None if on is None else outside_note(on)


def search(query: str, limit: int = 20) -> list[IcdCode]:
    """Codes starting with the query (when it looks like a code), else codes whose description
    holds every word of it: billable codes first, then those holding the query as a phrase,
    then shorter descriptions (the general code before its many specific variants)."""
    words = str(query or "").lower().split()
    if not words:
        return []
    text = _index()
    plain = x12(query)
    if len(words) == 1 and _CODE_SHAPE.fullmatch(plain):
        hits = []
        for line in _lines_from(text, plain):
            hits.append(_parse(line))
            if len(hits) >= limit:
                break
        if hits:
            return hits
    phrase = " ".join(words)
    plain_codes = dict.fromkeys(_plain_codes(phrase))
    plain_hits = [lookup(c) for c in plain_codes]
    starts = [re.compile(r"\b" + re.escape(word)) for word in words]
    hits = []
    for line in text.split("\n"):
        description_text = line.partition("\t")[2][2:].lower()
        if all(word in description_text for word in words) and all(
            s.search(description_text) for s in starts
        ):
            hits.append(_parse(line))

    def rank(hit: IcdCode):
        low = hit.description.lower()
        return (not hit.billable, phrase not in low, not low.startswith(phrase), len(low))

    hits.sort(key=rank)
    exact = [h for h in hits if h.billable and h.description.lower() == phrase]
    first = exact + [h for h in plain_hits if h is not None and h not in exact]
    return (first + [h for h in hits if h not in first])[:limit]
