"""The Getopt parsers against Perl's own Getopt::Std and Getopt::Long on the same argv."""

from __future__ import annotations

import json
import subprocess

import pytest

from pymon.monitors._options import LongSpec, getoptions, getopts, seconds

PERL_STD = r"""
use Getopt::Std; use JSON::PP;
my %o; local $SIG{__WARN__} = sub {}; my $ok = getopts(shift @ARGV, \%o);
print encode_json({opts => \%o, args => \@ARGV, ok => $ok ? 1 : 0});
"""
PERL_LONG = r"""
use Getopt::Long; use JSON::PP;
my (@zone, @master, $tcp, $retry); local $SIG{__WARN__} = sub {};
my $ok = GetOptions("zone=s@" => \@zone, "master=s@" => \@master, "tcp" => \$tcp, "retry=i" => \$retry);
print encode_json({zone => \@zone, master => \@master, tcp => $tcp, retry => $retry,
                   args => \@ARGV, ok => $ok ? 1 : 0});
"""


def perl(program: str, argv: list[str]) -> dict[str, object]:
    done = subprocess.run(["perl", "-e", program, "--", *argv], capture_output=True, check=True, text=True)
    return dict(json.loads(done.stdout))


@pytest.mark.parametrize(
    "argv",
    [
        ["-p", "80", "host"],
        ["-p80", "-ot5", "a", "b"],
        ["-o", "--", "-p", "x"],
        ["-x", "-p", "1", "h"],
        ["-xo", "h"],
        ["h", "-p", "1"],
        ["-", "-p", "1"],
        ["-p"],
        ["-t", "-o", "h"],
        ["-m", "", "h"],
        ["-p", "1", "-p", "2"],
    ],
)
def test_getopts_like_getopt_std(argv: list[str]) -> None:
    spec = "p:t:u:a:m:o"
    expected = perl(PERL_STD, [spec, *argv])
    ours = getopts(spec, argv)
    perl_values = expected["opts"]
    assert isinstance(perl_values, dict)
    # Perl's flags are the number 1 and a missing value undef; pymon keeps strings.
    assert dict(ours.values) == {k: "" if v is None else str(v) for k, v in perl_values.items()}
    assert list(ours.args) == expected["args"]
    assert (not ours.errors) == bool(expected["ok"])


@pytest.mark.parametrize(
    "argv",
    [
        ["-zone", "z", "-master", "m", "s1", "s2"],
        ["s1", "--zone=z", "-ZONE", "y", "s2", "-tcp"],
        ["-mast", "m", "-z", "z", "s"],
        ["-retry", "x", "s"],
        ["-retry", "3", "s"],
        ["-bogus", "s"],
        ["-tcp=1", "s"],
        ["-zone"],
        ["s", "--", "-tcp"],
    ],
)
def test_getoptions_like_getopt_long(argv: list[str]) -> None:
    expected = perl(PERL_LONG, argv)
    specs = [LongSpec("zone", "s"), LongSpec("master", "s"), LongSpec("tcp"), LongSpec("retry", "i")]
    ours = getoptions(specs, argv)
    assert list(ours.all("zone")) == expected["zone"]
    assert list(ours.all("master")) == expected["master"]
    assert (ours.last("tcp", "") or None) == (None if expected["tcp"] is None else str(expected["tcp"]))
    assert (not ours.errors) == bool(expected["ok"])
    if expected["ok"]:
        assert list(ours.args) == expected["args"]
        assert ours.last("retry", "") == ("" if expected["retry"] is None else str(expected["retry"]))


def test_perl_or_and_seconds() -> None:
    parsed = getopts("p:t:o", ["-p", "0", "-t", "", "-o"])
    assert parsed.text("p", "80") == "80" and parsed.text("t", "30") == "30" and parsed.flag("o")
    assert seconds("2.5", 30) == 2.5
    assert seconds("0", 30) == seconds("nan", 30) == seconds("inf", 30) == seconds("x", 30) == 30
