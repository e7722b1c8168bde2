"""Staged Excel/CSV import of households and past recognised lists; export of household lists (issue 7)."""
