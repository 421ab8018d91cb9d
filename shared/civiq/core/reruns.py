"""Names of workflow reruns: a failed execution retried from the staff work queue runs again as
``<first run's name>--retry-<n>``.

Workflow tasks derive their ids from the first run's name, so a rerun finds the work its first
run did and does only what is left; and whoever describes the work by its first name (GET
/moves/{id}) is shown its latest rerun.
"""

from __future__ import annotations

RETRY_MARK = "--retry-"


def rerun_name(name: str) -> str:
    """The rerun of a failed execution: n one more than the failed run's. Execution names are at
    most 80 characters; the first run's name is kept whole."""
    first, _, retry = name.partition(RETRY_MARK)
    return f"{first}{RETRY_MARK}{int(retry or 0) + 1}"


def first_run_name(name: str) -> str:
    """The first run of the work an execution does (itself, or what it reruns)."""
    return name.partition(RETRY_MARK)[0]
