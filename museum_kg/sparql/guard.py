"""Refuse SERVICE and LOAD targets that could reach this machine or its network.

The engine fetches any URL a query names in SERVICE (or an update in LOAD).
`check(info, allow)` runs before evaluation and raises `ForbiddenOperation`
unless every target is:

- an absolute `http`/`https` IRI (LOAD of `file:` is always refused) with a
  plain host (letters, digits, dots, hyphens, or a bracketed IPv6 address)
  and no user info;
- under one of the `service_allow` prefixes (empty, the default, refuses all);
- a host whose every resolved address is public: not loopback, private,
  link-local, multicast, unspecified, reserved or shared, also when written
  as an IPv4-mapped, NAT64, 6to4 or Teredo IPv6 address.

A SERVICE whose target is a variable is refused: it cannot be checked before
evaluation. `resolver(host, port)` is injectable for tests.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NoReturn
from urllib.parse import urlsplit

from museum_kg.errors import ForbiddenOperation
from museum_kg.sparql.inspect import QueryInfo, Target

Resolver = Callable[[str, int], list[str]]
SETTING = "service_allow"
_ENV = "MUSEUM_KG_SERVICE_ALLOW"
_HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.?)+$")
_AUTHORITY = re.compile(r"^(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.\-]+)(?::(?P<port>[0-9]{1,5}))?$")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SHARED = ipaddress.ip_network("100.64.0.0/10")


def system_resolver(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return sorted({str(info[4][0]).split("%", 1)[0] for info in infos})


AddressPolicy = Callable[[str, int], "str | None"]


def check(
    info: QueryInfo,
    allow: Iterable[str] = (),
    resolver: Resolver | None = None,
    refuse: AddressPolicy | None = None,
) -> None:
    """Raise `ForbiddenOperation` for the first SERVICE or LOAD target that is not safe."""
    allow = tuple(a for a in allow if a)
    for target in info.fetches:
        check_target(target, allow, resolver, refuse)


def check_target(
    target: Target,
    allow: tuple[str, ...],
    resolver: Resolver | None = None,
    refuse: AddressPolicy | None = None,
) -> None:
    what = "SERVICE" if target.keyword == "SERVICE" else "LOAD"
    where = f" (line {target.line}, column {target.column})"
    if target.variable is not None:
        _refuse(
            target,
            f"{what} ?{target.variable}{where} is refused: a SERVICE target must be a fixed IRI "
            "so it can be checked before the query runs",
        )
    if target.iri is None:
        _refuse(target, f"{what} {target.raw or '(nothing)'}{where} is refused: {target.problem}")
    iri = target.iri
    if what == "LOAD" and iri.lower().startswith("file:"):
        _refuse(target, f"LOAD <{iri}>{where} is refused: this endpoint never reads local files")
    if not allow:
        _refuse(
            target,
            f"{what} <{iri}>{where} is refused: this endpoint calls no remote endpoints; "
            f"an operator can allow some with the setting `{SETTING}` ({_ENV}), "
            "a comma-separated list of IRI prefixes",
        )
    check_url(iri, allow, resolver, label=f"{what} <{iri}>{where}", refuse=refuse)


@dataclass(frozen=True)
class Endpoint:
    """A URL that passed the guard, and the addresses it may be fetched from."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]


class StaticResolver(dict):
    """A resolver from a fixed table `{host: [addresses]}` (picklable; for tests)."""

    def __call__(self, host: str, port: int) -> list[str]:
        if host not in self:
            raise OSError(f"{host} is not in the table")
        return list(self[host])


def _address_refused(address: str, port: int) -> str | None:
    return non_public(address)


@dataclass(frozen=True)
class Permit:
    """The default address policy, plus some (address, port) pairs let through.

    Only for tests that stand a local server in for a public endpoint; picklable,
    so it reaches the worker processes.
    """

    pairs: frozenset[tuple[str, int]]

    def __call__(self, address: str, port: int) -> str | None:
        return None if (address, port) in self.pairs else non_public(address)


def check_url(
    url: str,
    allow: tuple[str, ...],
    resolver: Resolver | None = None,
    label: str | None = None,
    refuse: AddressPolicy | None = None,
) -> Endpoint:
    """Check one URL against the rules; return where it may be fetched from.

    `refuse(address, port)` says why an address must not be contacted (the
    default refuses every non-public address; tests may narrow it).
    """
    label = label or f"<{url}>"
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        _refuse_url(url, f"{label} is refused: only http and https IRIs may be fetched")
    if not any(is_under(url, prefix) for prefix in allow):
        _refuse_url(
            url,
            f"{label} is refused: it is not under any prefix of the setting `{SETTING}` "
            f"({_ENV}); allowed: {', '.join(allow) or 'none'}",
        )
    authority = url.split("://", 1)[1]
    authority = re.split(r"[/?#]", authority, maxsplit=1)[0]
    match = _AUTHORITY.match(authority)
    host = match.group("host") if match else ""
    if not match or (not host.startswith("[") and not _HOST.match(host)):
        _refuse_url(
            url,
            f"{label} is refused: its host part {authority!r} is not a plain host name, "
            "IP address or host:port",
        )
    port = int(match.group("port") or (443 if scheme == "https" else 80))
    if not 0 < port < 65536:
        _refuse_url(url, f"{label} is refused: port {port} does not exist")
    host = host.strip("[]")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = (resolver or system_resolver)(host, port)
        except (OSError, UnicodeError):
            addresses = []
        if not addresses:
            _refuse_url(url, f"{label} is refused: its host {host!r} does not resolve")
    for address in addresses:
        reason = (refuse or _address_refused)(address, port)
        if reason:
            shown = "" if address == host else f" (its host {host!r} resolves to {address})"
            _refuse_url(url, f"{label} is refused: it points to a {reason} address{shown}")
    return Endpoint(url, scheme, host, port, tuple(addresses))


def is_under(url: str, prefix: str) -> bool:
    """Whether `url` is under the allowed `prefix`: same scheme and authority, path below.

    Compared by parts, not as text, so `https://a.example` does not let through
    `https://a.example.evil.example/`.
    """
    target, allowed = urlsplit(url), urlsplit(prefix)
    if (target.scheme.lower(), target.netloc.lower()) != (
        allowed.scheme.lower(),
        allowed.netloc.lower(),
    ):
        return False
    if not allowed.netloc:
        return False
    path = allowed.path
    if not target.path.startswith(path):
        return False
    rest = target.path[len(path) :]
    if path and not path.endswith("/") and rest and not rest.startswith("/"):
        return False  # "/sparql" allows "/sparql" and "/sparql/x", not "/sparqlx"
    return not allowed.query or url.startswith(prefix)


def non_public(address: str) -> str | None:
    """Why `address` must not be fetched ("loopback", "private"...), or None when public."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "unparseable"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            inner = non_public(str(embedded))
            if inner:
                return inner
    checks = [
        ("loopback", ip.is_loopback),
        ("unspecified", ip.is_unspecified),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        ("shared", isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED),
        ("non-global", not ip.is_global),
    ]
    return next((name for name, hit in checks if hit), None)


def _refuse(target: Target, message: str) -> NoReturn:
    raise ForbiddenOperation(message, operation=target.keyword, target=target.iri or target.raw)


def _refuse_url(url: str, message: str) -> NoReturn:
    raise ForbiddenOperation(message, target=url)
