"""Injury and illness cases (workers' comp, auto/PIP, other accidents, illness episodes).

records.py  add, edit, close, find a case; the default case of a session
pip.py      an auto case's PIP limit and what remains (charges billed against it)
"""

KINDS = ("workers-comp", "auto", "other-accident", "illness")
# The payer profiles that pay only under a case (DOMAIN.md §13: property and casualty).
CASE_PROFILES = ("workers-comp", "auto")
