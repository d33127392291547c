"""Command-line parsing the way the Perl monitors do it: Getopt::Std and a Getopt::Long subset.

The network monitors take the argv mon gives the Perl originals, so the parsing rules are
Perl's, not argparse's: Getopt::Std stops at the first non-option and bundles single-letter
flags (`-ot5`); Getopt::Long (dns.monitor) takes `-name`, `--name`, `--name=value`, unique
prefixes, any case, and options anywhere among the hosts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class StdOptions:
    """What Getopt::Std's `getopts` leaves: the options seen, the remaining arguments, the complaints."""

    values: Mapping[str, str]  # flags map to "1", as Perl sets them
    args: tuple[str, ...]
    errors: tuple[str, ...] = ()

    def text(self, letter: str, default: str) -> str:
        """`$opt_x || default`: Perl's `||` also replaces "" and "0"."""
        value = self.values.get(letter, "")
        return value if value not in ("", "0") else default

    def flag(self, letter: str) -> bool:
        return self.values.get(letter, "") not in ("", "0")


def getopts(spec: str, argv: Sequence[str]) -> StdOptions:
    """Getopt::Std::getopts(spec): letters, a letter followed by ':' takes a value."""
    takes_value = {letter: spec[i + 1 : i + 2] == ":" for i, letter in enumerate(spec) if letter != ":"}
    values: dict[str, str] = {}
    errors: list[str] = []
    args = list(argv)
    while args and len(args[0]) > 1 and args[0].startswith("-"):
        letter, rest = args[0][1], args[0][2:]
        if args[0] == "--":
            args.pop(0)
            break
        if letter not in takes_value:
            errors.append(f"Unknown option: {letter}")
            if rest:
                args[0] = "-" + rest
            else:
                args.pop(0)
        elif takes_value[letter]:
            args.pop(0)
            if not rest:
                if not args:
                    errors.append(f"Option {letter} requires an argument")
                rest = args.pop(0) if args else ""
            values[letter] = rest
        else:
            values[letter] = "1"
            if rest:
                args[0] = "-" + rest
            else:
                args.pop(0)
    return StdOptions(values, tuple(args), tuple(errors))


def seconds(text: str, default: float) -> float:
    """A timeout option's value; the originals' alarm() takes whole seconds, this keeps fractions."""
    try:
        value = float(text)
    except ValueError:
        return default
    return value if 0 < value <= 86400 else default


@dataclass(frozen=True)
class LongOptions:
    """What Getopt::Long's `GetOptions` leaves: values per option name, the hosts, the complaints."""

    values: Mapping[str, tuple[str, ...]]  # every value given, in order; flags give "1"
    args: tuple[str, ...]
    errors: tuple[str, ...] = ()

    def last(self, name: str, default: str) -> str:
        given = self.values.get(name, ())
        return given[-1] if given else default

    def all(self, name: str) -> tuple[str, ...]:
        return self.values.get(name, ())


@dataclass(frozen=True)
class LongSpec:
    """One Getopt::Long option: `kind` is "flag", "s" (string) or "i" (integer)."""

    name: str
    kind: str = "flag"


_INTEGER = re.compile(r"[-+]?\d+\Z")


def getoptions(specs: Sequence[LongSpec], argv: Sequence[str]) -> LongOptions:
    """Getopt::Long's defaults: permute, ignore case, unique abbreviations, `--` ends options."""
    by_name = {spec.name.lower(): spec for spec in specs}
    values: dict[str, list[str]] = {}
    errors: list[str] = []
    hosts: list[str] = []
    args = list(argv)
    while args:
        word = args.pop(0)
        if word == "--":
            hosts.extend(args)
            break
        if len(word) < 2 or not word.startswith("-"):
            hosts.append(word)
            continue
        name, has_value, value = word.lstrip("-").partition("=")
        spec = _lookup(by_name, name.lower())
        if spec is None:
            errors.append(f"Unknown option: {name}")
            continue
        if spec.kind == "flag":
            if has_value:
                errors.append(f"Option {spec.name} does not take an argument")
                continue
            value = "1"
        elif not has_value:
            if not args:
                errors.append(f"Option {spec.name} requires an argument")
                continue
            value = args.pop(0)
        if spec.kind == "i" and not _INTEGER.match(value):
            errors.append(f'Value "{value}" invalid for option {spec.name} (number expected)')
            continue
        values.setdefault(spec.name, []).append(value)
    return LongOptions({k: tuple(v) for k, v in values.items()}, tuple(hosts), tuple(errors))


def _lookup(by_name: Mapping[str, LongSpec], name: str) -> LongSpec | None:
    if name in by_name:
        return by_name[name]
    matches = [spec for key, spec in by_name.items() if key.startswith(name)]
    return matches[0] if len(matches) == 1 and name else None
