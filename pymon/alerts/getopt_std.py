"""Perl's Getopt::Std `getopts`, exactly: the shipped alerts parse their argv
with it, so pymon's alerts accept and reject the same command lines.

Rules copied from Getopt::Std (perl 5.36):
- options are read while the first word is `-X...`; a lone `-` or any other
  word stops; `--` stops and is removed;
- a letter followed by `:` in the spec takes a value: the rest of the word
  (`-sfoo`) or else the next word, even if it looks like an option;
- flag letters may be bundled (`-uT`); a repeated option keeps the last value;
- an unknown letter prints `Unknown option: X` on stderr, is dropped, and
  makes the parse report failure, but parsing goes on;
- `--help` and `--version` are skipped (Getopt::Std prints a help text there).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class Parsed:
    """Options by letter (flags map to "1"; a value option at the end of argv
    maps to None, like Perl's undef), the remaining words, the warnings
    Getopt::Std prints, and whether getopts returned true."""

    options: Mapping[str, str | None]
    args: tuple[str, ...]
    warnings: tuple[str, ...] = field(default=())
    ok: bool = True

    def get(self, letter: str) -> str | None:
        return self.options.get(letter)

    def flag(self, letter: str) -> bool:
        value = self.options.get(letter)
        return value is not None and value not in ("", "0")


def getopts(spec: str, argv: list[str] | tuple[str, ...]) -> Parsed:
    options: dict[str, str | None] = {}
    warnings: list[str] = []
    errors = 0
    words = list(argv)
    chars = list(spec)
    while words and len(words[0]) >= 2 and words[0][0] == "-":
        word = words[0]
        first, rest = word[1], word[2:]
        if word == "--":
            words.pop(0)
            break
        # Getopt::Std looks the letter up with index() in the spec string.
        pos = spec.find(first)
        if pos >= 0:
            if pos + 1 < len(chars) and chars[pos + 1] == ":":
                words.pop(0)
                if rest == "":
                    errors += not words  # silently: Getopt::Std prints nothing here
                    rest_value: str | None = words.pop(0) if words else None
                else:
                    rest_value = rest
                options[first] = rest_value
            else:
                options[first] = "1"
                if rest == "":
                    words.pop(0)
                else:
                    words[0] = "-" + rest
        elif first == "-" and rest in ("help", "version"):
            words.pop(0)  # Getopt::Std prints its help or version text here, then goes on
        else:
            warnings.append(f"Unknown option: {first}")
            errors += 1
            if rest == "":
                words.pop(0)
            else:
                words[0] = "-" + rest
    return Parsed(MappingProxyType(options), tuple(words), tuple(warnings), errors == 0)
