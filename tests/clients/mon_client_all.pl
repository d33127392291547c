#!/usr/bin/perl
# Calls every public method of Mon::Client (mon-client 1.2.0) against a running
# mon-compatible server and checks each answer. Written for pymon's tests.
#
# usage: mon_client_all.pl PORT TRAPPORT SERVERPID
# Prints one TAP line per check: "ok - METHOD: what" or "not ok - METHOD: what # detail".
# The config it expects is CONFIG in tests/clients/test_mon_client_perl.py.
use strict;
use warnings;
no warnings "uninitialized";
use Mon::Client;
use Data::Dumper;
$Data::Dumper::Indent = 0;
$Data::Dumper::Sortkeys = 1;
$| = 1;

my ($port, $trapport, $serverpid) = @ARGV;
my $failed = 0;

sub check {
    my ($method, $what, $ok, @detail) = @_;
    if ($ok) {
        print "ok - $method: $what\n";
    } else {
        $failed++;
        my $d = join(" ", map { ref $_ ? Dumper($_) : (defined $_ ? $_ : "undef") } @detail);
        $d =~ s/\n/\\n/g;
        print "not ok - $method: $what # $d\n";
    }
}

sub poll {
    my ($probe, $timeout) = @_;
    my $deadline = time + ($timeout || 20);
    while (time < $deadline) {
        my $v = $probe->();
        return $v if $v;
        select(undef, undef, undef, 0.1);
    }
    return undef;
}

# --- the object and its accessors ------------------------------------------
my $c = Mon::Client->new(host => "127.0.0.1", port => $port, username => "tester", password => "secret");
check("new", "returns an object", ref $c eq "Mon::Client", ref $c);
check("host", "set by new", $c->host eq "127.0.0.1", $c->host);
check("port", "set by new", $c->port == $port, $c->port);
check("username", "set by new", $c->username eq "tester", $c->username);
check("password", "set by new", $c->password eq "secret", $c->password);
check("prot", "defaults to 0x2611", $c->prot == 9745, $c->prot);
check("prot", "refuses a bad version", !defined $c->prot("bad") && $c->error eq "invalid protocol version", $c->error);
check("error", "cleared by the next call", !defined($c->prot) || !defined $c->error, $c->error);
check("connected", "not before connect", !$c->connected, $c->connected);

# --- connection ----------------------------------------------------------------
check("connect", "succeeds with protid", $c->connect, $c->error);
check("connected", "after connect", $c->connected, $c->connected);
check("protid", "matches", $c->protid, $c->error);
check("protid", "a wrong number is refused", !defined $c->protid(1) && $c->error =~ /^520 protocol mismatch/, $c->error);
check("version", "is 9745", $c->version == 9745, $c->version, $c->error);
my $st = $c->servertime;
check("servertime", "is the time", defined $st && abs($st - time) < 60, $st, $c->error);

# --- the config -----------------------------------------------------------------
my @watch = $c->list_watch;
my %pairs = map { ("$_->[0]/$_->[1]" => 1) } @watch;
check("list_watch", "every service", join(",", sort keys %pairs) eq "db/ping,trapgrp/tsvc,web/down,web/http", \@watch);
my @hosts = $c->list_group("web");
check("list_group", "members", "@hosts" eq "h1 h2", \@hosts, $c->error);
# an unknown group gives (undef); Mon::Client puts the (absent) data line, not the 520 line, in error
my @none = $c->list_group("nosuch");
check("list_group", "unknown group", @none == 1 && !defined $none[0], \@none);
my %desc = $c->list_descriptions;
check("list_descriptions", "a description", $desc{web}{http} eq "the web server", \%desc, $c->error);
my %deps = $c->list_deps;
check("list_deps", "components", "@{$deps{db}{ping}{components}}" eq "web:http", \%deps, $c->error);
check("list_deps", "expression", $deps{db}{ping}{expression} =~ /web:http/, \%deps);
my @views = $c->list_views;
check("list_views", "the view", "@views" eq "ops", \@views, $c->error);
my %aliases = $c->list_aliases;
check("list_aliases", "declaration", $aliases{overview}{declaration} eq "Overview of things", \%aliases, $c->error);
check("list_aliases", "service items",
    "@{$aliases{overview}{service}{'web-up'}{watch}{web}{service}{http}{items}}" eq "h1", \%aliases);
check("list_aliases", "url", $aliases{overview}{service}{'web-up'}{url} eq "http://example/", \%aliases);

# --- results ---------------------------------------------------------------------
for my $pair (["web", "http"], ["web", "down"], ["db", "ping"]) {
    check("test", "monitor @$pair", defined $c->test("monitor", @$pair), $c->error);
}
check("test", "refuses an unknown kind", !defined $c->test("bogus", "web", "http") && $c->error eq "unknown test", $c->error);
my $ran = poll(sub {
    my %op = $c->list_opstatus;
    my @done = grep { $_->{exitval} ne "undef" && !$_->{monitor_running} } ($op{web}{http}, $op{web}{down}, $op{db}{ping});
    return @done == 3 ? \%op : undef;
});
check("list_opstatus", "every monitor ran", $ran, $c->error);
my %op = $c->list_opstatus;
check("list_opstatus", "a failure", $op{web}{down}{opstatus} == 0 && $op{web}{down}{last_summary} eq "h1 down",
    $op{web}{down});
check("list_opstatus", "a success", $op{web}{http}{opstatus} == 1 && $op{web}{http}{last_detail} eq "detail line\n",
    $op{web}{http});
check("list_opstatus", "untested", $op{trapgrp}{tsvc}{opstatus} == 7, $op{trapgrp}{tsvc});
my %one = $c->list_opstatus(["web", "down"]);
check("list_opstatus", "one service", join(",", map { my $g = $_; map { "$g/$_" } keys %{$one{$g}} } keys %one) eq "web/down",
    \%one);
my %failures = $c->list_failures;
check("list_failures", "the failing service", join(",", keys %failures) eq "web" && join(",", keys %{$failures{web}}) eq "down",
    \%failures);
my %successes = $c->list_successes;
check("list_successes", "the good services", $successes{web}{http} && $successes{db}{ping} && !$successes{web}{down},
    \%successes);
my $hist = poll(sub { my @a = $c->list_alerthist; return (grep { $_->{service} eq "down" } @a) ? \@a : undef });
my ($alert) = grep { $_->{service} eq "down" } @{$hist || []};
check("list_alerthist", "the alert", $alert && $alert->{type} eq "alert" && $alert->{group} eq "web"
    && $alert->{alert} =~ m{/note\.alert$} && $alert->{summary} eq "h1 down" && $alert->{time} =~ /^\d+$/, $hist);
my @fh = $c->list_failurehist;
# Mon::Client splits the escaped line: the whole entry lands in the watch field (spec section 20)
check("list_failurehist", "the failure", (grep { $_->{watch} =~ /^web\\20down\\20\d+\\20h1\\20down$/ } @fh), \@fh);
my @dt = $c->list_dtlog;
check("list_dtlog", "empty before any recovery", !defined $c->error && @dt == 0, \@dt, $c->error);
my ($server, @pids) = $c->list_pids;
check("list_pids", "the server", $server == $serverpid, $server, \@pids, $c->error);

# --- changing things ---------------------------------------------------------------
check("ack", "a failure", defined $c->ack("web", "down", "on it"), $c->error);
%op = $c->list_opstatus(["web", "down"]);
check("ack", "shows in opstatus", $op{web}{down}{ack} > 0 && $op{web}{down}{ackcomment} eq ": on it", $op{web}{down});
check("ack", "refuses a good service", !defined $c->ack("web", "http", "x") && $c->error =~ /^520 service is in a non-failure state/,
    $c->error);
check("disable_watch", "db", defined $c->disable_watch("db"), $c->error);
check("disable_service", "web http", defined $c->disable_service("web", "http"), $c->error);
check("disable_host", "h2", defined $c->disable_host("h2"), $c->error);
check("disable_host", "unknown host", !defined $c->disable_host("nosuch") && $c->error =~ /^520 disable host failed/, $c->error);
my %dis = $c->list_disabled;
check("list_disabled", "what was disabled", $dis{watches}{db} && $dis{services}{web}{http} && $dis{hosts}{web}{h2}, \%dis);
check("list_group", "a disabled host is starred", join(" ", $c->list_group("web")) eq "h1 *h2", [$c->list_group("web")]);
check("enable_watch", "db", defined $c->enable_watch("db"), $c->error);
check("enable_service", "web http", defined $c->enable_service("web", "http"), $c->error);
check("enable_host", "h2", defined $c->enable_host("h2"), $c->error);
%dis = $c->list_disabled;
check("list_disabled", "nothing after enabling", !%{$dis{watches} || {}} && !%{$dis{services} || {}} && !%{$dis{hosts} || {}},
    \%dis);
check("disable_service", "unknown service", !defined $c->disable_service("web", "nosuch") && $c->error =~ /^520/, $c->error);
check("set", "a description", defined $c->set("web", "http", "description", "new desc"), $c->error);
# Mon::Client's get keeps the quotes around the value
check("get", "the new description", $c->get("web", "http", "description") eq "'new desc'",
    $c->get("web", "http", "description"));
check("get", "unknown service", !defined $c->get("web", "nosuch", "x") && $c->error =~ /^520 web,nosuch not defined/, $c->error);
check("set_maxkeep", "20", defined $c->set_maxkeep(20), $c->error);
check("set_maxkeep", "refuses a non-number", !defined $c->set_maxkeep("x") && $c->error eq "invalid value for maxkeep", $c->error);
# Mon::Client's get_maxkeep sends `set maxkeep` (spec section 20): the server refuses it
check("get_maxkeep", "fails as in mon", !defined $c->get_maxkeep && $c->error =~ /^520 maxkeep, not defined/, $c->error);
check("setview", "ops", defined $c->setview("ops"), $c->error);
check("getview", "ops", $c->getview eq "view ops selected", $c->getview, $c->error);
my @inview = $c->list_watch;
check("list_watch", "through the view", join(",", sort map { "$_->[0]/$_->[1]" } @inview) eq "web/down,web/http", \@inview);
check("setview", "unknown view", !defined $c->setview("nosuch") && $c->error =~ /^504 unknown view nosuch/, $c->error);
check("setview", "none", defined $c->setview(""), $c->error);
check("getview", "none", $c->getview =~ /^no view selected/, $c->getview);
check("test", "alert", defined $c->test("alert", "web", "down", 1, "wd {Sun-Sat}"), $c->error);
check("test", "upalert", defined $c->test("upalert", "web", "down", 0, "wd {Sun-Sat}"), $c->error);
check("test", "startupalert", defined $c->test("startupalert", "web", "down", 0, "wd {Sun-Sat}"), $c->error);
check("test", "unknown period", !defined $c->test("alert", "web", "down", 1, "nosuch") && $c->error =~ /^520 period not defined/,
    $c->error);
check("test", "alert needs a period", !defined $c->test("alert", "web", "down") && $c->error =~ /must specify/, $c->error);
my ($cfgok, $cfgmsg) = $c->test_config;
check("test_config", "no errors", $cfgok == 1 && $cfgmsg =~ /^220 test config completed OK/, $cfgok, $cfgmsg);
check("checkauth", "list is allowed", $c->checkauth("list") == 1, $c->error);
check("checkauth", "an unknown command is not", $c->checkauth("nosuch") == 0 && $c->error =~ /^520/, $c->error);
# Mon::Client's clear sends `clear timers` without a service (spec section 20): refused
check("clear", "fails as in mon", !defined $c->clear && $c->error =~ /^520 unknown clear command/, $c->error);
check("reload", "auth", defined $c->reload("auth"), $c->error);
check("reload", "unknown", !defined $c->reload("bogus") && $c->error =~ /^520 unknown reload command/, $c->error);
check("stop", "the scheduler", defined $c->stop, $c->error);
my ($running, $since) = $c->list_state;
check("list_state", "stopped", defined $running && $running == 0 && $since =~ /^\d+$/, $running, $since, $c->error);
check("start", "the scheduler", defined $c->start, $c->error);
($running, $since) = $c->list_state;
check("list_state", "running", $running == 1 && $since eq "scheduler running", $running, $since);
check("savestate", "disabled", defined $c->savestate("disabled"), $c->error);
check("loadstate", "disabled", defined $c->loadstate("disabled"), $c->error);
check("login", "trustlocal", defined $c->login(username => "tester", password => "secret"), $c->error);
check("login", "needs a password", !defined $c->login(username => "x", password => "") && $c->error eq "no password", $c->error);

# --- traps (UDP) ------------------------------------------------------------------------
$c->port($trapport);  # send_trap uses the client's port (TRAP-12)
check("send_trap", "sent", $c->send_trap(group => "trapgrp", service => "tsvc", retval => 1, opstatus => "fail",
    summary => "trap summary", detail => "trap detail"), $c->error);
check("send_trap", "refuses a bad opstatus", !defined $c->send_trap(group => "trapgrp", service => "tsvc", retval => 1,
    opstatus => "bogus") && $c->error eq "Undefined opstatus type", $c->error);
$c->port($port);
my $trapped = poll(sub { my %o = $c->list_opstatus(["trapgrp", "tsvc"]); return $o{trapgrp}{tsvc}{opstatus} eq "0" ? \%o : undef });
check("send_trap", "the trap changed the service", $trapped, $trapped);
my %t = %{$trapped || {}};
check("send_trap", "the trap's summary", $t{trapgrp}{tsvc}{last_summary} eq "trap summary", $t{trapgrp}{tsvc});

# --- reset, quit, term -----------------------------------------------------------------------
check("reset", "re-reads the config", defined $c->reset, $c->error);
check("disconnect", "closes", $c->disconnect, $c->error);
check("connected", "not after disconnect", !$c->connected, $c->connected);
check("connect", "again", $c->connect, $c->error);
check("quit", "says so", $c->quit =~ /^220 quitting/, $c->error);
$c->disconnect;
check("connect", "with skip_protid", $c->connect(skip_protid => 1), $c->error);
check("term", "ends the server", $c->term =~ /^220 terminating server/, $c->error);
print "done failed=$failed\n";
exit($failed ? 1 : 0);
