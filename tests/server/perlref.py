"""A long-lived Perl process that answers what mon's Perl would do with a string.

The Perl below is written for these tests from reading /usr/sbin/mon (it is not
mon's code): its esc_str and un_esc_str, the request regex of client_command,
Perl's split(/\\s+/), and the real Text::ParseWords::parse_line. Strings travel
as hex of their bytes, one request per line, so any byte survives.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import IO

from pymon.escape import to_bytes

PERL_SOURCE = r"""
use strict;
use warnings;
no warnings "uninitialized";
use Text::ParseWords ();
$| = 1;

sub esc {
    my ($text, $inquotes) = @_;
    return "" unless defined $text;
    my $out = "";
    foreach my $char (split //, $text) {
        my $code = ord $char;
        if ($code <= 32 || $code > 126 || $char eq '"' || $char eq "'") {
            $out .= sprintf "\\%02x", $code;
        } elsif ($inquotes && $char eq "\\") {
            $out .= "\\\\";
        } else {
            $out .= $char;
        }
    }
    return $out;
}

sub unesc {
    my ($text) = @_;
    $text =~ s/\\([0-9a-f]{2})/chr(hex($1))/eg;
    return $text;
}

sub words {
    return join " ", scalar(@_), map { defined $_ ? "s" . unpack("H*", $_) : "u" } @_;
}

my $commands = "dump|login|disable|enable|quit|list|set|get|setview|getview|stop|start|"
    . "loadstate|savestate|reset|clear|checkauth|reload|term|test|servertime|ack|version|protid";

while (my $request = <STDIN>) {
    chomp $request;
    my ($op, $hex) = split / /, $request, 2;
    my $in = pack "H*", (defined $hex ? $hex : "");
    my $out;
    if ($op eq "esc") {
        $out = unpack "H*", esc($in, 0);
    } elsif ($op eq "escq") {
        $out = unpack "H*", esc($in, 1);
    } elsif ($op eq "unesc") {
        $out = unpack "H*", unesc($in);
    } elsif ($op eq "parse_line") {
        $out = words(Text::ParseWords::parse_line('\s+', 0, $in));
    } elsif ($op =~ /^split(\d+)$/) {
        my $limit = $1;
        $out = words($limit ? split(/\s+/, $in, $limit) : split(/\s+/, $in));
    } elsif ($op eq "command") {
        if ($in =~ /^($commands)(\s+(.*))?$/i) {
            $out = words("\L$1", $3);
        } else {
            $out = words();
        }
    } else {
        $out = "?";
    }
    print "$out\n";
}
"""


class PerlReference:
    def __init__(self) -> None:
        perl = shutil.which("perl")
        if perl is None:
            raise FileNotFoundError("perl")
        self.process = subprocess.Popen(
            [perl, "-e", PERL_SOURCE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def _ask(self, op: str, text: str) -> str:
        stdin: IO[str] | None = self.process.stdin
        stdout: IO[str] | None = self.process.stdout
        assert stdin is not None and stdout is not None
        stdin.write(f"{op} {to_bytes(text).hex()}\n")
        stdin.flush()
        return stdout.readline().rstrip("\n")

    @staticmethod
    def _string(hex_text: str) -> str:
        return bytes.fromhex(hex_text).decode("utf-8", "surrogateescape")

    def _words(self, op: str, text: str) -> list[str | None]:
        count, *items = self._ask(op, text).split(" ")
        assert int(count) == len(items)
        return [None if item == "u" else self._string(item[1:]) for item in items]

    def esc_str(self, text: str, inquotes: bool = False) -> str:
        return self._string(self._ask("escq" if inquotes else "esc", text))

    def un_esc_str(self, text: str) -> str:
        return self._string(self._ask("unesc", text))

    def parse_line(self, text: str) -> list[str | None]:
        return self._words("parse_line", text)

    def split(self, text: str, limit: int = 0) -> list[str | None]:
        return self._words(f"split{limit}", text)

    def command(self, line: str) -> tuple[str, str | None] | None:
        """client_command's first step: (lower-cased command word, $3), or None: `520 invalid command`."""
        words = self._words("command", line)
        if not words:
            return None
        command, args = words
        assert command is not None
        return command, args

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=10)
