"""The standards engine: household record v1, standard definitions as data, one columnar rule executor.

Pure Python over Polars and pydantic; it never imports Django (the web app calls into it, never the reverse).
The public API is re-exported from ``giamngheo.standards.api``.
"""
