"""sslcert.monitor (TLS) against Debian's Perl original, both run in a private network and
mount namespace (tls_namespace.py) where names resolve through a DNS server of the test's."""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pymon.monitors._x509 import CertificateError, parse

from .servers import SILENT_HOST, Output, env, netns_available, run_inprocess_netns, run_script

cryptography = pytest.importorskip("cryptography")
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

DAY = datetime.timedelta(days=1)
NOW = datetime.datetime.now(datetime.UTC)


def certificate(
    folder: Path, name: str, sans: list[str], not_before: datetime.datetime, not_after: datetime.datetime
) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, sans[0] if sans else "nobody")])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    if sans:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in sans]), critical=False
        )
    cert = builder.sign(key, hashes.SHA256())
    cert_path, key_path = folder / f"{name}.crt", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return str(cert_path), str(key_path)


RUNS = [
    ("good", ["tls.example.test"]),
    ("good", ["-s", "0", "tls.example.test", "tls.example.test"]),
    ("good", ["-4", "other.example.test"]),  # the name is not in the certificate
    ("soon", ["soon.example.test"]),
    ("expired", ["-4", "tls.example.test"]),
    ("postdated", ["tls.example.test"]),
    ("plain", ["tls.example.test"]),
    ("good", ["missing.example.test", "tls.example.test"]),
    ("closed", ["tls.example.test"]),
]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Output]]:
    folder = tmp_path_factory.mktemp("certs")
    certificates = {
        "good": certificate(
            folder, "good", ["tls.example.test", "soon.example.test"], NOW - DAY, NOW + 90 * DAY
        ),
        "soon": certificate(folder, "soon", ["soon.example.test"], NOW - DAY, NOW + 5 * DAY),
        "expired": certificate(folder, "expired", ["tls.example.test"], NOW - 30 * DAY, NOW - DAY),
        "postdated": certificate(folder, "postdated", ["tls.example.test"], NOW + DAY, NOW + 90 * DAY),
    }
    cases = folder / "cases.json"
    cases.write_text(json.dumps({"certificates": certificates, "runs": RUNS}))
    driver = Path(__file__).with_name("tls_namespace.py")
    done = subprocess.run(
        ["unshare", "-rmn", sys.executable, str(driver), str(cases)],
        capture_output=True, env=env(), timeout=300, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"the namespace run failed (unshare -rmn not permitted?): {done.stderr.decode()[-3000:]}")
    return [{k: Output(**v) for k, v in run.items()} for run in json.loads(done.stdout)]


def same(output: Output) -> Output:
    """Without the expiry dates of certificates made moments apart."""
    return Output(
        output.status, output.summary, re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "T", output.detail)
    )


@pytest.mark.parametrize("index", range(len(RUNS)))
def test_same_as_perl(outcomes: list[dict[str, Output]], index: int) -> None:
    run = outcomes[index]
    assert same(run["script"]) == same(run["perl"]), RUNS[index]
    assert run["awaited"] == run["script"]


def test_expected_verdicts(outcomes: list[dict[str, Output]]) -> None:
    summaries = [(run["script"].status, run["script"].summary) for run in outcomes]
    expiry = (NOW + 90 * DAY).strftime("%Y-%m-%d")
    assert summaries[0] == (0, f"Expiry {expiry}")
    assert summaries[2] == (1, "other.example.test(no commonName in cert) ")
    assert summaries[3] == (1, "soon.example.test(expires soon) ")
    assert summaries[4] == (1, "tls.example.test(expired) ")
    assert summaries[5] == (1, "tls.example.test(post dated) ")
    assert summaries[6] == (1, "tls.example.test(no SSL cert) ")
    assert summaries[7] == (1, "missing.example.test(not found) ")
    assert summaries[8] == (1, "tls.example.test(unavailable) ")


def test_parse_rejects_junk() -> None:
    with pytest.raises(CertificateError):
        parse(b"\x30\x82\xff\xff")
    with pytest.raises(CertificateError):
        parse(b"")


@pytest.mark.skipif(not netns_available(), reason="unshare -rn is not permitted here")
def test_silent_host_times_out() -> None:
    """The original would wait for ever here; -t bounds each address."""
    started = time.monotonic()
    ours = run_script("sslcert.monitor", ["-t", "1", SILENT_HOST], netns=True)
    assert ours == Output(
        1,
        f"{SILENT_HOST}(unavailable) ",
        f"Can't connect to {SILENT_HOST}({SILENT_HOST}) port 443 via TCP.\n",
    )
    assert run_inprocess_netns("sslcert.monitor", ["-t", "1", SILENT_HOST]) == ours
    assert time.monotonic() - started < 10
