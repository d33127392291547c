"""Option parsing as the Perl monitors do it: Getopt::Std's `getopts` and Getopt::Long's `GetOptions`.

The built-in monitors take the argv mon gives the Perl originals, so the rules
are Perl's, not argparse's: Getopt::Std stops at the first non-option and
bundles single letters (`-ot5`); Getopt::Long takes `-name`, `--name`,
`--name=value`, unique prefixes, any case, and options anywhere among the
hosts. Both results carry the warnings Perl prints on stderr (which mon's
pipe delivers ahead of the monitor's buffered stdout; see `Check.after_warnings`).
Checked against Perl itself in tests/monitors/test_options.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["LongOptions", "LongSpec", "StdOptions", "getoptions", "getopts", "seconds"]


# --- Getopt::Std -----------------------------------------------------------------------


@dataclass(frozen=True)
class StdOptions:
    """What Getopt::Std's `getopts` leaves: the options seen, the remaining arguments, the warnings."""

    values: Mapping[str, str]  # flags map to "1", as Perl sets them; a value missing at the end is ""
    args: tuple[str, ...]
    errors: tuple[str, ...] = ()  # every problem: an unknown option, a value missing at the end

    @property
    def ok(self) -> bool:
        """What getopts returns."""
        return not self.errors

    @property
    def warnings(self) -> tuple[str, ...]:
        """What Perl prints on stderr: only the unknown options (a missing value is silent)."""
        return tuple(error for error in self.errors if error.startswith("Unknown option: "))

    def text(self, letter: str, default: str) -> str:
        """`$opt_x || default`: Perl's `||` also replaces "" and "0"."""
        value = self.values.get(letter, "")
        return value if value not in ("", "0") else default

    def flag(self, letter: str) -> bool:
        return self.values.get(letter, "") not in ("", "0")


def getopts(spec: str, argv: Sequence[str]) -> StdOptions:
    """Getopt::Std `getopts(spec)`: single letters, `x:` takes a value, bundling allowed.

    Parsing stops at the first word not starting with `-` (or `-` alone) and
    after `--`. A trailing `-x` that needs a value gets "" (Perl: undef) and
    an error Perl does not print. An unknown letter is warned about and skipped.
    """
    values: dict[str, str] = {}
    errors: list[str] = []
    args = list(argv)
    while args and len(args[0]) > 1 and args[0].startswith("-"):
        if args[0] == "--":
            args.pop(0)
            break
        first, rest = args[0][1], args[0][2:]
        pos = spec.find(first)  # Perl's index($argumentative, $first)
        if pos >= 0 and spec[pos + 1 : pos + 2] == ":":
            args.pop(0)
            if rest == "":
                if not args:
                    errors.append(f"Option {first} requires an argument")
                rest = args.pop(0) if args else ""
            values[first] = rest
            continue
        if pos >= 0:
            values[first] = "1"
        else:
            errors.append(f"Unknown option: {first}")
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


# --- Getopt::Long ----------------------------------------------------------------------


@dataclass(frozen=True)
class LongSpec:
    """One Getopt::Long option: `kind` is "flag", "s" (string) or "i" (integer)."""

    name: str
    kind: str = "flag"

    @property
    def text(self) -> str:
        """The same in Getopt::Long's own spec syntax."""
        return self.name if self.kind == "flag" else f"{self.name}={self.kind}"


@dataclass(frozen=True)
class LongOptions:
    """What Getopt::Long's `GetOptions` leaves: values per option name, the hosts, the warnings."""

    values: Mapping[str, tuple[str, ...]]  # every value given, in order; flags give "1" (a negated one "0")
    args: tuple[str, ...]
    errors: tuple[str, ...] = ()  # what Perl warns on stderr; GetOptions then returns false

    @property
    def ok(self) -> bool:
        return not self.errors

    def last(self, name: str, default: str) -> str:
        given = self.values.get(name, ())
        return given[-1] if given else default

    def all(self, name: str) -> tuple[str, ...]:
        return self.values.get(name, ())


@dataclass(frozen=True)
class _Spec:
    name: str  # the primary name: the key in the result
    kind: str  # "" flag, "!" negatable, "!no" its negation, "+" counter, "s", "i" or "f" a value
    mandatory: bool  # `=` (True) or `:` (False) for a value


_SPEC = re.compile(r"^([\w?-]+(?:\|[\w?-]+)*)(?:([!+])|([=:])([sif])[@%]?)?$")
_INTEGER = re.compile(r"[-+]?\d+")
_REAL = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def _table(specs: Sequence[LongSpec | str]) -> dict[str, _Spec]:
    table: dict[str, _Spec] = {}
    for item in specs:
        text = item.text if isinstance(item, LongSpec) else item
        match = _SPEC.match(text)
        if match is None:
            raise ValueError(f"bad option spec {text!r}")
        names = match.group(1).split("|")
        spec = _Spec(names[0], match.group(2) or match.group(4) or "", match.group(3) == "=")
        for name in names:
            table[name.lower()] = spec
            if spec.kind == "!":
                negated = _Spec(spec.name, "!no", False)
                table["no" + name.lower()] = table["no-" + name.lower()] = negated
    return table


def getoptions(specs: Sequence[LongSpec | str], argv: Sequence[str]) -> LongOptions:
    """Getopt::Long `GetOptions(\\%h, specs)` in its default configuration.

    `specs` are LongSpec or Getopt::Long's own strings (`name=s@`, `name:i`,
    `name!`, `name+`, `a|b`). Values follow `=` or come as the next word;
    words that are not options stay in the arguments wherever they are
    (permute), and `--` ends the options.
    """
    table = _table(specs)
    values: dict[str, list[str]] = {}
    errors: list[str] = []
    args: list[str] = []
    words = list(argv)
    while words:
        word = words.pop(0)
        if word == "--":
            args.extend(words)
            break
        if not word.startswith("-") or word == "-":
            args.append(word)
            continue
        name, eq, inline = (word[2:] if word.startswith("--") else word[1:]).partition("=")
        found = _lookup(table, name.lower())
        if found is None:
            errors.append(f"Unknown option: {name.lower()}")
            continue
        name, spec = found  # Getopt::Long's messages name the option as its table has it
        given = values.setdefault(spec.name, [])
        if spec.kind in ("", "!", "!no", "+"):
            if eq:
                errors.append(f"Option {name} does not take an argument")
            elif spec.kind == "+":
                given.append(str(len(given) + 1))
            else:
                given.append("0" if spec.kind == "!no" else "1")
            continue
        value: str | None = inline if eq else None
        if value is None and words and (spec.mandatory or _optional_value(spec.kind, words[0])):
            value = words.pop(0)
        if value is None:
            if spec.mandatory:
                errors.append(f"Option {name} requires an argument")
                continue
            value = "" if spec.kind == "s" else "0"
        if spec.kind == "i" and not _INTEGER.fullmatch(value):
            errors.append(f'Value "{value}" invalid for option {name} (number expected)')
            continue
        if spec.kind == "f" and not _REAL.fullmatch(value):
            errors.append(f'Value "{value}" invalid for option {name} (real number expected)')
            continue
        given.append(str(int(value)) if spec.kind == "i" else value)
    return LongOptions({k: tuple(v) for k, v in values.items() if v}, tuple(args), tuple(errors))


def _optional_value(kind: str, word: str) -> bool:
    """Whether the next word is an optional value's (`name:s`, `name:i`)."""
    if kind == "i":
        return _INTEGER.fullmatch(word) is not None
    if kind == "f":
        return _REAL.fullmatch(word) is not None
    return word == "-" or not word.startswith("-")


def _lookup(table: dict[str, _Spec], name: str) -> tuple[str, _Spec] | None:
    """(the name, its spec) for an exact name, else for a unique abbreviation (auto_abbrev)."""
    if name in table:
        return name, table[name]
    found = {id(spec): (key, spec) for key, spec in table.items() if key.startswith(name)}
    return next(iter(found.values())) if len(found) == 1 and name else None
