"""pymon.alerts' Getopt::Std and Text::Wrap against the real Perl modules, on
many generated inputs in one perl run each."""

from __future__ import annotations

import json
import random
import subprocess

import pytest

from pymon.alerts.getopt_std import getopts
from pymon.alerts.perltext import localtime, numify, wrap

GETOPTS = r'''
use strict; use warnings; use JSON::PP; use Getopt::Std;
my $cases = decode_json(join("", <STDIN>));
my @out;
for my $c (@$cases) {
    my ($spec, $argv) = @$c;
    local @ARGV = @$argv;
    my %o; my @warn;
    local $SIG{__WARN__} = sub { my $w = shift; chomp $w; push @warn, $w };
    my $ok = getopts($spec, \%o) ? JSON::PP::true : JSON::PP::false;
    push @out, [\%o, [@ARGV], \@warn, $ok];
}
print encode_json(\@out);
'''

WRAP = r'''
use strict; use warnings; use JSON::PP; use Text::Wrap;
my $cases = decode_json(join("", <STDIN>));
print encode_json([map { wrap($_->[0], $_->[1], $_->[2]) } @$cases]);
'''


def perl(program: str, cases: list[object]) -> list[object]:
    done = subprocess.run(["perl", "-e", program], input=json.dumps(cases), capture_output=True, text=True,
                          timeout=60, check=True)
    result: list[object] = json.loads(done.stdout)
    return result


def getopt_cases() -> list[tuple[str, list[str]]]:
    rng = random.Random(5)
    words = ["-s", "-g", "-h", "-t", "-u", "-a", "-D", "-T", "-O", "-uT", "-sfoo", "--", "-", "x", "a b",
             "-Z", "-uZ", "-S", "-f", "-fbar", "-l", "-:", "7", ""]
    specs = ["S:s:g:h:t:l:f:u", "d:S:s:g:h:t:l:uOT", "s:g:h:t:l:P:V:R:W:F:X:Q:I:DuaTO", "ab:c"]
    cases = [(spec, [rng.choice(words) for _ in range(rng.randrange(0, 8))])
             for spec in specs for _ in range(120)]
    cases.append(("s:g:h:t:", ["-s", "svc", "-g", "grp", "-h", "h1 h2", "-t", "1795611521", "-D", "arg"]))
    cases.append(("s:g:", ["-s"]))
    cases.append(("s:", ["-:", "x"]))  # a value option at the end: undef, getopts false
    return cases


def test_getopts_is_getopt_std() -> None:
    cases = getopt_cases()
    expected = perl(GETOPTS, list(cases))
    for (spec, argv), (options, rest, warnings, ok) in zip(cases, expected, strict=True):  # type: ignore[misc]
        got = getopts(spec, argv)
        assert (dict(got.options), list(got.args), list(got.warnings), got.ok) == (
            {k: (None if v is None else str(v)) for k, v in options.items()}, rest, warnings, ok,
        ), (spec, argv)


def test_wrap_is_text_wrap() -> None:
    rng = random.Random(7)
    hosts = ["a", "web01.example.com", "10.0.0.1", "x" * 60, "host-with-a-long-name.internal.example.org"]
    cases = [("", "\t\t\t", "Members               : " + " ".join(rng.choice(hosts) for _ in range(n)))
             for n in range(0, 30)]
    cases += [("", "\t\t\t", "Members               : " + "y" * 200), ("> ", "  ", "a b\nc  d\t e "),
              ("", "", ""), ("", "\t\t\t", "Members               : h1\th2 ")]
    expected = perl(WRAP, list(cases))
    for case, want in zip(cases, expected, strict=True):
        assert wrap(*case) == want, case


@pytest.mark.parametrize("text,value",
                         [("12abc", 12.0), ("", 0.0), (None, 0.0), (" 3.5e1x", 35.0), ("x1", 0.0)])
def test_numify(text: str | None, value: float) -> None:
    assert numify(text) == value


def test_localtime_is_perls() -> None:
    for t in ("0", "1795611521", "1000000000", "junk"):
        done = subprocess.run(["perl", "-e", "print scalar localtime($ARGV[0])", t], capture_output=True,
                              text=True, check=True)
        assert localtime(t) == done.stdout
