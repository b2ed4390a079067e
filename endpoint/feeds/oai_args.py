"""OAI-PMH request arguments: which verb allows which, dates, and resumption tokens.

`parse(pairs)` checks a request's (name, value) pairs against the protocol and
returns an `OaiRequest`, or raises `OaiPmhError` with the protocol's code
(badVerb, badArgument, badResumptionToken). Resumption tokens are stateless:
the URL-safe base64 of a small JSON object naming the verb, the list's
arguments, the change id of the last item sent and the cursor; the list
continues after that id, so items a load changes meanwhile move to the end of
the list instead of shifting the positions of the others.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from museum_kg.errors import OaiPmhError

LISTS = {"from", "until", "set", "metadataPrefix"}
ALLOWED = {
    "Identify": (set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}),
    "ListSets": (set(), set()),
    "GetRecord": ({"identifier", "metadataPrefix"}, set()),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set"}),
}
RESUMABLE = {"ListSets", "ListIdentifiers", "ListRecords"}
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
PREFIX = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+$")
SET_SPEC = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*$")


@dataclass(frozen=True)
class OaiRequest:
    verb: str
    args: dict[str, str]  # as given (echoed in the response's request element)
    prefix: str | None = None
    identifier: str | None = None
    start: datetime | None = None  # from, inclusive
    end: datetime | None = None  # until, inclusive
    set_spec: str | None = None
    after: int = 0  # change id of the last item already sent
    cursor: int = 0  # how many items were already sent

    def token(self, after: int, cursor: int) -> str:
        """The resumption token of the list's next part."""
        fmt = "%Y-%m-%dT%H:%M:%SZ"
        data = {
            "v": self.verb,
            "m": self.prefix,
            "f": self.start.strftime(fmt) if self.start else None,
            "u": self.end.strftime(fmt) if self.end else None,
            "s": self.set_spec,
            "a": after,
            "c": cursor,
        }
        text = json.dumps({k: v for k, v in data.items() if v is not None}, separators=(",", ":"))
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def bad(message: str) -> OaiPmhError:
    return OaiPmhError("badArgument", message)


def parse(pairs: list[tuple[str, str]]) -> OaiRequest:
    verbs = [v for k, v in pairs if k == "verb"]
    if not verbs:
        raise OaiPmhError("badVerb", "the request has no verb; add verb=Identify to start")
    if len(verbs) > 1:
        raise OaiPmhError("badVerb", "the verb argument is repeated; give exactly one verb")
    verb = verbs[0]
    if verb not in ALLOWED:
        raise OaiPmhError(
            "badVerb", f"{verb!r} is not an OAI-PMH verb; use one of " + ", ".join(ALLOWED)
        )
    args: dict[str, str] = {}
    for name, value in pairs:
        if name == "verb":
            continue
        if name in args:
            raise bad(f"the argument {name!r} is repeated; give it once")
        args[name] = value
    required, optional = ALLOWED[verb]
    if "resumptionToken" in args:
        if verb not in RESUMABLE:
            raise bad(f"{verb} takes no resumptionToken")
        if len(args) > 1:
            others = ", ".join(sorted(a for a in args if a != "resumptionToken"))
            raise bad(f"resumptionToken is an exclusive argument; remove {others}")
        return from_token(verb, args)
    unknown = sorted(set(args) - required - optional)
    if unknown:
        raise bad(
            f"{verb} does not take the argument(s) {', '.join(unknown)}; it takes "
            + (", ".join(sorted(required | optional)) or "none")
        )
    missing = sorted(required - set(args))
    if missing:
        raise bad(f"{verb} needs the argument(s) {', '.join(missing)}")
    for name, value in args.items():
        if not value:
            raise bad(f"the argument {name!r} is empty")
    prefix = args.get("metadataPrefix")
    if prefix is not None and not PREFIX.match(prefix):
        raise bad(f"metadataPrefix {prefix!r} is not a metadata prefix such as oai_dc")
    start, end = dates(args.get("from"), args.get("until"))
    set_spec = args.get("set")
    if set_spec is not None and not SET_SPEC.match(set_spec):
        raise bad(f"set {set_spec!r} is not a setSpec such as class:Museum")
    return OaiRequest(
        verb, args, args.get("metadataPrefix"), args.get("identifier"), start, end, set_spec
    )


def _moment(name: str, text: str, end: bool) -> tuple[datetime, str]:
    try:
        if DAY.match(text):
            day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
            return (day.replace(hour=23, minute=59, second=59) if end else day), "day"
        if SECOND.match(text):
            return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC), "second"
    except ValueError:
        pass
    raise bad(f"{name}={text!r} is not a UTC datestamp such as 2026-11-22 or 2026-11-22T08:30:00Z")


def dates(start: str | None, end: str | None) -> tuple[datetime | None, datetime | None]:
    s = _moment("from", start, False) if start else None
    e = _moment("until", end, True) if end else None
    if s and e:
        if s[1] != e[1]:
            raise bad("from and until must have the same granularity (both days or both seconds)")
        if s[0] > e[0]:
            raise bad(f"from ({start}) is later than until ({end})")
    return (s[0] if s else None), (e[0] if e else None)


def from_token(verb: str, args: dict[str, str]) -> OaiRequest:
    text = args["resumptionToken"]
    try:
        padded = text + "=" * (-len(text) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not isinstance(data, dict) or data.get("v") != verb:
            raise ValueError("token of another verb")
        after, cursor = int(data["a"]), int(data["c"])
        prefix, set_spec = data.get("m"), data.get("s")
        if after < 0 or cursor < 0 or (verb != "ListSets" and not isinstance(prefix, str)):
            raise ValueError("bad position")
        start, end = dates(data.get("f"), data.get("u"))
    except (ValueError, KeyError, TypeError, UnicodeError, binascii.Error, OaiPmhError):
        raise OaiPmhError(
            "badResumptionToken",
            "the resumptionToken is not one this "
            "repository issued for this verb; restart the list without it",
        ) from None
    return OaiRequest(verb, args, prefix, None, start, end, set_spec, after, cursor)
