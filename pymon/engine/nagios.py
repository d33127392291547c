"""The Nagios plugin contract, so monitoring-plugins (`check_tcp`, `check_disk` ...) run unchanged.

Detection is by name: a monitor program whose file name starts with `check_`
(every Nagios plugin's; no mon monitor's) is read as a Nagios plugin. mon's
own rule already makes its exit statuses 1 (WARNING), 2 (CRITICAL) and 3
(UNKNOWN) failures and 0 (OK) a success; on top of that:

* performance data (everything after a `|`, on the first line and in the
  long text) is dropped, so it neither shows in the summary nor makes every
  run's output differ;
* exit 3 keeps the word UNKNOWN in the summary: a plugin whose first line
  does not say it gets `UNKNOWN: ` put in front.

A Nagios plugin takes its host as an option (`-H host`), not as trailing
arguments: configure it with `;;` so that mon appends no hosts (MONI-04).
"""

from __future__ import annotations

import os
from dataclasses import replace

from pymon.engine.runner import MonitorResult

__all__ = ["UNKNOWN", "is_nagios_plugin", "nagios_result"]

UNKNOWN = 3


def is_nagios_plugin(path: str) -> bool:
    return os.path.basename(path).startswith("check_")


def nagios_result(result: MonitorResult) -> MonitorResult:
    """The result with the performance data dropped and UNKNOWN said (see the module doc)."""
    lines = result.output.split("\n")
    in_perfdata = False
    kept: list[str] = []
    for index, line in enumerate(lines):
        if in_perfdata:  # after the long text's `|`, every line is performance data
            continue
        text, bar, _ = line.partition("|")
        if bar:
            line = text.rstrip()
            in_perfdata = index > 0
        kept.append(line)
    if result.exit_value == UNKNOWN and result.timed_out is False and "UNKNOWN" not in kept[0]:
        kept[0] = f"UNKNOWN: {kept[0]}" if kept[0] else "UNKNOWN"
    output = "\n".join(kept)
    if result.output.endswith("\n") and not output.endswith("\n"):
        output += "\n"
    return replace(result, output=output)
