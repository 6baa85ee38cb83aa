"""Writes bench/RESULTS.md from a run of bench/run.py.

The hand-written analysis between ``<!-- notes -->`` and ``<!-- /notes -->``
in an existing file is kept, so a new run refreshes the figures without
losing the explanation of what fails and why.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

NOTES = re.compile(r"<!-- notes -->.*?<!-- /notes -->", re.S)


def write_results(path: Path, info: dict, report, plans_md: str, args) -> None:
    old = path.read_text() if path.exists() else ""
    kept = NOTES.search(old)
    notes = kept.group(0) if kept else "<!-- notes -->\n(no notes yet)\n<!-- /notes -->"
    versions = ", ".join(f"{k} {v}" for k, v in info["versions"].items())
    details = json.dumps(report.details, indent=1, default=str)
    failed = [r.figure for r in report.rows if r.ok is False]
    demo = report.details.get("demo big", {})
    built = (f"databases and bulk figures (demo, raw executemany, import) from the build of "
             f"{demo['when']} (load after it: {demo.get('load_after', '?')})"
             if args.reuse and "when" in demo else "databases built and bulk figures measured in this run")
    text = f"""# sms-tui at scale: benchmark results

Produced by `python bench/run.py --results bench/RESULTS.md` (see `bench/README.md`)
on {info['when']}, commit {info['commit']}, in {info['minutes']} minutes.

## Machine

- {info['cores']} cores ({info['cpu']}), {info['memory_gb']} GB memory, {info['os']}
- Python {info['python']}, SQLite {info['sqlite']}, {versions}
- load average (1, 5, 15 min) before the run: {info['load_before']}; after: {info['load_after']}
  (the machine is shared with other agents: figures are medians, baselines are measured
  alternately with what they are compared to)
- big database: {args.records:,} incidents and the other kinds (`sms-tui demo`),
  small database: {args.small:,} records; {args.repeat} repeats per figure
- {built}

## Results

{report.table()}

{len(failed)} target(s) not met{': ' + '; '.join(failed) if failed else ''}.

## Notes

{notes}

## Raw figures

```json
{details}
```

## Query plans (`python bench/plans.py DB`, on the big database)

{plans_md}
"""
    path.write_text(text)
