"""Accounts-receivable aging in one place: the SQL (query), its sections, the report."""
