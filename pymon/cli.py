"""The `pymon` command line: mon's flags (CLI-*), read the way Perl's Getopt::Long reads them.

mon parses its arguments with Getopt::Long (no bundling, case-sensitive, long
names with one or two dashes, unique prefixes accepted), so `-c=FILE`,
`--configfile FILE` and `-conf FILE` all work and `-vd` does not. pymon adds
one long option, `--check`, that tests the config and exits.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from pymon import __version__
from pymon.config import Options

USAGE = """\
usage: pymon [-a dir] [-A file] [-b dir] [-B dir] [-c config] [-d]
             [-D dir] [-f] [-h] [-i secs] [-k num] [-l [type]] [-L dir]
             [-M [path]] [-m num] [-p num] [-P file] [-r num] [-s dir]
             [-S] [-t num]
       pymon --check [-c config] [-b dir] [-B dir] [-s dir] [-a dir] ...
       pymon -v

  -a dir        alert program directories (alertdir), colon-separated
  -A file       authorization file (authfile)
  -b dir        base directory for alerts, monitors and relative paths (basedir)
  -B dir        base directory for configuration files (cfbasedir)
  -c config     config file, by default CFBASEDIR/mon.cf
  -d            debug (repeat for more)
  -D dir        state directory (statedir)
  -f            fork and become a daemon
  -h            this help
  -i secs       accepted for compatibility; pymon does not poll
  -k num        keep history of the last num events (histlength)
  -l [type]     load saved state from statedir: disabled (default), opstatus or all
  -L dir        log directory (logdir)
  -M [path]     pre-process the config with m4 (or the given program)
  -m num        run at most num monitors at once (maxprocs)
  -O facility   syslog facility to use
  -p num        TCP port for clients (serverport)
  -P file       PID file ('' for none)
  -r num        randomize the first run of each service over this time (randstart)
  -s dir        monitor directories (mondir), colon-separated
  -S            start with the scheduler stopped
  -t num        UDP port for traps (trapport)
  -v            print the version
  --check       check the config, print a summary and warnings, and exit:
                0 if the daemon would start, 1 if it would refuse
"""

# (names, kind): kind is "=s" string, "=i" integer, ":s" optional string,
# "+" counter, "" flag, as in Getopt::Long.
OPTION_SPECS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("A", "authfile"), "=s"),
    (("B", "cfbasedir"), "=s"),
    (("D", "statedir"), "=s"),
    (("L", "logdir"), "=s"),
    (("M", "m4"), ":s"),
    (("O", "syslogfacility"), "=s"),
    (("P", "pidfile"), "=s"),
    (("S", "stopped"), ""),
    (("a", "alertdir"), "=s"),
    (("b", "basedir"), "=s"),
    (("c", "configfile"), "=s"),
    (("d", "debug"), "+"),
    (("f", "fork"), ""),
    (("h", "help"), ""),
    (("i", "sleep"), "=i"),
    (("k", "maxkeep"), "=i"),
    (("l", "loadstate"), ":s"),
    (("m", "maxprocs"), "=i"),
    (("p", "port"), "=i"),
    (("r", "randstart"), "=s"),
    (("s", "scriptdir"), "=s"),
    (("t", "trapport"), "=i"),
    (("v", "version"), ""),
    (("check",), ""),
)
_INTEGER = re.compile(r"^[-+]?\d+$")


class UsageError(Exception):
    pass


@dataclass
class Arguments:
    """The parsed command line, keyed by each option's first (short) name."""

    values: dict[str, str | int] = field(default_factory=dict)
    operands: list[str] = field(default_factory=list)

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        return None if value is None else str(value)

    def number(self, name: str) -> int | None:
        value = self.values.get(name)
        return value if isinstance(value, int) else None

    def options(self) -> Options:
        return Options(
            configfile=self.text("c"),
            basedir=self.text("b"),
            cfbasedir=self.text("B"),
            alertdir=self.text("a"),
            scriptdir=self.text("s"),
            authfile=self.text("A"),
            logdir=self.text("L"),
            statedir=self.text("D"),
            pidfile=self.text("P"),
            maxkeep=self.number("k"),
            maxprocs=self.number("m"),
            port=self.number("p"),
            trapport=self.number("t"),
            randstart=self.text("r"),
            m4=self.text("M"),
            syslogfacility=self.text("O"),
        )


def _lookup(name: str) -> tuple[str, str]:
    """Find an option by exact name, else by unique prefix (Getopt::Long's auto_abbrev)."""
    for names, kind in OPTION_SPECS:
        if name in names:
            return names[0], kind
    matches = {names[0]: kind for names, kind in OPTION_SPECS for n in names if n.startswith(name)}
    if len(matches) == 1:
        (key, kind), = matches.items()
        return key, kind
    if matches:
        raise UsageError(f"Option {name} is ambiguous ({', '.join(sorted(matches))})")
    raise UsageError(f"Unknown option: {name}")


def parse_arguments(argv: Sequence[str]) -> Arguments:
    parsed = Arguments()
    errors = []
    queue = list(argv)
    while queue:
        arg = queue.pop(0)
        if arg == "--":
            parsed.operands += queue
            break
        if not arg.startswith("-") or arg == "-":
            parsed.operands.append(arg)
            continue
        name, has_value, value = arg.lstrip("-").partition("=")
        try:
            key, kind = _lookup(name)
        except UsageError as error:
            errors.append(str(error))
            continue
        if kind in ("", "+"):
            if has_value:
                errors.append(f"Option {name} does not take an argument")
            elif kind == "+":
                parsed.values[key] = int(parsed.values.get(key, 0)) + 1
            else:
                parsed.values[key] = 1
            continue
        if not has_value:
            if kind == ":s":
                value = queue.pop(0) if queue and not queue[0].startswith("-") else ""
            elif queue:
                value = queue.pop(0)
            else:
                errors.append(f"Option {name} requires an argument")
                continue
        if kind == "=i":
            if not _INTEGER.match(value):
                errors.append(f'Value "{value}" invalid for option {name} (number expected)')
                continue
            parsed.values[key] = int(value)
        else:
            parsed.values[key] = value
    if errors:
        raise UsageError("\n".join(errors))
    return parsed


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parse_arguments(sys.argv[1:] if argv is None else argv)
    except UsageError as error:
        # CLI-24: mon prints the complaint and its usage, and exits 0.
        print(error, file=sys.stderr)
        print(USAGE, end="")
        return 0
    if "v" in args.values:
        print(f"pymon {__version__} (mon-1.3.4 compatible)")
        return 0
    if "h" in args.values:
        print(USAGE, end="")
        return 0
    if "check" in args.values:
        from pymon.check import run_check

        return run_check(args.options())
    from pymon.daemon import DaemonFlags, run_daemon

    flags = DaemonFlags(
        stopped="S" in args.values,
        debug=args.number("d") or 0,
        fork="f" in args.values,
        loadstate=args.text("l"),
    )
    return run_daemon(args.options(), flags)

if __name__ == "__main__":
    sys.exit(main())
