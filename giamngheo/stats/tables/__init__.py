"""The official report tables of the statistics (issue 9): the review's result table by child unit, the household
lists by class, and their Excel and PDF renderings; the province's full multi-sheet report.

Every number comes from the rollups (``stats.selectors``), never from the ledger, so a province's table costs a
few indexed queries; the household lists are the exception (they name households, so they read the status spans
and the ledger, the same rules as the counts)."""
