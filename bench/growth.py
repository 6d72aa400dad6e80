"""The growth between two runs of the scale benchmark, as a table for bench/RESULTS.md.

    .venv/bin/python bench/growth.py small.json large.json

Reads the ``--json`` files of two ``bench/scale.py`` runs (e.g. 10,000 and 100,000 cases on
one database) and prints, per action, the HTTP and server p50/p95 of both and how much
the server p95 grew, then the engine-floor ratio and the stored state of each.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def table(small: dict, large: dict) -> str:
    def figures(run: dict, action: str) -> str:
        (h50, h95), (s50, s95) = run["rows"][action]["http"], run["rows"][action]["server"]
        return f"{h50:.1f} / {h95:.1f} | {s50:.1f} / {s95:.1f}"

    lines = [f"| action ({small['database']}) | {small['cases']:,} cases: HTTP p50 / p95 | "
             f"server p50 / p95 | {large['cases']:,} cases: HTTP p50 / p95 | "
             "server p50 / p95 | growth (server p95) |", "|---|---|---|---|---|---|"]
    for action in small["rows"]:
        grown = large["rows"][action]["server"][1] / small["rows"][action]["server"][1]
        lines.append(f"| {action} | {figures(small, action)} | {figures(large, action)} | "
                     f"{grown:.2f}x |")
    for action in small.get("not_built_yet", ()):
        lines.append(f"| {action} | not built yet | – | – | – | – |")
    lines.append(f"| engine floor (load → complete → dump) | – | "
                 f"{small['engine_floor'][0]:.2f} / {small['engine_floor'][1]:.2f} | – | "
                 f"{large['engine_floor'][0]:.2f} / {large['engine_floor'][1]:.2f} | – |")
    lines += ["", *(f"complete-task / engine floor: {run['complete_task_over_floor']:.1f}x "
                    f"({run['cases']:,} cases, inside the server, same run)"
                    for run in (small, large)), ""]
    lines += [f"{run['cases']:,} cases ({run.get('open', 0):,} open, {run['events']:,} audit "
              f"events): {run['interview_state_kib']:.1f} KiB of workflow state per case at "
              f"the end of the interview, {run['closed_state_kib']:.1f} KiB closed; worker "
              f"{run['worker_rss_mib']:.0f} MiB resident after the run; load average "
              f"{run['load_before'][0]:.1f} before, {run['load_after'][0]:.1f} after"
              for run in (small, large)]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    small, large = (json.loads(Path(name).read_text()) for name in argv)
    print(table(small, large))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
