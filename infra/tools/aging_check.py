"""Check the receivables aging against the ledger, or rebuild it: an offline command.

``check`` compares what the aging cells hold (their summaries, the cells since the last fold,
the pending ones) with every account's open items and credit computed from scratch, and that
the receivables index lists exactly the accounts that owe or are in credit; it prints what is
off, and exits 0 when nothing is, 1 otherwise. ``rebuild`` makes them so (a migration of
existing data, a repair): every account listed in the index as its ledger stands, the summaries
written as the ledger says and the cells since deleted; a second run writes nothing. Run it
while nothing posts (before opening the stack to postings, or with its functions paused): a
posting meanwhile is lost from the cells (run the check, then rebuild again).

    TABLE_NAME=civiq-main LEDGER_TABLE_NAME=civiq-ledger python -m infra.tools.aging_check check
    AWS_ENDPOINT_URL=http://127.0.0.1:PORT TABLE_NAME=... LEDGER_TABLE_NAME=... \\
        python -m infra.tools.aging_check rebuild                      # the local stack

It reads every account (one Query per account status of the accounts' index) and every cell.
Exit 2: it cannot run as asked (a setting missing, the ledger moving under a rebuild).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from civiq.collections.wiring import aging_upkeep
from civiq.core.errors import DomainError
from civiq.core.settings import CommonSettings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("action", choices=("check", "rebuild"))
    args = parser.parse_args(argv)
    try:
        upkeep = aging_upkeep(CommonSettings())
        if args.action == "rebuild":
            rebuilt = upkeep.rebuild()
            print(
                json.dumps(
                    {
                        "accounts": rebuilt.accounts,
                        "listed": rebuilt.listed,
                        "written": rebuilt.cells,
                    }
                )
            )
            return 0
        findings = upkeep.check()
    except (ValidationError, DomainError) as exc:
        print(json.dumps({"error": str(exc)}, ensure_ascii=False), file=sys.stderr)
        return 2
    off = [
        {
            "family": key.family,
            "group": key.group,
            "due_on": key.due_on.isoformat() if key.due_on else None,
            "figures": figures,
        }
        for key, figures in findings.off.items()
    ]
    print(json.dumps({"off": off, "misindexed": list(findings.misindexed)}, indent=2))
    return 0 if findings.sound else 1


if __name__ == "__main__":
    sys.exit(main())
