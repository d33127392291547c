"""The mon.cf parser, feature by feature (CFG, GLOB, SVC, PER, VIEW in mon-spec.md)."""

from __future__ import annotations

import textwrap

import pytest

from pymon.config import ConfigError, Globals, parse_config
from pymon.config.model import ExitRange

NOW = 1795611600.0  # Wed 2026-11-25


def cfg(text: str):  # type: ignore[no-untyped-def]
    return parse_config(textwrap.dedent(text), "test.cf", now=NOW, readable=lambda p: True)


def refused(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        cfg(text)
    return info.value


BASIC = """\
    hostgroup web www1 www2
        www3

    watch web
        service http
            description web server
            interval 5m
            monitor http.monitor -p 8080
            period wd {Mon-Fri}
                alert mail.alert root
                upalert mail.alert -u root
"""


# -- CFG-02: logical lines ----------------------------------------------------


def test_cfg02_comments_only_at_line_start_and_inside_continuations() -> None:
    config = cfg(
        """\
        hostgroup g a \\
        # a comment in the middle
            b # not-a-comment
        """
    )
    assert config.hostgroups["g"].hosts == ("a", "b", "#", "not-a-comment")


def test_cfg02_continuation_keeps_space_before_backslash_only() -> None:
    config = cfg("hostgroup g a\\\n   b \\\n   c\n")
    assert config.hostgroups["g"].hosts == ("ab", "c")


def test_cfg02_pending_continuation_at_eof_is_dropped() -> None:
    config = cfg("hostgroup g a\n\nhostgroup last e \\\n")
    assert "last" not in config.hostgroups


def test_cfg02_crlf_lines() -> None:
    config = cfg("hostgroup g a b\r\n\r\nwatch g\r\n    service s\r\n        interval 1m\r\n")
    assert config.hostgroups["g"].hosts == ("a", "b")
    assert config.service("g", "s") is not None


def test_cfg02_error_cites_the_last_physical_line_of_a_continued_line() -> None:
    error = refused("foo = \\\n  bar\n")
    assert error.mon_message == "cf error: unknown variable 'foo', line 2"
    assert error.location is not None and error.location.line == 1


# -- CFG-03..11: records ----------------------------------------------------------


def test_cfg06_hostgroup_continues_until_blank_line() -> None:
    assert cfg(BASIC).hostgroups["web"].hosts == ("www1", "www2", "www3")


def test_cfg06_indented_hostgroup_line_starts_a_new_group() -> None:
    config = cfg("hostgroup a 1.2.3.4\n    hostgroup b 1.2.3.5\n")
    assert config.hostgroups["a"].hosts == ("1.2.3.4",)
    assert config.hostgroups["b"].hosts == ("1.2.3.5",)
    assert sorted(config.mon_warnings) == [
        "Warning: hostgroup a has no watch assigned to it!",
        "Warning: hostgroup b has no watch assigned to it!",
    ]


def test_cfg06_redefinition_replaces_and_odd_names() -> None:
    config = cfg("hostgroup g4 z1\n\nhostgroup g4 z2\n\nhostgroup a!b c\n")
    assert config.hostgroups["g4"].hosts == ("z2",)
    assert config.hostgroups["a"].hosts == ("!b", "c")


def test_cfg07_watch_right_under_a_hostgroup_becomes_host_names() -> None:
    config = cfg(
        """\
        hostgroup g1 h1 h2
            h3 h4
        watch g1
            service s1
                interval 1h
        """
    )
    assert config.hostgroups["g1"].hosts == (
        "h1", "h2", "h3", "h4", "watch", "g1", "service", "s1", "interval", "1h",
    )
    assert "g1" not in config.watches
    notes = [n for n in config.notes if n.kind == "swallowed-watch"]
    assert len(notes) == 1 and notes[0].location is not None and notes[0].location.line == 3


def test_cfg05_globals_inside_a_hostgroup_do_not_end_it() -> None:
    config = cfg("hostgroup g2 x1\nhistlength = 7\nx2\n")
    assert config.hostgroups["g2"].hosts == ("x1", "x2")
    assert config.globals.histlength == "7"


def test_cfg05_assignment_inside_a_watch_is_an_error() -> None:
    error = refused("watch g\n    service s\n    histlength = 5\n")
    assert error.mon_message == "cf error: unknown syntax [histlength = 5], line 3"


def test_blank_line_inside_a_watch_drops_the_following_services() -> None:
    config = cfg(
        """\
        watch g
            service one
                interval 1m

            service two
                interval 1m
        """
    )
    assert [s.name for s in config.watches["g"].services] == ["one"]
    notes = [n for n in config.notes if n.kind == "dropped-service"]
    assert [n.location.line for n in notes if n.location] == [5]


def test_cfg03_unknown_and_wrong_case_top_level_lines_are_ignored() -> None:
    config = cfg("this is a bogus line\nHostGroup hg1 a b\n")
    assert config.hostgroups == {}
    kinds = [n.kind for n in config.notes]
    assert kinds == ["ignored-line", "ignored-line"]
    assert "case-sensitive" in config.notes[1].message


def test_cfg08_alias_lines_are_kept_verbatim() -> None:
    config = cfg("alias myalias\nThis is the alias\nwatch g1 service s1 items a b\nurl http://x/\n")
    assert config.aliases["myalias"] == ("This is the alias", "watch g1 service s1 items a b", "url http://x/")
    assert config.watches == {}


def test_cfg09_views() -> None:
    config = cfg("view v1 web db:ping\n  other\n\nview empty\n")
    assert config.views == {"v1": ("web", "db:ping", "other")}


def test_cfg10_watch_without_hostgroup_makes_a_singleton_group() -> None:
    config = cfg("watch solo extra words\n    service s\n        interval 1m\n")
    assert config.hostgroups["solo"].hosts == ("solo",)
    assert config.mon_warnings == ("Warning: watch group solo defined with no corresponding hostgroup.",)


def test_cfg10_watch_defined_twice() -> None:
    error = refused("watch g\n    service s\n\nwatch g\n")
    assert error.mon_message == "cf error: watch 'g' already defined, line 4"


# -- CFG-12, SVC ------------------------------------------------------------------


def test_service_values() -> None:
    service = cfg(BASIC).service("web", "http")
    assert service is not None
    assert service.interval == 300.0
    assert service.settings["interval"] == "300"
    assert service.monitor == "http.monitor -p 8080"
    assert service.description == "web server"
    assert service.has_upalert


def test_svc_keywords_and_env() -> None:
    config = cfg(
        """\
        watch g
            service s
                interval 1.5m
                failure_interval 30s
                randskew 5s
                traptimeout 1h
                trapduration 10m
                allow_empty_group
                redistribute rec.alert
                exclude_hosts h1 h2 h1
                exclude_period hr {1am-2am}
                dep_behavior m
                dep_memory 1m
                depend SELF:other && x:y
                hostdepend x:y
                unack_summary yes
                T_FOO=bar baz
                period p: wd {Sun-Sat}
                    alert rec.alert
                T_AFTER=1
        """
    )
    s = config.service("g", "s")
    assert s is not None
    assert (s.interval, s.failure_interval, s.randskew) == (90.0, 30.0, 5.0)
    assert (s.traptimeout, s.trapduration) == (3600.0, 600.0)
    assert s.allow_empty_group and s.redistribute == "rec.alert"
    assert s.exclude_hosts == ("h1", "h2")
    assert s.exclude_period == "hr {1am-2am}"
    assert (s.dep_behavior, s.dep_memory, s.unack_summary) == ("m", 60.0, 1)
    assert s.depend is not None and s.depend.text == "g:other && x:y"
    assert s.depend.refs == (("g", "other"), ("x", "y"))
    assert s.hostdepend is not None and s.hostdepend.expr is not None
    assert dict(s.env) == {"T_FOO": "bar baz", "T_AFTER": "1"}


def test_dep_and_unack_defaults_are_taken_when_the_service_line_is_read() -> None:
    config = cfg(
        """\
        dep_behavior = m
        unack_summary = y
        watch a
            service s

        dep_behavior = hm
        watch b
            service s
        """
    )
    a, b = config.service("a", "s"), config.service("b", "s")
    assert a is not None and b is not None
    assert (a.dep_behavior, a.unack_summary, b.dep_behavior) == ("m", 1, "hm")


def test_unparsable_depend_is_kept_with_its_error() -> None:
    s = cfg("watch g\n    service s\n        depend a:ping b:ping\n").service("g", "s")
    assert s is not None and s.depend is not None
    assert s.depend.expr is None and s.depend.error


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("    interval 5m\n", "need to specify service in watch record, line 2"),
        ("    X=1\n", "environment variable defined without a service, line 2"),
        ("    service a/b\n", "invalid service tag 'a/b', line 2"),
        ("    service s\n    service s\n", "service s already defined for watch group g, line 3"),
        ("    service s\n    frobnicate 1\n", "unknown syntax [frobnicate 1], line 3"),
        ("    service s\n    -x foo\n", "unknown syntax [-x foo], line 3"),
        ("    service s\n    interval 30\n",
         "invalid time interval '' (syntax: interval = {positive number}{smhd}), line 3"),
        ("    service s\n    interval 0m\n",
         "invalid time interval '0' (syntax: interval = {positive number}{smhd}), line 3"),
        ("    service s\n    dep_behavior x\n",
         "unknown dependency behavior 'x' (syntax: dep_behavior = {m|a}), line 3"),
        ("    service s\n    period\n    interval 5m\n", "unknown syntax [interval 5m], line 4"),
    ],
)
def test_watch_errors(body: str, message: str) -> None:
    assert refused("watch g\n" + body).mon_message == "cf error: " + message


def test_svc08_bare_unack_summary_is_an_error_without_line_number() -> None:
    error = refused("watch g\n    service s\n    unack_summary\n")
    assert error.mon_message == (
        "cf error: invalid unack_summary value '' (syntax: unack_summary [0|1|y|yes|n|no])"
    )


def test_seconds_keep_their_digits_so_00s_is_accepted() -> None:
    s = cfg("watch g\n    service s\n    interval 00s\n").service("g", "s")
    assert s is not None and s.settings["interval"] == "00"


# -- PER ---------------------------------------------------------------------------


PERIODS = """\
    watch g
        service s
            interval 10m
            period wd {Sun-Sat}
                alert exit=3 a.alert x
                alert exit=5-9 b.alert
                alert plain.alert -m "a b"
                alertevery 1h 2h observe_detail
                alertafter x 3 1h
                numalerts 4
                no_comp_alerts
                alerts_dont_count
                alertexitrange 2-4
                upalertafter 5m
            period night: hr {10pm-6am}
                startupalert s.alert
                ackalert k.alert
                disablealert d.alert
                alertevery 30m strict
                alertafter 2
            period
                alertafter 15m
"""


def test_periods() -> None:
    s = cfg(PERIODS).service("g", "s")
    assert s is not None
    first, night, bare = s.periods
    assert (first.label, first.spec) == ("wd {Sun-Sat}", "wd {Sun-Sat}")
    assert [(a.exit_range, a.program, a.args) for a in first.alerts] == [
        (ExitRange(3, 3), "a.alert", "x"),
        (ExitRange(5, 9), "b.alert", ""),
        (None, "plain.alert", '-m "a b"'),
    ]
    assert [a.lookup_name for a in first.alerts] == ["a.alert", "b.alert", "plain.alert"]
    assert (first.alertevery, first.alertevery_mode) == (7200.0, "observe_detail")
    assert (first.alertafter, first.alertafterival) == (3, 3600.0)
    assert (first.numalerts, first.no_comp_alerts, first.alerts_dont_count) == (4, True, True)
    assert first.alertexitrange == ExitRange(2, 4)
    assert first.upalertafter == 300.0
    assert (night.label, night.spec) == ("night", "hr {10pm-6am}")
    assert [a.program for a in night.startupalerts + night.ackalerts + night.disablealerts] == [
        "s.alert", "k.alert", "d.alert",
    ]
    assert (night.alertevery_mode, night.alertafter_consec) == ("strict", 2)
    assert (bare.label, bare.spec, bare.alertafterival) == ("", "", 900.0)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("alertevery 0s", "invalid time interval '0' (syntax: alertevery {positive number}{smhd} "
                          "[ strict | observe_detail | ignore_summary ])"),
        ("alertafter 1d", "invalid interval specification '1d'"),
        ("alertafter 0s", "invalid time interval '0s' (syntax: alertafter = [{positive integer}] "
                          "[{positive number}{smhd}])"),
        ("alertafter 3 10m", " interval & alertafter not sensible. No alerts can be generated "
                             "with those parameters"),
        ("numalerts x", "-numeric arg 'x' (syntax: numalerts = {positive integer}"),
        ("alertexitrange 1-x", "invalid exit code range '1-x'"),
        ("upalertafter 0m", "invalid upalertafter specification '0' (syntax: upalertafter = "
                            "{positive number}{smhd})"),
        ("interval 5m", "unknown syntax [interval 5m]"),
    ],
)
def test_period_errors(line: str, message: str) -> None:
    text = f"watch g\n    service s\n    interval 10m\n    period\n    {line}\n"
    assert refused(text).mon_message == f"cf error: {message}, line 5"


def test_per10_sanity_check_uses_the_interval_read_so_far() -> None:
    cfg("watch g\n    service s\n    period\n    alertafter 3 10m\n")


def test_period_label_must_be_unique_and_spec_valid() -> None:
    error = refused("watch g\n    service s\n    period wd {Sun-Sat}\n    period wd {Sun-Sat}\n")
    assert error.mon_message == (
        "cf error: period 'wd {Sun-Sat}' already defined for watch group g service s, line 4"
    )
    error = refused("watch g\n    service s\n    period 1bad: wd {Sun-Sat}\n")
    assert error.mon_message.startswith("cf error: malformed period '1bad: wd {Sun-Sat}' (the")


# -- GLOB ---------------------------------------------------------------------------


def test_globals() -> None:
    config = cfg(
        """\
        alertdir = /a
        mondir = /m:/n
        basedir = rel
        histlength = 7
        randstart = 30s
        cltimeout = 2m
        dtlogging = yes
        startupalerts_on_reset = on
        exclude_period = hr {1}
        serverbind = 127.0.0.1
        """
    )
    g = config.globals
    assert (g.alertdir, g.mondir, g.basedir, g.histlength) == ("/a", "/m:/n", "rel", "7")
    assert (g.randstart, g.cltimeout, g.dtlogging, g.startupalerts_on_reset) == (30.0, 120.0, True, True)
    assert (g.exclude_period, g.serverbind) == ("hr {1}", "127.0.0.1")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("foo = 1", "unknown variable 'foo', line 1"),
        ("AlertDir = x", "unknown variable 'AlertDir', line 1"),
        ("randstart = abc", "bad value 'abc' for randstart option (syntax: randstart = timeval), line 1"),
        ("cltimeout = 30", "bad value '30' for cltimeout command (syntax: cltimeout = secs), line 1"),
        ("dep_behavior = q", "unknown dependency behavior 'q', line 1"),
        ("exclude_period = wd {Xyz}", "malformed exclude_period 'wd {Xyz}' (the specified time "
                                      "period is not valid as per Time::Period::inPeriod), line 1"),
        ("unack_summary = 2", "invalid unack_summary value '2' (syntax: unack_summary [0|1|y|yes|n|no])"),
    ],
)
def test_global_errors(line: str, message: str) -> None:
    assert refused(line + "\n").mon_message == "cf error: " + message


def test_glob16_authfile_must_be_readable() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config("authfile = /nonexistent\n", now=NOW, readable=lambda p: False)
    assert info.value.mon_message == (
        "cf error: authfile '/nonexistent' does not exist or is not readable, line 1"
    )


def test_initial_globals_are_the_starting_point() -> None:
    config = parse_config("histlength = 5\n", initial=Globals(basedir="/b"), now=NOW)
    assert (config.globals.basedir, config.globals.histlength) == ("/b", "5")


# -- errors say where ------------------------------------------------------------------


def test_error_has_file_line_column_and_caret() -> None:
    error = refused("watch g\n    service s\n        interval 30\n")
    assert error.location is not None
    assert (error.location.file, error.location.line, error.location.column) == ("test.cf", 3, 18)
    text = str(error).splitlines()
    assert text[0] == (
        "cf error: invalid time interval '' (syntax: interval = {positive number}{smhd}), line 3"
    )
    assert text[1] == "test.cf:3:18"
    assert text[2] == "            interval 30"
    assert text[3] == "    " + " " * 17 + "^"
    assert "unit" in str(error)


def test_monitor_timeout_is_pymons_extension() -> None:
    config = cfg("monitor_timeout = 2m\nwatch g\n    service s\n        monitor_timeout 30s\n")
    service = config.service("g", "s")
    assert config.globals.monitor_timeout == 120.0
    assert service is not None and service.monitor_timeout == 30.0
    error = refused("watch g\n    service s\n        monitor_timeout 0s\n")
    assert error.mon_message == (
        "cf error: invalid monitor_timeout interval '0' "
        "(syntax: monitor_timeout = {positive number}{smhd}), line 3"
    )


def test_period_spec_keeps_its_tabs() -> None:
    s = cfg("watch g\n service s\n  period x: wd {Sun-Sat}\thr {0-23}\n").service("g", "s")
    assert s is not None and s.periods[0].spec == "wd {Sun-Sat}\thr {0-23}"
