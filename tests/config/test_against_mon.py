"""pymon's config parser agrees with the real mon 1.3.6 on the same mon.cf snippets.

Every case is a small mon.cf snippet. The real daemon (/usr/sbin/mon, Debian
package `mon`) is started on it (see realmon.py) and what it did is the
expectation, observed at test time:

* a refused config: the `cf error: ...` message mon prints must be exactly
  ConfigError.mon_message;
* an accepted one: the hostgroups and their members in order (`list group`),
  the watches (`list watch`), service settings (`get G S KEYWORD`), aliases
  (`list aliases`), views (`setview` + `list watch`), histlength
  (`get maxkeep`), exclude_hosts (`list opstatus`) and the `Warning:` lines
  mon prints on stderr must match the parsed Config.

Most cases also name the outcome they were written for ("accepted" or
"refused", checked against mon too), so that a case keeps testing what it
claims to; the keyword-value tables leave that to mon. A second set of tests spells out
the key facts being pinned down, and a hypothesis test compares random configs.

The whole module is skipped when /usr/sbin/mon is not installed
(`apt-get install -y mon mon-client`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import realmon

if not realmon.available():
    pytest.skip(f"the real mon ({realmon.MON}) is not installed", allow_module_level=True)

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pymon.config import Config, ConfigError, parse_config

ACCEPTED, REFUSED = "accepted", "refused"


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    outcome: str  # ACCEPTED or REFUSED: what mon does with it (checked), or "": whatever it does
    real_files: bool = False  # authfile/userfile really checked (else every file is "readable")

    def __str__(self) -> str:
        return self.id


def cf(*lines: str) -> str:
    """A snippet from its lines, each ended by a newline."""
    return "".join(line + "\n" for line in lines)


def ok(id: str, *lines: str) -> Case:
    return Case(id, cf(*lines), ACCEPTED)


def bad(id: str, *lines: str) -> Case:
    return Case(id, cf(*lines), REFUSED)


# A watch with one service, to put service and period lines in.
W = ("watch g", "    service s")
WI = (*W, "        interval 5m")  # ... with an interval
WP = (*WI, "        period wd {Sun-Sat}")  # ... and a period


def value_id(keyword: str, value: str) -> str:
    return f"{keyword}-" + (value.replace("\xa0", "NBSP").replace(" ", "_") or "empty")


# ---------------------------------------------------------------------------
# the cases
# ---------------------------------------------------------------------------
GLOBAL_CASES = [
    bad("unknown-variable", "hostgroup a b", "", "watch a", "    service s", "", "foo = 1"),
    bad("unknown-variable-wrong-case", "AlertDir = /tmp"),
    bad("unknown-variable-snmpport", "snmpport = 161"),
    bad("unknown-variable-env-style-outside-watch", "FOO=bar"),
    bad("unknown-variable-inside-hostgroup", "hostgroup a b", "foo = 1"),
    bad("unknown-variable-inside-alias", "alias a", "some text", "foo = 1"),
    bad("unknown-variable-after-dropped-service", *WI, "", "    service t", "    interval = 5m"),
    bad("randstart-junk", "randstart = abc"),
    bad("randstart-no-unit", "randstart = 30"),
    bad("randstart-empty", "randstart ="),
    ok("randstart-0s", "randstart = 0s"),
    ok("randstart-fraction", "randstart = 1.5m"),
    bad("historictime-junk", "historictime = 1x"),
    ok("historictime-0s", "historictime = 0s"),
    bad("cltimeout-no-unit", "cltimeout = 30"),
    ok("cltimeout-0s", "cltimeout = 0s"),
    bad("dep_behavior-global-q", "dep_behavior = q"),
    bad("dep_behavior-global-empty", "dep_behavior ="),
    bad("dep_memory-global-junk", "dep_memory = x"),
    ok("dep_memory-global-0s", "dep_memory = 0s", *W),
    bad("unack_summary-global-2", "unack_summary = 2"),
    bad("unack_summary-global-empty", "unack_summary ="),
    bad("unack_summary-global-later-line", "hostgroup a b", "", "unack_summary = x"),
    bad("exclude_period-global-bad-scale", "exclude_period = xx {1}"),
    bad("exclude_period-global-no-braces", "exclude_period = wd Mon-Fri"),
    bad("exclude_period-global-bad-day", "hostgroup a b", "", "exclude_period = wd {Xyz}"),
    ok("exclude_period-global-second-part-unchecked", "exclude_period = wd {Sun-Sat}, xx {1}"),
    bad("exclude_period-global-first-part-bad", "exclude_period = xx {1}, wd {Sun-Sat}"),
    ok("exclude_period-global-none", "exclude_period = none"),
    ok("exclude_period-global-empty", "exclude_period ="),
    Case("authfile-unreadable", cf("authfile = /nonexistent/auth.cf"), REFUSED, real_files=True),
    Case("userfile-unreadable", cf("hostgroup a b", "", "userfile = /nonexistent/users"), REFUSED, True),
    Case("authfile-readable", cf("authfile = /etc/passwd"), ACCEPTED, real_files=True),
    Case("userfile-readable", cf("userfile = /etc/passwd"), ACCEPTED, real_files=True),
    ok(
        "every-global-variable",
        "alertdir = /nonexistent/a", "basedir = /nonexistent/b", "cfbasedir = /nonexistent/c",
        "mondir = m1:m2", "logdir = /nonexistent/l", "histlength = 42", "serverport = 1", "trapport = 2",
        "serverbind = 127.0.0.1", "trapbind = 127.0.0.1", "clientallow = 127.0.0.1 .*", "pidfile = p.pid",
        "randstart = 5s", "maxprocs = 3", "statedir = /nonexistent/s", "authtype = getpwnam pam",
        "pamservice = login", "historicfile = hist.log", "historictime = 1h", "cltimeout = 1m",
        "monerrfile = err.log", "dtlogfile = dt.log", "dtlogging = 0", "dep_recur_limit = 4",
        "dep_behavior = hm", "dep_memory = 2m", "unack_summary = yes", "syslog_facility = local1",
        "startupalerts_on_reset = on", "monremote = /bin/true", "exclude_period = wd {Sun-Sat}, xx {1}",
        "watch g", "    service s",
    ),
    ok("histlength", "histlength = 7"),
    ok("histlength-empty", "histlength ="),
    ok("histlength-trailing-space", "histlength = 12   "),
    ok("histlength-no-spaces", "histlength=9"),
    ok("global-later-wins", "histlength = 7", "histlength = 8"),
    ok(
        "dep_behavior-global-applies-to-later-services",
        "watch a", "    service s", "", "dep_behavior = m", "dep_memory = 1m", "watch b", "    service s",
    ),
    ok(
        "unack_summary-global-values",
        "unack_summary = on", "watch a", "    service s", "",
        "unack_summary = Yes", "watch b", "    service s", "",
        "unack_summary = nope", "watch c", "    service s", "",
        "unack_summary = 1", "watch d", "    service s",
    ),
]

WATCH_CASES = [
    bad("watch-already-defined", *W, "", "watch g", "    service t"),
    bad("watch-already-defined-no-blank", *W, "watch g"),
    ok("watch-twice-without-services", "watch g", "", "watch g"),
    ok("watch-twice-without-services-no-blank", "hostgroup g a", "", "watch g", "watch g"),
    bad("env-without-service", "watch g", "FOO=bar"),
    bad("env-with-spaces-without-service", "watch g", "FOO = bar"),
    bad("env-with-spaces-after-service", *W, "        FOO = bar"),
    bad("env-lowercase", *W, "        foo=bar"),
    bad("global-inside-watch", *W, "        histlength = 5"),
    bad("invalid-service-tag-slash", "watch g", "    service a/b"),
    bad("invalid-service-tag-empty", "watch g", "    service"),
    bad("invalid-service-tag-two-words", "watch g", "    service a b"),
    bad("invalid-service-tag-nbsp", "watch g", "    service s\xa0"),
    bad("service-already-defined", *WI, "    service s"),
    bad("need-service-interval", "watch g", "    interval 5m"),
    bad("need-service-period", "watch g", "    period wd {Sun-Sat}"),
    bad("need-service-wrong-case", "watch g", "    Service s"),
    bad("need-service-punctuation", "watch g", "    -foo"),
    bad("period-already-defined", *WP, "        period wd {Sun-Sat}"),
    bad("period-label-already-defined", *WI, "    period a: wd {Sun-Sat}", "    period a: hr {0-23}"),
    bad("period-label-mixed-case", *WI, "    period Work: wd {Sun-Sat}", "    period Work : hr {0-23}"),
    bad("period-bare-twice", *WI, "    period", "    period"),
    ok("period-label-and-spec-differ", *WP, "    period x: wd {Sun-Sat}"),
    ok("period-labels", *WI, "    period", "    period x:", "    period y: wd {Sun-Sat}",
       "    period _z:hr {0-23}"),
    ok("period-none", *WI, "    period none"),
    bad("malformed-period-digit-label", *WP, "    period 1bad: wd {Sun-Sat}"),
    bad("malformed-period-bad-day", *WI, "    period wd {Xyz}"),
    bad("malformed-period-no-braces", *WI, "    period wd Mon-Fri"),
    bad("malformed-period-label-bad-spec", *WI, "    period lbl: xx {1}"),
    ok("period-second-part-unchecked", *WI, "    period wd {Sun-Sat}, xx {1}"),
    bad("malformed-period-first-part-bad", *WI, "    period xx {1}, wd {Sun-Sat}"),
    ok("period-scale-without-space", *WI, "    period hr{0-23}"),
    bad("period-label-then-junk", *WI, "    period a:b"),
    bad("period-label-double-colon", *WI, "    period a::"),
    ok("period-label-tabs", *WI, "    period\tx\t:\twd {Sun-Sat}"),
    bad("period-colon-without-label", *WI, "    period : wd {Sun-Sat}"),
]

# alertevery, alertafter, upalertafter, numalerts, alertexitrange (inside a period)
PERIOD_KEYWORD_VALUES = {
    "alertevery": [
        "0s", "x", "30", "", "-1m", "0s observe_detail", "0s ignore_summary", "0s summary",
        "0s strict", "x strict", "1h observe_detail strict",
        "1h", "1.5m", "1h 2h observe_detail", "1h OBSERVE_DETAIL", "1h ignore_summary",
        "1h summary trailing words", "10m strict", "00s",
    ],
    "alertafter": [
        "0s", "1d", "1.5m", "x", "", "-1", "3 1d", "3 10m junk", "3 0.5h",
        "3", "0", "10m", "3 10m", "x 3 10m", "1 0s", "0 0s", "2 0m", "1.5 10m", "1.2 10m", "03", "1 010m",
    ],
    "upalertafter": ["0s", "x", "", "30", "5m", "00s"],
    "numalerts": ["x", "-1", "", "1.5", "1 2", "0", "10"],
    "alertexitrange": ["1-x", "x", "", "3 - 4", "1-2-3", "3", "5-9", "5-9   "],
}
PERIOD_VALUE_CASES = [
    Case(value_id(kw, value), cf(*WP, f"            {kw} {value}".rstrip(" ")), "")
    for kw, values in PERIOD_KEYWORD_VALUES.items()
    for value in values
]

ALERTAFTER_CASES = [
    bad("alertafter-not-sensible", "watch g", "    service s", "        interval 10m",
        "        period", "            alertafter 3 10m"),
    bad("alertafter-not-sensible-boundary", *WI, "        period", "            alertafter 3 10m"),
    ok("alertafter-sensible", *WI, "        period", "            alertafter 2 10m"),
    bad("alertafter-not-sensible-fraction", "watch g", "    service s", "        interval 1.5m",
        "        period", "            alertafter 3 3m"),
    ok("alertafter-0-with-interval", *WI, "        period", "            alertafter 0 0s"),
    ok("alertafter-without-interval", *W, "        period", "            alertafter 30 1m"),
    bad("alertafter-interval-after-period", *W, "        period", "            alertafter 3 10m",
        "        interval 10m"),
    ok("alertafter-interval-of-other-service", "watch g", "    service a", "        interval 1h",
       "    service b", "        period", "            alertafter 3 10m"),
]

SERVICE_KEYWORD_VALUES = {
    "interval": [
        "0s", "0.0m", "30", "x", "", "5 m", "-5m", "1e3s", "0x10s", ".5m", "5mm", "0h", "5m\xa0", "5m extra",
        "00s", "0.0s", "1.5m", "1.50s", "5M", "2H", "0.1m", "1.1h", "1d", "0.5d", "010s", "1.25m", "3.7m",
        "010m", "\uff15m", "99999999999999999s", "1000000000000000m", "100000000000d", "200000000000000000m",
        "999999999999999999999m", "1000000000000000.5m",
    ],
    "failure_interval": ["0s", "30", "x", "1.5m", "00s"],
    "traptimeout": ["0s", "x", "1h"],
    "trapduration": ["0s", "x", "00s", "90s"],
    "randskew": ["0s", "x", "10s"],
    "dep_behavior": ["x", "", "M", "hm", "m", "a"],
    "dep_memory": ["0s", "x", "", "1m", "00s"],
    "unack_summary": ["", "2", "x", "maybe", "on", "Y", "no", "0", "1"],
    "exclude_period": ["xx {1}", "wd Mon-Fri", "wd {Sun-Sat}", "", "none"],
    "allow_empty_group": ["", "yes", "0"],
    "redistribute": ["", "mail.alert a@b"],
    "depend": ["SELF:ping", "a:b && SELF:c SELF:d", ""],
    "alertdepend": ["SELF:ping"],
    "monitordepend": ["SELF:ping"],
    "hostdepend": ["SELF:ping other:x"],
}
SERVICE_VALUE_CASES = [
    Case(value_id(kw, value), cf(*W, f"        {kw} {value}".rstrip(" ")), "")
    for kw, values in SERVICE_KEYWORD_VALUES.items()
    for value in values
]

SYNTAX_CASES = [
    bad("unknown-keyword-in-service", *WI, "        frobnicate 1"),
    bad("unknown-keyword-in-period", *WP, "            frobnicate 1"),
    bad("service-keyword-after-period", *WP, "            alert mail.alert", "        interval 5m"),
    bad("alert-before-period", *WI, "        alert mail.alert"),
    bad("wrong-case-keyword", *W, "        Interval 5m"),
    bad("keyword-glued-to-value", *W, "        interval5m"),
    bad("punctuation-in-service", *WI, "        -foo"),
    bad("punctuation-in-period", *WP, "            :foo bar"),
    bad("nbsp-only-line-in-watch", *WI, "\xa0"),
    bad("keyword-followed-by-non-ascii-letter", *W, "        interval\u00e9 5m"),
    bad("non-ascii-letter-before-keyword", *WI, "        \u00e9interval 5m"),
    bad("digit-before-env-name", *W, "        1FOO=bar"),
    ok("env-name-with-underscore", *W, "        _FOO=bar", "        F_1=", "        A=b=c"),
    bad("env-after-blank-line", *WI, "", "        FOO=bar"),
    bad("hostgroup-word-alone-in-watch", *WI, "hostgroup"),
    bad("watch-word-alone-in-watch", *WI, "watch"),
    bad("watch-word-alone-before-service", "watch g", "watch"),
    bad("alias-word-alone-in-watch", *WI, "alias"),
    bad("view-without-members-in-watch", *WI, "view v"),
    ok("view-inside-watch", *WI, "view v g", "    service t"),
    ok("alias-inside-watch", *WI, "alias a", "    service t", "        interval 5m"),
    ok("alias-inside-hostgroup", "hostgroup g a", "alias x", "b"),
    ok("global-inside-view", "watch g", "    service s", "", "view v g", "histlength = 4", "g:s"),
    bad("hostgroup-equals", "hostgroup=x"),
    bad("host-line-with-equals", "hostgroup g a", "b = c"),
    ok("hostgroup-word-alone-in-hostgroup", "hostgroup g a", "hostgroup", "b"),
    ok("hostgroup-word-alone-at-top", "hostgroup", "watch", "alias", "view"),
    ok("non-ascii-global-name-ignored", "caf\u00e9 = 1", "\u00e9t\u00e9 = 2"),
    ok("global-value-with-hash", "histlength = 5 # five"),
    ok("keyword-followed-by-punctuation", *W, "        monitor:ping.monitor", "        description=x y"),
    ok("keyword-followed-by-tab", *W, "        monitor\tping.monitor\t-t 5"),
]

QUIRK_CASES = [
    # CFG-07: a hostgroup ends only at a blank line
    ok("blank-line-swallowed-watch", "hostgroup g1 h1 h2", "    h3 h4", "watch g1", "    service s1",
       "        interval 1h", "        monitor rec.monitor", "        period", "            alert rec.alert"),
    ok("blank-line-drops-services", "hostgroup g h", "", "watch g", "    service s1", "        interval 5m",
       "", "    service s2", "        interval 10m", "        period", "            alert mail.alert"),
    ok("blank-line-drops-period", *WI, "", "        period wd {Sun-Sat}", "            alert mail.alert"),
    ok("indented-hostgroup-after-hostgroup", "hostgroup a 1.2.3.4", "    hostgroup b 1.2.3.5"),
    ok("hostgroup-redefined", "hostgroup g4 z1", "", "hostgroup g4 z2"),
    ok("hostgroup-redefined-no-blank", "hostgroup g4 z1", "hostgroup g4 z2 z3", "  z4"),
    ok("hostgroup-bang", "hostgroup a!b c"),
    ok("hostgroup-empty", "hostgroup e", "", "watch e", "    service s", "        monitor m ;;"),
    ok("hostgroup-disabled-marker-and-duplicates", "hostgroup g *a b b *a"),
    ok("hostgroup-names", "hostgroup A.b-c_1 x", "", "hostgroup 0 y"),
    ok("hostgroup-bad-name-ignored", "hostgroup !a x y"),
    ok("hostgroup-inside-watch", *WI, "hostgroup h x", "    service t"),
    ok("globals-inside-hostgroup", "hostgroup g2 x1", "histlength = 7", "x2"),
    ok("watch-without-hostgroup", *WI),
    ok("watch-before-hostgroup", *WI, "", "hostgroup g a b"),
    ok("watch-a-b", "watch a b", "    service s"),
    ok("watch-a-bang-b", "watch a!b", "    service s"),
    ok("watch-bad-name-ignored", "watch !a", "    service s", "        interval 5m"),
    ok("watch-at-eof-without-services", "hostgroup g a", "", "watch g"),
    ok("view-swallows-watch", "view v g", "watch g", "    service s"),
    ok("alias-swallows-watch", "alias a", "description", "watch g", "    service s"),
    ok("wrong-case-and-unknown-lines", "HostGroup hg1 a b", "Watch hg1", "WATCH hg1", "this is a bogus line",
       "include other.cf", "", "hostgroup hg2 c"),
    ok("hash-not-at-line-start", "hostgroup g3 y4 # not-a-comment", "  # a comment", "", "watch g3",
       "    service t", "        description a # b"),
    bad("hash-after-service-tag", "watch g", "    service s # x"),
    ok("tabs", "\thostgroup\tg\ta\t\tb", "", "watch\tg", "\tservice\ts", "\t\tinterval\t5m",
       "\t\tmonitor\tping.monitor\t-t 5", "\t\tperiod\twd {Sun-Sat}", "\t\t\talert\tmail.alert"),
    ok("trailing-whitespace", "hostgroup g a b   ", "   c \t", "", "watch g  ", "    service s  ",
       "        monitor ping.monitor  ", "        description x  \t"),
    ok("vertical-tab-and-form-feed", "hostgroup g a\x0bb\x0cc", "", "watch g", "    service s\x0b"),
    ok("allow_empty_group", "hostgroup e", "", "watch e", "    service s", "        allow_empty_group",
       "        monitor m.monitor"),
    ok("monitors-with-args", *W, "        monitor ping.monitor -t 5 ;;", "    service t",
       "        monitor rec.monitor -x \"two words\" 'q' ;;", "    service u", "        monitor m;;"),
    ok("description-escapes", *W, "        description a \"quoted\" 'x' back\\slash  two  spaces"),
    ok("multiple-watches", "hostgroup a x y", "", "hostgroup b z", "", "watch a", "    service s1",
       "        interval 1m", "        description one", "    service s2", "        interval 2m", "",
       "watch b", "    service s1", "        interval 3m", "        description three"),
    ok("dotted-service-names", *W, "    service a.b-c_d", "    service 0"),
    ok("env-lines-anywhere", *WP, "            alert mail.alert", "            FOO=bar", "    service t",
       "        BAR=1", "        interval 1m", "        period", "            BAZ==x", "            Q_1="),
    ok("exclude_hosts", "hostgroup g a b", "", *W, "        exclude_hosts a  c\tb", "    service t",
       "        exclude_hosts", "    service u", "        exclude_hosts x x \u00e9 *a"),
    Case("empty-config", "", ACCEPTED),
    ok("one-blank-line", ""),
    ok("only-comments", "# a", "  # b", "\t# c"),
    ok("only-blank-lines", "", "   ", "\t"),
]

ALIAS_VIEW_CASES = [
    ok("alias", "alias web", "Web servers", "service http", "watch web service http items foo",
       "url http://x/", "", "alias db", "Databases"),
    ok("alias-redefined-appends", "alias a", "one", "", "alias a", "two"),
    ok("alias-empty", "alias a", "", "alias b"),
    ok("alias-ended-by-hostgroup", "alias a", "one", "hostgroup g x", "more"),
    ok("alias-with-global", "alias a", "one", "histlength = 3", "two"),
    ok("alias-bad-forms-ignored", "alias a b", "x", "", "alias", "y"),
    ok("alias-keeps-spacing", "alias a", "  one   two  ", "watch\tg"),
    ok("view", "hostgroup g1 a", "", "hostgroup g2 b", "", "watch g1", "    service s", "    service t", "",
       "watch g2", "    service s", "", "view v1 g2 g1:t", "", "view v2 g1", "  g2:s", "", "view v3 nothing"),
    ok("view-without-members-ignored", "view v", "g1", "", "watch g1", "    service s"),
    ok("view-redefined", "watch g", "    service s", "", "view v g", "", "view v other"),
]

CONTINUATION_CASES = [
    ok("continuation-space-before-backslash", "hostgroup g a \\", "    b"),
    ok("continuation-no-space-before-backslash", "hostgroup g a\\", "    b"),
    ok("continuation-comment-inside", "hostgroup g y1 \\", "# comment", "y2 \\", "   # indented", "   y3"),
    ok("continuation-blank-line-after", "hostgroup g a \\", "", "watch g", "    service s"),
    ok("continuation-whitespace-after-backslash", "hostgroup g a \\  \t", "b"),
    ok("continuation-splits-keyword", "host\\", "group g x", "", "wat\\", "ch g", "  serv\\", "  ice s"),
    ok("continuation-in-watch", *W, "        monitor ping.monitor \\", "            -t 5",
       "        interval \\", "           5m"),
    ok("continuation-double-backslash", "hostgroup g a\\\\", "b"),
    ok("backslash-inside-line", "hostgroup g a\\b c"),
    ok("continuation-of-blank-lines", "hostgroup g a", "\\", "", "b"),
    ok("continuation-joins-group-name", "hostgroup ab\\", "cd x"),
    Case("continuation-pending-at-eof", cf("hostgroup first a", "", "hostgroup last e \\"), ACCEPTED),
    Case("continuation-pending-at-eof-no-newline", "hostgroup first a\n\nhostgroup last e \\", ACCEPTED),
    Case("continuation-pending-at-eof-comment", cf("hostgroup last e \\", "# c"), ACCEPTED),
    bad("continuation-error-line-number", *W, "        interval \\", "            x"),
    bad("continuation-error-after-comment", *W, "        interval \\", "# c", "", "            x"),
    bad("continuation-error-after-comments", *W, "        interval \\", "# c", "  # d", "            x"),
]

ENCODING_CASES = [
    Case("crlf", cf("hostgroup g a b\r", "    c\r", "\r", "watch g\r", "    service s\r",
                    "        interval 5m\r", "        monitor ping.monitor \\\r", "  -t 5\r",
                    "        description d\r"), ACCEPTED),
    Case("crlf-error", cf("hostgroup g a\r", "\r", "foo = 1\r"), REFUSED),
    Case("cr-only-line-is-blank", cf("hostgroup g a", "\r", "watch g", "    service s"), ACCEPTED),
    Case("latin1-byte", cf("hostgroup g caf\udce9 b", "", "watch g", "    service s",
                           "        description caf\udce9"), ACCEPTED),
    ok("utf8", "hostgroup g café b", "", "watch g", "    service s", "        description café ☃"),
    ok("nbsp-is-not-whitespace", "hostgroup g a\xa0b c\xa0", "", "watch g", "    service s",
       "        monitor m\xa0x"),
    Case("nbsp-raw-byte", cf("hostgroup g a\udca0b c\udca0"), ACCEPTED),
    ok("nbsp-only-line-in-hostgroup", "hostgroup g a", "\xa0", "watch g"),
    ok("nel-and-file-separator", "hostgroup g a\x85b c\x1cd e\x1ff"),
    ok("nbsp-after-watch-name", "watch g\xa0", "    service s"),
    bad("nbsp-after-interval", *W, "        interval 5m\xa0"),
    bad("latin1-service-tag", "watch g", "    service caf\udce9"),
    ok("nul-byte", "hostgroup g a\x00b c"),
    Case("cr-only-line-endings", "hostgroup g a\rwatch g\r service s\r\rhistlength = 5\rfoo = 1", ACCEPTED),
    ok("cr-inside-line", "hostgroup g a\rb c", "", "watch g", "    service s\r", "        description x\ry"),
    ok("unicode-line-separators", "hostgroup g a\u2028b c\u2029d e\x1df\x1eg", "", "watch g", "    service s",
       "        description x\u2028y\x0cz"),
    ok("vt-only-line-is-blank", "hostgroup g a", "\x0b", "watch g", "    service s"),
    ok("file-separator-only-line-is-not-blank", "hostgroup g a", "\x1c", "watch g", "    service s"),
    ok("nel-only-line-is-not-blank", "hostgroup g a", "\x85", "watch g", "    service s"),
]

CASES: list[Case] = [
    *GLOBAL_CASES,
    *WATCH_CASES,
    *PERIOD_VALUE_CASES,
    *ALERTAFTER_CASES,
    *SERVICE_VALUE_CASES,
    *SYNTAX_CASES,
    *QUIRK_CASES,
    *ALIAS_VIEW_CASES,
    *CONTINUATION_CASES,
    *ENCODING_CASES,
]


# ---------------------------------------------------------------------------
# comparing
# ---------------------------------------------------------------------------
def pymon_parse(text: str, real_files: bool = False) -> Config | ConfigError:
    readable: Callable[[str], bool] | None = None if real_files else (lambda path: True)
    try:
        return parse_config(text, "mon.cf", readable=readable)
    except ConfigError as error:
        return error


def visible(view: tuple[str, ...], pairs: frozenset[tuple[str, str]]) -> frozenset[tuple[str, str]]:
    """The pairs `list watch` shows through a view with these members (mon's view_match)."""
    members = set(view)
    return frozenset((g, s) for g, s in pairs if g in members or f"{g}:{s}" in members)


def differences(text: str, mon: realmon.MonResult, parsed: Config | ConfigError) -> Iterator[str]:
    """How pymon's reading of TEXT differs from what the real mon did with it."""
    if not mon.accepted:
        if not isinstance(parsed, ConfigError):
            yield f"mon refused it with {mon.error!r} (exit {mon.exit_status}); pymon accepted it"
        elif parsed.mon_message != mon.error:
            yield f"error message: mon {mon.error!r}, pymon {parsed.mon_message!r}"
        return
    if isinstance(parsed, ConfigError):
        yield f"mon accepted it; pymon refused it with {parsed.mon_message!r}"
        return
    config = parsed

    warnings = sorted(config.mon_warnings)
    if warnings != list(mon.warnings):
        yield f"warnings: mon {list(mon.warnings)}, pymon {warnings}"
    if not mon.queried:
        return

    unasked = set(config.hostgroups) - mon.asked_groups
    if unasked:
        yield f"pymon has hostgroups the harness could not ask mon about: {sorted(unasked)}"
    ours = {name: " ".join(g.hosts) for name, g in config.hostgroups.items() if name in mon.asked_groups}
    if ours != mon.groups:
        for name in sorted(set(ours) | set(mon.groups)):
            if ours.get(name) != mon.groups.get(name):
                yield f"hostgroup {name!r}: mon {mon.groups.get(name)!r}, pymon {ours.get(name)!r}"

    pairs = frozenset((s.group, s.name) for s in config.services())
    if pairs != mon.watch:
        yield f"watches: mon {sorted(mon.watch)}, pymon {sorted(pairs)}"
    for (group, name), values in sorted(mon.settings.items()):
        service = config.service(group, name)
        if service is None:
            continue
        for keyword, value in values.items():
            mine = service.settings.get(keyword, "")
            if mine != value:
                yield f"get {group} {name} {keyword}: mon {value!r}, pymon {mine!r}"

    for (group, name), hosts in sorted(mon.exclude_hosts.items()):
        service = config.service(group, name)
        if service is not None and set(service.exclude_hosts) != hosts:
            theirs = sorted(service.exclude_hosts)
            yield f"exclude_hosts of {group} {name}: mon {sorted(hosts)}, pymon {theirs}"

    aliases = {name: tuple(lines) for name, lines in config.aliases.items()}
    if aliases != mon.aliases:
        yield f"aliases: mon {mon.aliases}, pymon {aliases}"

    candidates = realmon.candidate_names(text)
    views = {name for name in config.views if name in candidates}
    if views != set(mon.views):
        yield f"views: mon {sorted(mon.views)}, pymon {sorted(config.views)}"
    for name in sorted(views & set(mon.views)):
        shown = visible(config.views[name], pairs)
        if shown != mon.views[name]:
            yield f"view {name}: mon shows {sorted(mon.views[name])}, pymon's shows {sorted(shown)}"

    if config.globals.histlength != mon.maxkeep:
        yield f"histlength: mon {mon.maxkeep!r}, pymon {config.globals.histlength!r}"


def assert_agrees(text: str, mon: realmon.MonResult, real_files: bool = False) -> Config | ConfigError:
    parsed = pymon_parse(text, real_files)
    found = list(differences(text, mon, parsed))
    assert not found, f"pymon and mon disagree on\n{text!r}:\n  " + "\n  ".join(found)
    return parsed


@pytest.fixture(scope="module", autouse=True)
def _start_all_daemons_at_once(request: pytest.FixtureRequest) -> None:
    """Run mon on every selected case in parallel up front (each daemon mostly waits)."""
    texts = []
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        in_module = getattr(item, "module", None) is request.module
        if in_module and callspec is not None and "case" in callspec.params:
            texts.append(callspec.params["case"].text)
    texts.extend(FACT_SNIPPETS)
    realmon.run_many(dict.fromkeys(texts), workers=24)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_pymon_parses_as_mon_does(case: Case) -> None:
    mon = realmon.cached(case.text)
    if case.outcome:
        got = ACCEPTED if mon.accepted else REFUSED
        assert got == case.outcome, f"the case was written for a config mon {case.outcome} ({mon.error})"
    assert_agrees(case.text, mon, case.real_files)


def test_case_ids_are_unique() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


# ---------------------------------------------------------------------------
# key facts, spelled out
# ---------------------------------------------------------------------------
SWALLOWED = cf("hostgroup g1 h1 h2", "    h3 h4", "watch g1", "    service s1", "        interval 1h")
DROPPED = cf("hostgroup g h", "", "watch g", "    service s1", "", "    service s2", "        interval 5m")
PENDING = "hostgroup first a\n\nhostgroup last e \\\n"
NBSP = cf("hostgroup g a\xa0b c")
TWO_WATCHES = cf("watch g", "", "watch g")
ZERO_INTERVAL = cf(*W, "        interval 00s", "    service t", "        interval 0.0s")
ZERO_INTERVAL_BAD = cf(*W, "        interval 0.0m")
WATCH_A_B = cf("watch a b", "    service s")
ALIAS_TWICE = cf("alias a", "one", "", "alias a", "two", "", "alias empty")
BIG_INTERVAL = cf(*W, "        interval 1000000000000000m", "    service t", "        interval 1.1h")
FACT_SNIPPETS = [
    SWALLOWED, DROPPED, PENDING, NBSP, TWO_WATCHES, ZERO_INTERVAL, ZERO_INTERVAL_BAD, WATCH_A_B, ALIAS_TWICE,
    BIG_INTERVAL,
]


def accepted(text: str) -> tuple[realmon.MonResult, Config]:
    mon = realmon.cached(text)
    assert mon.accepted, mon.error
    parsed = pymon_parse(text)
    assert isinstance(parsed, Config), parsed.mon_message
    return mon, parsed


def test_fact_a_watch_right_under_a_hostgroup_becomes_host_names() -> None:
    mon, config = accepted(SWALLOWED)
    words = ["h1", "h2", "h3", "h4", "watch", "g1", "service", "s1", "interval", "1h"]
    assert mon.members("g1") == words
    assert mon.watch == frozenset()
    assert mon.warnings == ("Warning: hostgroup g1 has no watch assigned to it!",)
    assert list(config.hostgroups["g1"].hosts) == words
    assert not config.watches or not config.services()


def test_fact_services_after_a_blank_line_in_a_watch_are_dropped() -> None:
    mon, config = accepted(DROPPED)
    assert mon.watch == {("g", "s1")}
    assert {(s.group, s.name) for s in config.services()} == {("g", "s1")}


def test_fact_a_continuation_pending_at_eof_is_discarded() -> None:
    mon, config = accepted(PENDING)
    assert "last" not in mon.groups and "first" in mon.groups
    assert "last" not in config.hostgroups


def test_fact_nbsp_is_not_whitespace_to_mon() -> None:
    mon, config = accepted(NBSP)
    assert mon.members("g") == ["a\xa0b", "c"]
    assert list(config.hostgroups["g"].hosts) == ["a\xa0b", "c"]


def test_fact_a_watch_without_services_can_be_repeated() -> None:
    mon, config = accepted(TWO_WATCHES)
    assert mon.watch == frozenset()
    assert "Warning: hostgroup g has no watch assigned to it!" in mon.warnings
    assert sorted(config.mon_warnings) == list(mon.warnings)


def test_fact_zero_interval_spelled_00s_is_accepted_as_written() -> None:
    mon, config = accepted(ZERO_INTERVAL)
    assert mon.settings[("g", "s")]["interval"] == "00"
    assert mon.settings[("g", "t")]["interval"] == "0.0"
    service = config.service("g", "s")
    assert service is not None and service.settings["interval"] == "00"
    refused = realmon.cached(ZERO_INTERVAL_BAD)
    message = "cf error: invalid time interval '0' (syntax: interval = {positive number}{smhd}), line 3"
    assert refused.error == message
    parsed = pymon_parse(ZERO_INTERVAL_BAD)
    assert isinstance(parsed, ConfigError) and parsed.mon_message == message


def test_fact_watch_takes_only_the_first_word() -> None:
    mon, config = accepted(WATCH_A_B)
    assert mon.watch == {("a", "s")}
    assert mon.members("a") == ["a"]
    assert config.service("a", "s") is not None


def test_fact_a_repeated_alias_adds_lines_and_an_empty_one_does_not_exist() -> None:
    mon, config = accepted(ALIAS_TWICE)
    assert mon.aliases == {"a": ("one", "two")}
    assert dict(config.aliases) == {"a": ("one", "two")}


def test_fact_intervals_are_perl_numbers() -> None:
    # integer arithmetic as long as it fits 64 bits, else %.15g of a double
    mon, config = accepted(BIG_INTERVAL)
    assert mon.settings[("g", "s")]["interval"] == "60000000000000000"
    assert mon.settings[("g", "t")]["interval"] == "3960"  # 1.1 * 3600 = 3960.0000000000005
    for name in ("s", "t"):
        service = config.service("g", name)
        assert service is not None and service.settings["interval"] == mon.settings[("g", name)]["interval"]


# ---------------------------------------------------------------------------
# random configs
# ---------------------------------------------------------------------------
NAMES = st.sampled_from(["a", "b", "g1"])
HOSTS = st.lists(st.sampled_from(["h1", "h2", "a", "x.y", "!z", "#", "é"]), max_size=3).map(" ".join)
# valid values more often than not, so that many configs are accepted with services
SERVICES = st.sampled_from(["s1", "s2", "s3", "s1", "s2", "a/b", ""])
TIMEVALS = st.sampled_from(["5m", "1m", "00s", "1.5m", "1d", "2h", "10m", "0.1m", "0s", "30", "x", "0.0m"])
PERIODS = st.sampled_from(["", "wd {Sun-Sat}", "x: wd {Sun-Sat}", "x:", "hr {0-23}", "wd {Xyz}", "y: none"])
INDENT = st.sampled_from(["", "    ", "\t", "        "])


def _line(template: str, *parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(INDENT, *parts).map(lambda t: t[0] + template.format(*t[1:]).rstrip())


LINES = st.one_of(
    _line("hostgroup {} {}", NAMES, HOSTS),
    _line("{}", HOSTS),
    _line("watch {}", NAMES),
    _line("service {}", SERVICES),
    _line("interval {}", TIMEVALS),
    _line("monitor {}", st.sampled_from(["ping.monitor", "ping.monitor -t 5 ;;", "m \\"])),
    _line("description {}", st.sampled_from(["", "a b", "x # y"])),
    _line("{}", st.sampled_from(["failure_interval 1m", "dep_behavior m", "unack_summary", "exclude_hosts"])),
    _line("period {}", PERIODS),
    _line("{} mail.alert x", st.sampled_from(["alert", "upalert", "startupalert"])),
    _line("alertevery {}", st.sampled_from(["1h", "0s", "1h strict", "1h 2h observe_detail"])),
    _line("alertafter {}", st.sampled_from(["3", "10m", "3 10m", "1d", "x 3 10m", "2 0m"])),
    _line("numalerts {}", st.sampled_from(["1", "x"])),
    _line("{}", st.sampled_from(["FOO=bar", "FOO = bar", "histlength = 5", "foo = 1", "randstart = 1m"])),
    _line("{}", st.sampled_from(["alias al", "view v a", "view v", "some text", "HostGroup a", "-x", "!!"])),
    st.just(""),
    st.sampled_from(["# comment", "   # comment", "  \\", " ", "\xa0"]),
    _line("{} \\", st.sampled_from(["hostgroup a", "h1", "service", "monitor m"])),
)
# well-formed records (mostly valid values), so that random lines land inside
# watches, services and periods
GOOD_TIMEVALS = st.sampled_from(["5m", "1m", "00s", "1.5m", "1d", "2h", "10m", "0.1m"])
SERVICE_LINES = st.one_of(
    _line("interval {}", GOOD_TIMEVALS),
    _line("monitor {}", st.sampled_from(["ping.monitor", "ping.monitor -t 5 ;;"])),
    _line("description {}", st.sampled_from(["", "a b"])),
    _line("{}", st.sampled_from(["FOO=bar", "allow_empty_group", "randskew 5s", "failure_interval 30s"])),
)
PERIOD_LINES = st.one_of(
    _line("{} mail.alert x", st.sampled_from(["alert", "upalert"])),
    _line("alertafter {}", st.sampled_from(["3", "10m", "3 10m", "2 1m"])),
    _line("alertevery {}", st.sampled_from(["1h", "30m observe_detail"])),
)
PERIOD_BLOCKS = st.tuples(
    _line("period {}", st.sampled_from(["", "wd {Sun-Sat}", "x: wd {Sun-Sat}", "y: hr {0-23}"])),
    st.lists(PERIOD_LINES, max_size=2),
)
SERVICE_BLOCKS = st.tuples(
    _line("service {}", st.sampled_from(["s1", "s2", "s3"])),
    st.lists(SERVICE_LINES, max_size=3),
    st.lists(PERIOD_BLOCKS, max_size=2),
).map(lambda t: [t[0], *t[1], *(line for period in t[2] for line in (period[0], *period[1]))])
WATCH_BLOCKS = st.tuples(_line("watch {}", NAMES), st.lists(SERVICE_BLOCKS, min_size=1, max_size=2)).map(
    lambda t: [t[0], *(line for service in t[1] for line in service)]
)
HOSTGROUP_BLOCKS = st.tuples(
    _line("hostgroup {} {}", NAMES, HOSTS), st.lists(_line("{}", HOSTS), max_size=2)
).map(lambda t: [t[0], *t[1]])
# most records end with a blank line, as they should
BLOCKS = st.tuples(st.one_of(WATCH_BLOCKS, HOSTGROUP_BLOCKS), st.sampled_from([[""], [""], [""], []])).map(
    lambda t: t[0] + t[1]
)


def _assemble(parts: tuple[list[list[str]], list[tuple[int, str]]]) -> str:
    blocks, extras = parts
    lines = [line for block in blocks for line in block]
    for position, line in extras:
        lines.insert(position % (len(lines) + 1), line)
    return cf(*lines)


# well-formed records with random lines put anywhere in them
CONFIGS = st.tuples(
    st.lists(BLOCKS, min_size=1, max_size=4), st.lists(st.tuples(st.integers(0, 50), LINES), max_size=5)
).map(_assemble)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CONFIGS, min_size=4, max_size=4))
def test_random_configs_parse_as_mon_parses_them(texts: list[str]) -> None:
    # four configs per example: their daemons run at the same time
    failures = []
    for text, mon in zip(texts, realmon.run_many(texts, workers=4), strict=True):
        found = list(differences(text, mon, pymon_parse(text)))
        if found:
            failures.append(f"{text!r}:\n  " + "\n  ".join(found))
    assert not failures, "pymon and mon disagree on\n" + "\n".join(failures)
