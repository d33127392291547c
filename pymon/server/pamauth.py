"""PAM authentication as mon does it through Authen::PAM (AUTH-09), with ctypes on libpam.

mon calls only pam_start and pam_authenticate (no account check, no
credentials), and its conversation answers every prompt: echo-on prompts with
the user name, echo-off prompts with the password, anything else with "".
python-pam would also run pam_acct_mgmt, which refuses logins mon accepts,
so pymon talks to libpam itself.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from dataclasses import dataclass
from typing import Any

__all__ = ["PamOutcome", "pam_authenticate"]

PAM_SUCCESS = 0
PAM_BUF_ERR = 5
PAM_CONV_ERR = 19
PAM_PROMPT_ECHO_OFF = 1
PAM_PROMPT_ECHO_ON = 2


class _Message(ctypes.Structure):
    _fields_ = [("msg_style", ctypes.c_int), ("msg", ctypes.c_char_p)]


class _Response(ctypes.Structure):
    _fields_ = [("resp", ctypes.c_void_p), ("resp_retcode", ctypes.c_int)]  # resp: malloc'd, PAM frees it


_CONV = ctypes.CFUNCTYPE(
    ctypes.c_int,
    ctypes.c_int,
    ctypes.POINTER(ctypes.POINTER(_Message)),
    ctypes.POINTER(ctypes.POINTER(_Response)),
    ctypes.c_void_p,
)


class _Conv(ctypes.Structure):
    _fields_ = [("conv", _CONV), ("appdata_ptr", ctypes.c_void_p)]


@dataclass(frozen=True)
class PamOutcome:
    accepted: bool
    error: str | None = None  # why PAM could not even start, for the log


@dataclass(frozen=True)
class _Libraries:
    pam: Any
    libc: Any


_LOCK = threading.Lock()
_libraries: _Libraries | None = None
_loaded = False


def _load() -> _Libraries | None:
    global _libraries, _loaded
    with _LOCK:
        if not _loaded:
            _libraries, _loaded = _open(), True
        return _libraries


def _open() -> _Libraries | None:
    try:
        pam = ctypes.CDLL(ctypes.util.find_library("pam") or "libpam.so.0")
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    pam.pam_start.restype = ctypes.c_int
    pam.pam_start.argtypes = [
        ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(_Conv), ctypes.POINTER(ctypes.c_void_p),
    ]  # fmt: skip
    pam.pam_authenticate.restype = ctypes.c_int
    pam.pam_authenticate.argtypes = [ctypes.c_void_p, ctypes.c_int]
    pam.pam_end.restype = ctypes.c_int
    pam.pam_end.argtypes = [ctypes.c_void_p, ctypes.c_int]
    pam.pam_strerror.restype = ctypes.c_char_p
    pam.pam_strerror.argtypes = [ctypes.c_void_p, ctypes.c_int]
    libc.calloc.restype = ctypes.c_void_p
    libc.calloc.argtypes = [ctypes.c_size_t, ctypes.c_size_t]
    libc.strdup.restype = ctypes.c_void_p
    libc.strdup.argtypes = [ctypes.c_char_p]
    return _Libraries(pam, libc)


def pam_authenticate(service: str, user: str, password: str) -> PamOutcome:
    """pam_start(SERVICE, USER) then pam_authenticate, answering prompts as mon does."""
    libraries = _load()
    if libraries is None:
        return PamOutcome(False, "PAM is not usable: libpam could not be loaded")
    pam, libc = libraries.pam, libraries.libc
    name = user.encode("utf-8", "surrogateescape")
    secret = password.encode("utf-8", "surrogateescape")

    answers = {PAM_PROMPT_ECHO_ON: name, PAM_PROMPT_ECHO_OFF: secret}  # anything else: ""

    def conversation(count: int, messages: Any, responses: Any, _data: Any) -> int:
        try:
            address = libc.calloc(max(count, 1), ctypes.sizeof(_Response))
            if not address:
                return PAM_BUF_ERR
            replies = ctypes.cast(address, ctypes.POINTER(_Response))
            for i in range(count):
                replies[i].resp = libc.strdup(answers.get(messages[i].contents.msg_style, b""))
                replies[i].resp_retcode = 0
            responses[0] = replies
            return PAM_SUCCESS
        except Exception:  # an exception must not reach C, where ctypes would answer 0 (success)
            return PAM_CONV_ERR

    callback = _CONV(conversation)  # kept alive until pam_end
    conv = _Conv(callback, None)
    handle = ctypes.c_void_p()
    service_name = service.encode("utf-8", "surrogateescape")
    status = pam.pam_start(service_name, name, ctypes.byref(conv), ctypes.byref(handle))
    if status != PAM_SUCCESS:
        reason = pam.pam_strerror(handle, status) or b""
        return PamOutcome(False, f"Error code {status} during PAM init!: {reason.decode(errors='replace')}")
    try:
        status = pam.pam_authenticate(handle, 0)
    finally:
        pam.pam_end(handle, status)
    return PamOutcome(status == PAM_SUCCESS)
