"""Benefit verification checks beyond a field's own form (domain/verification.py)."""
