"""pymon's own monitors, callable in the daemon or as executables (mon's monitor interface).

A monitor is `async def check(argv, env) -> Check`: `argv` as the exec'd script
would get it (options, then hosts), `env` the MON_* environment. `BUILTIN`
maps each script name (`tcp.monitor`) to its function; `main(name)` is the
body of the executable `monitors/NAME.monitor`.
"""

from pymon.monitors._check import Check, MonitorFunc
from pymon.monitors._main import main
from pymon.monitors._registry import BUILTIN

__all__ = ["BUILTIN", "Check", "MonitorFunc", "main"]
