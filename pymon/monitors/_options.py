"""Option parsing as the Perl monitors do it: Getopt::Std's `getopts` and Getopt::Long's `GetOptions`.

Both return what Perl leaves behind: the options, the remaining arguments, and
the warnings Perl prints to stderr (which mon merges into the output ahead of
the monitor's buffered stdout; see `Check.after_warnings`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["Parsed", "get_options", "getopts"]


@dataclass(frozen=True)
class Parsed:
    options: dict[str, str | int | list[str] | None]  # an option given without its argument is None
    args: list[str]
    warnings: list[str] = field(default_factory=list)
    ok: bool = True  # what getopts / GetOptions return

    def value(self, name: str) -> str | None:
        """A scalar option as a string (a flag is "1"), None when absent."""
        found = self.options.get(name)
        if found is None or isinstance(found, list):
            return None
        return str(found)


def getopts(spec: str, argv: Sequence[str]) -> Parsed:
    """Getopt::Std `getopts(spec)`: single letters, `x:` takes an argument, bundling allowed.

    Parsing stops at the first word not starting with `-` (or `-` alone) and after `--`.
    A trailing `-x` that needs an argument gets none (Perl: undef) and makes
    the result not ok. An unknown letter is warned about and skipped.
    """
    options: dict[str, str | int | list[str] | None] = {}
    warnings: list[str] = []
    errors = 0
    args = list(argv)
    while args and len(args[0]) > 1 and args[0].startswith("-"):
        if args[0] == "--":
            args.pop(0)
            break
        first, rest = args[0][1], args[0][2:]
        pos = spec.find(first)
        if pos >= 0 and spec[pos + 1 : pos + 2] == ":":
            args.pop(0)
            if rest == "":
                errors += not args
                options[first] = args.pop(0) if args else None
            else:
                options[first] = rest
            continue
        if pos >= 0:
            options[first] = 1
        else:
            warnings.append(f"Unknown option: {first}")
            errors += 1
        if rest:
            args[0] = "-" + rest
        else:
            args.pop(0)
    return Parsed(options, args, warnings, errors == 0)
    return Parsed(options, args, warnings)


@dataclass(frozen=True)
class _Spec:
    name: str  # the primary name: the key in the result
    kind: str  # "" flag, "!" negatable, "+" counter, "s" string, "i" integer, "f" float
    mandatory: bool  # `=` (True) or `:` (False) for a value
    many: bool  # `@`: every value kept in a list


_SPEC = re.compile(r"^([\w?-]+(?:\|[\w?-]+)*)(?:([!+])|([=:])([sif])(@?))?$")


def _parse_spec(text: str) -> tuple[list[str], _Spec]:
    match = _SPEC.match(text)
    if match is None:
        raise ValueError(f"bad option spec {text!r}")
    names = match.group(1).split("|")
    kind = match.group(2) or match.group(4) or ""
    return names, _Spec(names[0], kind, match.group(3) == "=", match.group(5) == "@")


def get_options(specs: Sequence[str], argv: Sequence[str]) -> Parsed:
    """Getopt::Long `GetOptions(\\%h, specs)` in its default configuration.

    Options start with `--` or `-`, may be abbreviated to a unique prefix and
    are case-insensitive; values follow `=` or come as the next word; words
    that are not options stay in the arguments wherever they are (permute),
    and `--` ends the options.
    """
    table: dict[str, _Spec] = {}
    for text in specs:
        names, spec = _parse_spec(text)
        for name in names:
            table[name.lower()] = spec
            if spec.kind == "!":
                negated = _Spec(spec.name, "!no", False, False)
                table["no" + name.lower()] = table["no-" + name.lower()] = negated
    options: dict[str, str | int | list[str] | None] = {}
    warnings: list[str] = []
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
        text = word[2:] if word.startswith("--") else word[1:]
        name, eq, inline = text.partition("=")
        found = _lookup(table, name.lower())
        if found is None:
            warnings.append(f"Unknown option: {name.lower()}")
            continue
        name, spec = found  # Getopt::Long's messages name the option as its table has it
        if spec.kind in ("", "!", "!no", "+"):
            if eq:
                warnings.append(f"Option {name} does not take an argument")
            elif spec.kind == "+":
                options[spec.name] = int(options.get(spec.name) or 0) + 1  # type: ignore[arg-type]
            else:
                options[spec.name] = 0 if spec.kind == "!no" else 1
            continue
        value: str | None = inline if eq else None
        if value is None and words and (spec.mandatory or _optional_value(spec.kind, words[0])):
            value = words.pop(0)
        if value is None:
            if spec.mandatory:
                warnings.append(f"Option {name} requires an argument")
                continue
            value = "0" if spec.kind in "if" else ""
        if spec.kind == "i" and not _INTEGER.fullmatch(value):
            warnings.append(f'Value "{value}" invalid for option {name} (number expected)')
            continue
        if spec.kind == "f" and not _REAL.fullmatch(value):
            warnings.append(f'Value "{value}" invalid for option {name} (real number expected)')
            continue
        stored: str | int = int(value) if spec.kind == "i" else value
        if spec.many:
            values = options.setdefault(spec.name, [])
            assert isinstance(values, list)
            values.append(str(stored))
        else:
            options[spec.name] = stored
    return Parsed(options, args, warnings, not warnings)


_INTEGER = re.compile(r"[-+]?\d+")
_REAL = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


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
