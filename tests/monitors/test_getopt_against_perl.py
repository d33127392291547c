"""The option parsers against Perl's own Getopt::Std and Getopt::Long, on the same argv."""

from __future__ import annotations

import json
import subprocess

from hypothesis import given, settings
from hypothesis import strategies as st

from pymon.monitors._options import LongSpec, getoptions, getopts

# One Perl process answers many cases: a JSON line [kind, spec, argv] in, a JSON line out.
PERL = r"""
use strict; use Getopt::Std; use Getopt::Long; use JSON::PP;
my $json = JSON::PP->new->canonical;
$| = 1;
while (my $line = <STDIN>) {
    my ($kind, $spec, $argv) = @{ $json->decode($line) };
    my (%opt, @warnings);
    local $SIG{__WARN__} = sub { my $w = shift; chomp $w; push @warnings, $w };
    local @ARGV = @$argv;
    my $ok = $kind eq "std" ? getopts($spec, \%opt) : GetOptions(\%opt, @$spec);
    print $json->encode({ok => $ok ? 1 : 0, options => \%opt, args => [@ARGV], warnings => \@warnings}), "\n";
}
"""


def perl(cases: list[tuple[str, object, list[str]]]) -> list[dict[str, object]]:
    text = "".join(json.dumps(case) + "\n" for case in cases)
    done = subprocess.run(["perl", "-e", PERL], input=text, capture_output=True, text=True, check=True)
    return [json.loads(line) for line in done.stdout.splitlines()]


LISTS = {"master", "zone"}  # the `@` options of LONG_SPECS: Perl gives every value


def ours(kind: str, spec: object, argv: list[str]) -> dict[str, object]:
    if kind == "std":
        std = getopts(spec, argv)  # type: ignore[arg-type]
        options: dict[str, object] = dict(std.values)
        return {"ok": int(std.ok), "options": options, "args": list(std.args), "warnings": list(std.warnings)}
    long = getoptions(spec, argv)  # type: ignore[arg-type]
    options = {k: list(v) if k in LISTS else v[-1] for k, v in long.values.items()}
    return {"ok": int(long.ok), "options": options, "args": list(long.args), "warnings": list(long.errors)}


def normalise(result: dict[str, object]) -> dict[str, object]:
    """Perl's JSON gives numbers or strings as Perl stored them, and null for undef; compare as text."""
    options = result["options"]
    assert isinstance(options, dict)
    texts = {k: [str(x) for x in v] if isinstance(v, list) else _text(v) for k, v in options.items()}
    return {**result, "options": texts}


def _text(value: object) -> str:
    return "" if value is None else str(value)


STD_CASES = [
    ["-p", "80", "h1", "h2"], ["-p80", "-t", "5", "h"], ["-t"], ["-x", "-p", "1", "h"], ["--", "-p", "1"],
    ["h", "-p", "1"], ["-", "-p", "1"], ["-ap", "1"], ["-pa"], ["-p", "", "h"], ["-a-p"], ["--p"],
    ["-:", "h"], [],
]  # fmt: skip
LONG_SPECS = ["master=s@", "zone=s@", "serial_threshold=s", "caching_only", "tcp", "retry=i", "timeout:i",
              "debug!", "verbose+", "x|y=s"]  # fmt: skip
LONG_CASES = [
    ["--master", "a", "--master=b", "h"], ["h1", "--tcp", "h2"], ["--retry", "x"], ["--retry=3", "--timeout"],
    ["--timeout", "h"], ["--nodebug", "--debug"], ["--verbose", "--verbose"], ["--unknown", "h"],
    ["--ser", "5"], ["--zo=z", "--", "--tcp"], ["-tcp"], ["--y", "v"], ["--TCP=1"], ["--retry"],
    ["--timeout", "--tcp"],
]  # fmt: skip


def test_getopts_matches_getopt_std() -> None:
    cases = [("std", "p:t:a", argv) for argv in STD_CASES]
    for case, theirs in zip(cases, perl(cases), strict=True):  # type: ignore[arg-type]
        assert normalise(ours(*case)) == normalise(theirs), case


def test_getoptions_matches_getopt_long() -> None:
    cases = [("long", LONG_SPECS, argv) for argv in LONG_CASES]
    for case, theirs in zip(cases, perl(cases), strict=True):  # type: ignore[arg-type]
        assert normalise(ours(*case)) == normalise(theirs), case


def test_long_specs_are_getopt_long_specs() -> None:
    specs = [LongSpec("timeout", "i"), LongSpec("tcp"), "query=s@"]
    parsed = getoptions(specs, ["--timeout", "5", "h", "--tc", "--query", "a", "--query=b", "--timeout=x"])
    assert (parsed.last("timeout", "0"), parsed.all("tcp"), parsed.all("query")) == ("5", ("1",), ("a", "b"))
    assert parsed.args == ("h",)
    assert parsed.errors == ('Value "x" invalid for option timeout (number expected)',)
    assert getoptions(specs, ["-bogus", "h"]).errors == ("Unknown option: bogus",)


WORD = st.sampled_from(["-p", "-t", "-a", "-pa", "-ap", "-x", "--", "-", "80", "h", "-p1", "-ta"])
WORDS = st.lists(WORD, max_size=6)


@settings(max_examples=60, deadline=None)
@given(st.lists(WORDS, min_size=20, max_size=20))
def test_getopts_property(argvs: list[list[str]]) -> None:
    cases = [("std", "p:t:a", argv) for argv in argvs]
    for case, theirs in zip(cases, perl(cases), strict=True):  # type: ignore[arg-type]
        assert normalise(ours(*case)) == normalise(theirs), case
