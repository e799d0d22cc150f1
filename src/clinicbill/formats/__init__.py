"""Bytes in and out of the world: X12, PDFs, CSV/JSON."""
