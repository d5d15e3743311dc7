"""Loaded at start-up when this folder is on PYTHONPATH: refuse and record every
connection (and name lookup) that would leave the machine."""

import os
import socket

_LOG = os.environ.get("NETGUARD_LOG")
_LOCAL_NAMES = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "", None}


def _record(what: str) -> None:
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as f:
            f.write(what + "\n")


def _loopback(host) -> bool:
    host = host.decode() if isinstance(host, bytes) else host
    return host in _LOCAL_NAMES or str(host).startswith("127.") or str(host) in ("::ffff:127.0.0.1",)


_connect, _connect_ex, _getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo


def connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
        _record(f"connect {address}")
        raise ConnectionRefusedError(f"netguard: no network for this process ({address})")
    return _connect(self, address)


def connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
        _record(f"connect_ex {address}")
        return 111
    return _connect_ex(self, address)


def getaddrinfo(host, *args, **kwargs):
    if not _loopback(host):
        _record(f"getaddrinfo {host}")
        raise socket.gaierror(socket.EAI_NONAME, f"netguard: no name resolution ({host})")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
socket.getaddrinfo = getaddrinfo
