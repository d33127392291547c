"""sslcert.monitor: fetch each host's TLS certificate and check its dates and names.

Options as Debian's sslcert.monitor: -p port (443), -s 0|1 to send the host name as SNI
(on by default for port 443 only), -4 for IPv4 addresses only; and one extension, -t
seconds (30) for the connection and handshake of each address, which the original waits
for without limit. Every address of a host is checked. A certificate fails when it is
not yet valid, has expired or expires within two weeks, or does not carry the host name
in its subjectAltName; the certificate is not verified (self-signed ones are checked too).
When all pass, the summary is "Expiry" and the earliest expiry date.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pymon.monitors import Check
from pymon.monitors._network import each_host
from pymon.monitors._options import getopts, seconds
from pymon.monitors._x509 import CertificateError, parse

SOON = 14 * 24 * 3600


@dataclass
class Findings:
    """One host's contributions to the summary, the failure detail and the healthy detail."""

    summary: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    expiries: list[str] = field(default_factory=list)  # YYYY-MM-DD of each healthy certificate


async def check(argv: Sequence[str], env: Mapping[str, str]) -> Check:
    options = getopts("4p:s:t:", argv)
    port = options.text("p", "443")
    sni = options.flag("s") if "s" in options.values else port.isdigit() and int(port) == 443
    timeout = seconds(options.text("t", "30"), 30)
    ipv4_only = "4" in options.values
    found = await each_host(options.args, lambda host: _host(host, port, sni, ipv4_only, timeout))
    summary, failures, healthy = "", "", ""
    earliest = ""
    for host in options.args:
        findings = found[host]
        for piece in findings.summary:
            if not piece.endswith("(unavailable) ") or piece not in summary:
                summary += piece
        failures += "".join(findings.failures)
        for date in findings.expiries:
            earliest = min(earliest, date) if earliest else date
            line = f"{host} expires {date}\n"
            if line not in healthy:
                healthy += line
    if summary:
        return Check(1, summary, failures)
    return Check(0, f"Expiry {earliest}", healthy)


async def _host(host: str, port: str, sni: bool, ipv4_only: bool, timeout: float) -> Findings:
    findings = Findings()
    addresses = await _addresses(host, ipv4_only)
    if not addresses or not port.isdigit():
        findings.summary.append(f"{host}(not found) ")
        findings.failures.append(f"No A or AAAA record for {host}.\n")
        return findings
    for address in addresses:
        await _address(host, address, int(port), sni, timeout, findings)
    return findings


async def _addresses(host: str, ipv4_only: bool) -> list[str]:
    """A records, then AAAA records (unless -4), as the original asks for them."""
    loop = asyncio.get_running_loop()
    found: list[str] = []
    for family in (socket.AF_INET,) if ipv4_only else (socket.AF_INET, socket.AF_INET6):
        try:
            infos = await loop.getaddrinfo(host, None, family=family, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            continue
        found += [str(info[4][0]) for info in infos if str(info[4][0]) not in found]
    return found


async def _address(host: str, address: str, port: int, sni: bool, timeout: float, findings: Findings) -> None:
    loop = asyncio.get_running_loop()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # expired and self-signed certificates are looked at too
    tcp = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM)
    tcp.setblocking(False)
    try:
        async with asyncio.timeout(timeout):
            await loop.sock_connect(tcp, (address, port))
    except (OSError, TimeoutError):
        tcp.close()
        findings.summary.append(f"{host}(unavailable) ")
        findings.failures.append(f"Can't connect to {host}({address}) port {port} via TCP.\n")
        return
    der: bytes | None = None
    try:
        async with asyncio.timeout(timeout):
            # server_hostname "" sends no SNI (-s 0)
            transport, _ = await loop.create_connection(
                asyncio.Protocol, sock=tcp, ssl=context, server_hostname=host if sni else ""
            )
        tls = transport.get_extra_info("ssl_object")
        der = tls.getpeercert(binary_form=True) if tls else None
        transport.close()
    except ssl.SSLError:
        pass  # as the original: a failed handshake (not a TLS server) is "no SSL cert"
    except (OSError, TimeoutError, ValueError):
        findings.summary.append(f"{host}(Can't connect SSL) ")
        findings.failures.append(f"Can't connect SSL for {host}, internal error?\n")
        return
    finally:
        tcp.close()
    if not der:
        findings.summary.append(f"{host}(no SSL cert) ")
        findings.failures.append(f"{host} port {port} doesn't give certificate, not SSL server?\n")
        return
    try:
        certificate = parse(der)
    except CertificateError as error:
        findings.summary.append(f"{host}(bad SSL cert) ")
        findings.failures.append(f"{host}({address}) port {port}: {error}\n")
        return
    _judge(host, address, certificate.not_before, certificate.not_after, certificate.dns_names, findings)


def _judge(
    host: str, address: str, not_before: int, not_after: int, names: Sequence[str], findings: Findings
) -> None:
    now = time.time()
    if not_before > now:
        findings.summary.append(f"{host}(post dated) ")
        findings.failures.append(f"{host} has not before date {_iso(not_before)} in future.\n")
    if not_after < now:
        findings.summary.append(f"{host}(expired) ")
        findings.failures.append(f"{host}({address}) expired at {_iso(not_after)}.\n")
    elif not_after < now + SOON:
        findings.summary.append(f"{host}(expires soon) ")
        findings.failures.append(f"{host}({address}) expires at {_iso(not_after)}.\n")
    else:
        findings.expiries.append(_iso(not_after)[:10])
    if host not in names:
        findings.summary.append(f"{host}(no commonName in cert) ")
        findings.failures.append(f"{host} doesn't have it's name as a commonName or altName\n")


def _iso(moment: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))
