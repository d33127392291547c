"""`login USER PASS`: the authtypes mon offers, tried in order (AUTH-05..10).

`login(...)` returns whether the user is authenticated and the syslog lines
mon writes on the way; it does blocking I/O (files, libcrypt, PAM), so the
server runs it off the event loop. The types:

- `getpwnam`: crypt(3) of PASS against the account's hash. Like Perl's
  getpwnam, the shadow hash is used when it can be read (as root).
- `shadow`: the shadow hash only (mon 1.3.6 accepts the word and never
  authenticates; pymon does what the name says: docs/compatibility.md).
- `userfile`: `USER : CRYPT-HASH` lines of USERFILE, read on every login.
- `pam`: PAM service PAMSERVICE (`pymon.server.pamauth`).
- `trustlocal`: any user name, no password, from 127.0.0.1 only.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import pwd
import re
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass

from pymon.config.perl import PERL_SPACE
from pymon.engine.records import Level
from pymon.server.pamauth import pam_authenticate
from pymon.server.words import perl_split

__all__ = ["AUTHTYPES", "LoginOutcome", "crypt", "login", "userfile_hash"]

AUTHTYPES = ("getpwnam", "shadow", "userfile", "pam", "trustlocal")

_COLON = re.compile(r"\s*:\s*", re.ASCII)
LogLine = tuple[Level, str]


@dataclass(frozen=True)
class LoginOutcome:
    accepted: bool
    log: tuple[LogLine, ...] = ()  # in order, as mon syslogs them


def login(
    user: str | None,
    password: str | None,
    *,
    authtype: str,
    host: str,
    userfile: str,
    pamservice: str,
) -> LoginOutcome:
    """AUTH-05: each word of AUTHTYPE in turn; the first that accepts wins."""
    log: list[LogLine] = []
    for kind in authtype.split():
        if _authenticate(kind, user or "", password or "", host, userfile, pamservice, log):
            return LoginOutcome(True, (*log, ("info", f"authenticated {user}")))
    return LoginOutcome(False, tuple(log))


def _authenticate(
    kind: str, user: str, password: str, host: str, userfile: str, pamservice: str, log: list[LogLine]
) -> bool:
    # AUTH-05: checked again for every type, so logged once per type
    if user == "" or (kind != "trustlocal" and password == ""):
        log.append(("err", "an undef username or password supplied"))
        return False
    if kind == "getpwnam":
        try:
            entry = pwd.getpwnam(user)
        except (KeyError, ValueError):
            return False
        shadow = _shadow_hash(user)
        return _matches(password, entry.pw_passwd if shadow is None else shadow)
    if kind == "shadow":
        hashed = _shadow_hash(user)
        return hashed is not None and _matches(password, hashed)
    if kind == "userfile":
        return _userfile(user, password, userfile, log)
    if kind == "pam":
        return _pam(user, password, pamservice, log)
    if kind == "trustlocal":
        return host == "127.0.0.1"
    log.append(("err", f"authentication type '{kind}' not known"))
    return False


def _matches(password: str, hashed: str) -> bool:
    # Perl's `crypt(PASS, HASH) ne HASH`; a failed crypt is undef, which Perl compares as "".
    return (crypt(password, hashed) or "") == hashed


def userfile_hash(text: str, user: str) -> str | None:
    """AUTH-08: USER's hash in userfile TEXT (the last line for USER wins); None if absent."""
    found: dict[str, str | None] = {}
    for raw in text.split("\n"):
        if raw.strip(PERL_SPACE) == "" or raw.lstrip(PERL_SPACE).startswith("#"):
            continue
        fields = perl_split(_COLON, raw, 2)  # `user:` gives an empty hash, `user` none
        found[fields[0]] = fields[1] if len(fields) > 1 else None
    return found.get(user)


def _userfile(user: str, password: str, path: str, log: list[LogLine]) -> bool:
    try:
        with open(path, "rb") as file:
            text = file.read().decode("utf-8", "surrogateescape")
    except OSError as error:
        log.append(("err", f"could not open user file '{path}': {error.strerror}"))
        return False
    hashed = userfile_hash(text, user)
    if hashed is None:
        log.append(("warning", f"User '{user}' not in file '{path}'"))
        return False
    if not _matches(password, hashed):
        log.append(("warning", f"User '{user}' gave bad password"))
        return False
    return True


def _pam(user: str, password: str, service: str, log: list[LogLine]) -> bool:
    outcome = pam_authenticate(service, user, password)
    if outcome.error is not None:
        log.append(("err", outcome.error))
    return outcome.accepted


# --- crypt(3) and the shadow file ------------------------------------------------------

# libcrypt's crypt() and libc's getspnam() return static buffers: one caller at a time.
_LOCK = threading.Lock()
_Crypt = Callable[[bytes, bytes], "bytes | None"]
_libcrypt: _Crypt | None = None
_loaded = False


def _load_libcrypt() -> _Crypt | None:
    name = ctypes.util.find_library("crypt") or "libcrypt.so.1"
    try:
        function = ctypes.CDLL(name).crypt
    except (OSError, AttributeError):
        return None
    function.restype = ctypes.c_char_p
    function.argtypes = [ctypes.c_char_p, ctypes.c_char_p]

    def call(phrase: bytes, setting: bytes) -> bytes | None:
        result: bytes | None = function(phrase, setting)
        return result

    return call


def _module_crypt(phrase: bytes, setting: bytes) -> bytes | None:
    # Python 3.11's crypt module is deprecated (and gone in 3.13): only a fallback.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt as module
    text = module.crypt(phrase.decode("utf-8", "surrogateescape"), setting.decode("utf-8", "surrogateescape"))
    return None if text is None else text.encode("utf-8", "surrogateescape")


def crypt(password: str, setting: str) -> str | None:
    """crypt(3): the hash of PASSWORD with the salt or hash SETTING; None if it fails."""
    global _libcrypt, _loaded
    phrase = password.encode("utf-8", "surrogateescape")
    salt = setting.encode("utf-8", "surrogateescape")
    with _LOCK:
        if not _loaded:
            _libcrypt, _loaded = _load_libcrypt(), True
        result = (_libcrypt or _module_crypt)(phrase, salt)
    return None if result is None else result.decode("utf-8", "surrogateescape")


class _Spwd(ctypes.Structure):
    # The start of glibc's struct spwd: the name and the hash.
    _fields_ = [("sp_namp", ctypes.c_char_p), ("sp_pwdp", ctypes.c_char_p)]


def _shadow_hash(user: str) -> str | None:
    """The user's shadow hash, or None when there is none or it cannot be read (not root)."""
    try:
        getspnam = ctypes.CDLL(None).getspnam
    except (OSError, AttributeError):
        return None
    getspnam.restype = ctypes.POINTER(_Spwd)
    getspnam.argtypes = [ctypes.c_char_p]
    with _LOCK:
        entry = getspnam(user.encode("utf-8", "surrogateescape"))
        if not entry:
            return None
        hashed: bytes | None = entry.contents.sp_pwdp
    return None if hashed is None else hashed.decode("utf-8", "surrogateescape")
