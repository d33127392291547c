"""mail.alert: the message of mon's mail.alert, sent with smtplib.

mon's mail.alert (Getopt::Std `S:s:g:h:t:l:f:u`) pipes this to
`/usr/lib/sendmail -oi -t`:

    To: ADDR,ADDR
    Subject: ALERT|UPALERT GROUP/SERVICE: SUMMARY (Wdy Mon DD HH:MM:SS)
    X-Mailer: PROGRAM
    <blank>
    <blank>
    Group                 : GROUP
    Service               : SERVICE
    Time noticed          : <localtime of -t>
    Secs until next alert : <-l>
    Members               : <-h, wrapped by Text::Wrap>
    <blank>
    Detailed text (if any) follows:
    -------------------------------
    <stdin after the first line>

pymon builds the same text and speaks SMTP itself, so it adds what sendmail
would have added: From (the -f address, else user@host), Date and Message-ID.
"""

from __future__ import annotations

import getpass
import smtplib
import socket
from dataclasses import dataclass
from email.utils import formatdate, make_msgid

from pymon.alerts.contract import AlertCall
from pymon.alerts.perltext import localtime, split_input, wrap

SPEC = "S:f:m:"
DEFAULT_SERVER = "localhost:25"


@dataclass(frozen=True)
class Mail:
    sender: str
    recipients: tuple[str, ...]
    text: str  # the whole message, headers first, lines ending in \n


def compose(call: AlertCall, stdin: str, program: str) -> Mail:
    summary, rest = split_input(stdin)
    override = call.options.get("S")
    if override is not None:
        summary = override
    addresses = ",".join(call.args)
    kind = "UPALERT" if call.options.flag("u") else "ALERT"
    noticed = localtime(call.time)
    short = " ".join(noticed.split()[:4])  # ($wday,$mon,$day,$tm) = split(/\s+/, $t)
    group, service = call.group or "", call.service or ""
    text = (
        f"To: {addresses}\n"
        f"Subject: {kind} {group}/{service}: {summary or ''} ({short})\n"
        f"X-Mailer: {program}\n"
        "\n"
        "\n"
        f"Group                 : {group}\n"
        f"Service               : {service}\n"
        f"Time noticed          : {noticed}\n"
        f"Secs until next alert : {call.options.get('l') or ''}\n"
        + wrap("", "\t\t\t", f"Members               : {call.hosts or ''}") + "\n"
        "\n"
        "Detailed text (if any) follows:\n"
        "-------------------------------\n"
        + rest
    )
    sender = call.options.get("f") or f"{getpass.getuser()}@{socket.getfqdn()}"
    recipients = tuple(a.strip() for a in addresses.split(",") if a.strip())
    return Mail(sender, recipients, text)


def with_envelope_headers(mail: Mail) -> str:
    """The headers sendmail adds to a message that lacks them."""
    domain = mail.sender.rpartition("@")[2] or None
    return (f"From: {mail.sender}\nDate: {formatdate(localtime=True)}\n"
            f"Message-ID: {make_msgid(domain=domain)}\n" + mail.text)


def server_address(value: str) -> tuple[str, int]:
    """`host`, `host:port` or `[v6addr]:port`."""
    host, port = value, "25"
    if value.startswith("["):
        host, _, tail = value[1:].partition("]")
        port = tail[1:] if tail.startswith(":") else port
    elif value.count(":") == 1:
        host, port = value.split(":")
    if not port.isdigit():
        raise ValueError(f"bad SMTP server {value!r}: the port must be a number")
    return host, int(port)


def send(mail: Mail, server: str, timeout: float = 30.0) -> None:
    """Deliver over SMTP; raises OSError or smtplib.SMTPException on failure."""
    if not mail.recipients:
        raise ValueError("no recipient addresses given")
    host, port = server_address(server)
    body = with_envelope_headers(mail).replace("\n", "\r\n").encode("utf-8", "surrogateescape")
    with smtplib.SMTP(host, port, timeout=timeout) as smtp:
        smtp.sendmail(mail.sender, list(mail.recipients), body)
