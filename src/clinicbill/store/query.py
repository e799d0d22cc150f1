"""Session pieces said once: how a claim line reaches what it bills, the optional filter
(`--patient`) that many listings take, and the add-and-flush every create function ends with.

    narrowed(query, column, value)   `column == value` added when a value is given
    through_visit(query)             a query over ClaimLine joined to each line's service line
                                     and that line's visit (ServiceLine, Encounter)
    added(session, row) -> row       added and flushed: its id is assigned
"""

from __future__ import annotations


def narrowed(query, column, value):
    """`query` limited to `column == value`, or unchanged when `value` is None (no filter)."""
    return query if value is None else query.where(column == value)


def through_visit(query):
    """`query`, which reads ClaimLine, joined to the service line each claim line bills and to
    that service line's visit: ServiceLine and Encounter columns can then be selected."""
    from clinicbill.store.models import ClaimLine, Encounter, ServiceLine

    return query.join(ServiceLine, ServiceLine.id == ClaimLine.service_line_id).join(
        Encounter, Encounter.id == ServiceLine.encounter_id
    )


def added(session, row):
    """`row` added to the session and flushed, so that its id (and any default) is assigned:
    the step every create function ends with. Returns the row."""
    session.add(row)
    session.flush()
    return row
