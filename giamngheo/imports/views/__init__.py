"""The import pages: the list of jobs and the upload form (``jobs``), one job through its stages (``job``: progress,
preview, commit, report, error workbook) and the households a committed batch touched (``batch``).

Thin views over ``imports.services`` and ``imports.selectors``; how a job's stored state is shown lives in
``present``."""
