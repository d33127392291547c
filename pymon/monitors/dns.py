"""dns.monitor: check that DNS servers answer for their zones, or answer given queries.

Options as Debian's dns.monitor (Getopt::Long: `-name` or `--name`, abbreviations, anywhere
among the servers):

- zone mode: `-zone Z` (repeatable) `-master M` (repeatable) `[-serial_threshold N]`
  `[-failsingle]` `[-tcp]`: each master is asked for the zone's SOA (not recursively);
  the greatest serial is the reference, and every server must answer authoritatively with
  one SOA whose serial is within the threshold of it.
- caching mode: `-caching_only -query NAME[:TYPE[:TARGET]]` (repeatable): every server
  must answer the query (recursion desired), and with TARGET, share an answer with it.
- `-retry N` (2) and `-retransmit N` (5 s) as Net::DNS's; `-timeout N` limits a TCP query.

The exit status is the most servers that failed one zone or query; 251 when the masters
fail (every master, or with -failsingle any one), 252 when the masters disagree beyond the
threshold or have no serial; 255 for bad options. Servers are always queried on port 53.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pymon.monitors import Check
from pymon.monitors._dns_resolver import Answer, Settings, query
from pymon.monitors._dns_wire import TYPES, WireError, type_number
from pymon.monitors._options import LongOptions, LongSpec, getoptions

OPTIONS = (
    LongSpec("master", "s"), LongSpec("zone", "s"), LongSpec("serial_threshold", "s"),
    LongSpec("caching_only"), LongSpec("tcp"), LongSpec("query", "s"), LongSpec("retry", "i"),
    LongSpec("retransmit", "i"), LongSpec("timeout", "i"), LongSpec("debug"), LongSpec("failsingle"),
)  # fmt: skip
BAD_OPTIONS = 255  # the original's exit(-1)
MASTERS_FAILED = 251
SERIALS_DISAGREE = 252


@dataclass(frozen=True)
class Failure:
    """One zone or query that failed: who failed, what the summary says, why, the exit status."""

    servers: tuple[str, ...]
    summary: str
    reason: str
    count: int


async def check(argv: Sequence[str], env: Mapping[str, str]) -> Check:
    options = getoptions(OPTIONS, argv)
    problem = _usage_problem(options)
    if problem:
        return Check(BAD_OPTIONS, f"dns.monitor: {problem}")
    retry, retrans = int(options.last("retry", "2")), int(options.last("retransmit", "5"))
    timeout = int(options.last("timeout", "0")) or 120
    servers = options.args
    if options.all("caching_only"):
        settings = Settings(retry=retry, retrans=retrans, tcp_timeout=timeout, recurse=True)
        found = await asyncio.gather(*(_test_query(spec, servers, settings) for spec in options.all("query")))
        return _caching_report([failure for failure in found if failure is not None])
    settings = Settings(
        retry=retry, retrans=retrans, tcp_timeout=timeout, recurse=False, tcp=bool(options.all("tcp"))
    )
    threshold = _number(options.last("serial_threshold", "0"))
    masters = options.all("master")
    failsingle = bool(options.all("failsingle"))
    zones = options.all("zone")
    results = await asyncio.gather(
        *(_verify_zone(zone, masters, servers, settings, threshold, failsingle) for zone in zones)
    )
    return _zone_report([(zone, failure) for zone, failure in zip(zones, results, strict=True) if failure])


def _usage_problem(options: LongOptions) -> str:
    if options.errors:
        return "Problems with Options, sorry: " + "; ".join(options.errors)
    if not options.args:
        return "at least one server must be specified"
    if not options.all("caching_only"):
        if not options.all("master"):
            return "The zone master server must be specified"
        if not options.all("zone"):
            return "At least one zone must be specified"
    elif not options.all("query"):
        return "At least one query must be specified"
    return ""


def _number(text: str) -> float:
    """Perl's numeric value of a string: its leading number, else 0."""
    try:
        return float(text)
    except ValueError:
        return 0.0


async def _soa(server: str, zone: str, settings: Settings) -> Answer:
    return await query(server, zone, TYPES["SOA"], settings)


async def _verify_zone(
    zone: str,
    masters: Sequence[str],
    servers: Sequence[str],
    settings: Settings,
    threshold: float,
    failsingle: bool,
) -> Failure | None:
    answers = await asyncio.gather(*(_soa(master, zone, settings) for master in masters))
    errors: dict[str, str] = {}
    serials: dict[str, int] = {}
    for master, answer in zip(masters, answers, strict=True):
        error = _master_problem(master, zone, answer)
        if error:
            errors[master] = error
            if failsingle:
                return Failure((master,), master, error, MASTERS_FAILED)
        elif answer.reply is not None:
            serials[master] = answer.reply.answers[0].serial or 0
    if not serials:
        # Deviation: the original returns every master's error in the place of the exit status.
        return Failure((), "", "".join(errors.values()), MASTERS_FAILED)
    highest = max(serials.values())
    lowest_master = min(serials, key=lambda master: serials[master])
    lowest = serials[lowest_master]
    if abs(highest - lowest) > threshold:
        reason = (
            f"\nQuery to {lowest_master} about {zone} failed\n"
            f"Serial number = {lowest}, should have been {highest}\n"
        )
        return Failure((lowest_master,), lowest_master, reason, SERIALS_DISAGREE)
    if not highest:
        return Failure((), "", f"\nNo SOA Serial found for {zone}!?!?", SERIALS_DISAGREE)

    answers = await asyncio.gather(*(_soa(server, zone, settings) for server in servers))
    failed: list[str] = []
    reasons: list[str] = []
    for server, answer in zip(servers, answers, strict=True):
        reason = _server_problem(server, zone, answer, highest, threshold)
        if reason:
            failed.append(server)
            reasons.append(reason)
    if not failed:
        return None
    return Failure(tuple(failed), " ".join(failed), "".join(reasons), len(failed))


def _master_problem(master: str, zone: str, answer: Answer) -> str:
    reply = answer.reply
    if reply is None:
        empty = "    Empty answer received.  (No zone on server?)\n" if answer.error == "NOERROR" else ""
        return f"SOA query for {zone} from {master} failed {answer.error}\n{empty}"
    if not reply.aa:
        return f"{master} is not authoritative for {zone}\n"
    if len(reply.answers) != 1:
        return f"Too many answers for SOA query to {master} for {zone}\n"
    if reply.answers[0].type != "SOA":
        return f"Query for SOA for {zone} from {master} failed: return type = {reply.answers[0].type}\n"
    return ""


def _server_problem(server: str, zone: str, answer: Answer, serial: int, threshold: float) -> str:
    reply = answer.reply
    if reply is None:
        empty = "    Empty answer received.  (No zone on server?)\n" if answer.error == "NOERROR" else ""
        return f"\nSOA query for {zone} from {server} failed {answer.error}\n{empty}"
    first = reply.answers[0]
    if (
        reply.aa
        and len(reply.answers) == 1
        and first.type == "SOA"
        and abs((first.serial or 0) - serial) <= threshold
    ):
        return ""
    return (
        f"\nQuery to {server} about {zone} failed\n"
        f"Authoritative = {'yes' if reply.aa else 'no'}\n"
        f"Answer count = {len(reply.answers)}\n"
        f"Answer Type = {first.type}\n"
        f"Serial number = {'' if first.serial is None else first.serial}, should have been {serial}\n"
    )


def _zone_report(failures: Sequence[tuple[str, Failure]]) -> Check:
    status = max((failure.count for _, failure in failures), default=0)
    if not status:
        return Check(0, "")
    summary = "".join(f"{failure.summary}({zone}) " for zone, failure in failures)
    detail = []
    for zone, failure in failures:
        # Deviation: the original names the n-th failed server of all zones here, not this zone's.
        detail.append(f"Zone '{zone}': failed servers: {' '.join(failure.servers)}\n")
        detail += [line + "\n" for line in _perl_split_lines(failure.reason)]
        detail.append("\n")
    return Check(status, summary, "".join(detail))


async def _test_query(spec: str, servers: Sequence[str], settings: Settings) -> Failure | None:
    name, qtype_text, target = ([*spec.split(":"), "", ""])[:3]
    qtype_text = qtype_text or "A"
    try:
        qtype = type_number(qtype_text)
    except WireError as error:
        return Failure(tuple(servers), "", f"{error}\n", len(servers))
    answers = await asyncio.gather(*(query(server, name, qtype, settings) for server in servers))
    failed: list[str] = []
    summary: list[str] = []
    reasons: list[str] = []
    for server, answer in zip(servers, answers, strict=True):
        if answer.reply is None:
            failed.append(server)
            reasons.append(f"\n{qtype_text} query for {name} from {server} failed {answer.error}\n")
            summary.append(f"{name}@{server} ")
        elif target:
            wanted = await query(server, target, qtype, settings)
            ours = {record.data for record in answer.reply.answers}
            if wanted.reply is None or not ours & {record.data for record in wanted.reply.answers}:
                failed.append(server)
                reasons.append(f"Query {name}:{qtype_text} failed to match {target}\n")
    if not failed:
        return None
    return Failure(tuple(failed), "".join(summary), "".join(reasons), len(failed))


def _caching_report(failures: Sequence[Failure]) -> Check:
    status = max((failure.count for failure in failures), default=0)
    if not status:
        return Check(0, "")
    summary = "".join(f"{failure.summary} " for failure in failures)
    detail = []
    for failure in failures:
        detail += [line + "\n" for line in _perl_split_lines(failure.reason)]
        detail.append("\n")
    return Check(status, summary, "".join(detail))


def _perl_split_lines(text: str) -> list[str]:
    """Perl's split("\\n", ...): empty fields at the end are dropped."""
    lines = text.split("\n")
    while lines and not lines[-1]:
        lines.pop()
    return lines
