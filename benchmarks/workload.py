"""The query mix of the serving benchmark and a bounded HTTP load driver.

Each kind of request in `MIX` builds its n-th instance from a counter, so
parameters change from one request to the next (entity lookups never repeat
within a run; small parameter spaces such as countries or years cycle). Every
instance is plain SPARQL a peer server answers too; only `saved` differs: on
museum-kg it is the saved query through `/api/queries/{id}/run.csv`, on a peer
the equivalent SPARQL with the parameter written in. `EXPORT` (a 100,000-row
SELECT as CSV) is driven as a separate phase.

`drive(target, clients, seconds)` runs `clients` threads, each with one
keep-alive HTTP/1.1 connection to the loopback server, drawing requests from
the weighted mix until the time is up (requests under way then finish; each
has a client-side timeout). Latencies are recorded per kind.
"""

from __future__ import annotations

import http.client
import itertools
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

ID = "https://w3id.org/museum-kg/id/"
PREFIXES = (
    "PREFIX mkg: <https://w3id.org/museum-kg/ontology#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
)
EVENT_TYPES = ("Exhibition", "Forum", "Conference", "Workshop", "Festival", "TrainingCourse")
CSV = "text/csv"
JSON = "application/sparql-results+json"
TURTLE = "text/turtle"
SAVED_ID = "observations-of-entity"
SAVED_TEXT = """SELECT ?entity ?observation ?measure ?measureLabel ?value ?unit ?qualifier ?year
WHERE {
  VALUES ?entity { <%s> }
  ?observation mkg:observedEntity ?entity ; mkg:value ?value .
  OPTIONAL { ?observation mkg:measure ?measure
             OPTIONAL { ?measure rdfs:label ?measureLabel
                        FILTER(LANGMATCHES(LANG(?measureLabel), "en")) } }
  OPTIONAL { ?observation mkg:unit ?unit }
  OPTIONAL { ?observation mkg:qualifier ?qualifier }
  OPTIONAL { ?observation mkg:year ?year }
}
ORDER BY ?measure ?year"""


@dataclass(frozen=True)
class Scale:
    """How many entities of each kind the synthetic data set holds (for parameters)."""

    orgs: int
    people: int
    events: int
    cities: int
    countries: int = 24


def scale_for(entities: int) -> Scale:
    """The counts `museum-kg generate --entities N` produces (see loader/synthetic.py)."""
    return Scale(
        orgs=max(1, round(entities * 0.12)),
        people=max(1, round(entities * 0.10)),
        events=max(1, round(entities * 0.20)),
        cities=max(1, round(entities * 0.02)),
    )


@dataclass(frozen=True)
class Request:
    path: str  # "/sparql?query=..." or a saved-query URL
    accept: str


def sparql_get(base_path: str, query: str, accept: str) -> Request:
    return Request(f"{base_path}?{urllib.parse.urlencode({'query': PREFIXES + query})}", accept)


# Each kind: (weight in the mix, evaluation-heavy?, builder(n, scale, sparql_path, ours)).
Builder = Callable[[int, Scale, str, bool], Request]


def _lookup_iri(n: int, s: Scale, path: str, ours: bool) -> Request:
    org = f"{ID}org/syn-org-{(n * 7919) % s.orgs}"
    return sparql_get(path, f"SELECT ?p ?o WHERE {{ <{org}> ?p ?o }}", JSON)


def _lookup_label(n: int, s: Scale, path: str, ours: bool) -> Request:
    person = (n * 104729) % s.people
    q = f'SELECT ?s WHERE {{ ?s rdfs:label "Synthetic Person {person}"@en }}'
    return sparql_get(path, q, JSON)


def _join2(n: int, s: Scale, path: str, ours: bool) -> Request:
    city = f"{ID}place/syn-city-{(n * 31) % s.cities}"
    q = (
        "SELECT ?event ?org ?orgLabel WHERE {\n"
        f"  ?org mkg:locatedIn <{city}> ; rdfs:label ?orgLabel .\n"
        "  ?event mkg:organizer ?org .\n}"
    )
    return sparql_get(path, q, JSON)


def _join3(n: int, s: Scale, path: str, ours: bool) -> Request:
    country = f"{ID}place/syn-country-{n % s.countries}"
    q = (
        "SELECT ?person ?name ?org WHERE {\n"
        f"  ?org mkg:country <{country}> ; a mkg:Museum .\n"
        "  ?position mkg:organization ?org ; mkg:holder ?person .\n"
        "  ?person rdfs:label ?name .\n}"
    )
    return sparql_get(path, q, JSON)


def _agg_year(n: int, s: Scale, path: str, ours: bool) -> Request:
    kind = EVENT_TYPES[n % len(EVENT_TYPES)]
    q = (
        "SELECT ?year (COUNT(?event) AS ?events) WHERE {\n"
        f"  ?event a mkg:{kind} ; mkg:year ?year .\n"
        "} GROUP BY ?year ORDER BY ?year"
    )
    return sparql_get(path, q, JSON)


def _agg_country(n: int, s: Scale, path: str, ours: bool) -> Request:
    year = 2000 + n % 25
    q = (
        "SELECT ?country (COUNT(?event) AS ?events) WHERE {\n"
        f'  ?event mkg:year "{year}"^^xsd:gYear ; mkg:participantCountry ?country .\n'
        "} GROUP BY ?country ORDER BY DESC(?events)"
    )
    return sparql_get(path, q, JSON)


def _describe(n: int, s: Scale, path: str, ours: bool) -> Request:
    event = f"{ID}event/syn-event-{(n * 7907) % s.events}"
    if n % 2:
        return sparql_get(path, f"DESCRIBE <{event}>", TURTLE)
    return sparql_get(path, f"CONSTRUCT {{ <{event}> ?p ?o }} WHERE {{ <{event}> ?p ?o }}", TURTLE)


def _saved(n: int, s: Scale, path: str, ours: bool) -> Request:
    org = f"{ID}org/syn-org-{(n * 6151) % s.orgs}"
    if ours:
        params = urllib.parse.urlencode({"entity": org})
        return Request(f"/api/queries/{SAVED_ID}/run.csv?{params}", CSV)
    return sparql_get(path, SAVED_TEXT % org, CSV)


def _export_100k(n: int, s: Scale, path: str, ours: bool) -> Request:
    return sparql_get(path, "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 100000", CSV)


MIX: dict[str, tuple[int, bool, Builder]] = {
    "lookup_iri": (8, False, _lookup_iri),
    "lookup_label": (6, False, _lookup_label),
    "join_2hop": (4, False, _join2),
    "join_3hop": (2, True, _join3),
    "agg_year": (2, True, _agg_year),
    "agg_country": (2, True, _agg_country),
    "describe_construct": (4, False, _describe),
    "saved_query": (4, False, _saved),
}
# A 100,000-row export costs about a thousand lookups: inside the mix it would be all the mix
# measures, so it runs as a phase of its own (same clients, same servers, same minutes).
EXPORT: dict[str, tuple[int, bool, Builder]] = {"export_100k_csv": (1, False, _export_100k)}
HEAVY = tuple(name for name, (_, heavy, _) in MIX.items() if heavy)


@dataclass
class Target:
    name: str
    port: int
    sparql_path: str = "/sparql"
    ours: bool = False


@dataclass
class Run:
    """Latencies (seconds) per kind, errors, and the wall time of one load phase."""

    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    bytes: int = 0


def fetch(conn: http.client.HTTPConnection, request: Request) -> tuple[int, int]:
    """One GET on a keep-alive connection, body read to the end: (status, body bytes)."""
    conn.request("GET", request.path, headers={"Accept": request.accept})
    response = conn.getresponse()
    size = 0
    while chunk := response.read(65536):
        size += len(chunk)
    return response.status, size


def drive(
    target: Target,
    clients: int,
    seconds: float,
    scale: Scale,
    kinds: dict[str, tuple[int, bool, Builder]] | None = None,
    timeout: float = 60.0,
    fixed: Request | None = None,
) -> Run:
    """Run the mix (or the one `fixed` request) from `clients` threads for `seconds`."""
    kinds = kinds or MIX
    plan = [name for name, (weight, _, _) in kinds.items() for _ in range(weight)]
    counter = itertools.count()
    lock = threading.Lock()
    run = Run(latencies={k: [] for k in (kinds if fixed is None else ["fixed"])})
    start = time.perf_counter()
    stop_at = start + seconds

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", target.port, timeout=timeout)
        local: dict[str, list[float]] = {k: [] for k in run.latencies}
        errors: dict[str, int] = {}
        received = 0
        step = index * 7  # clients start at different places in the mix
        while time.perf_counter() < stop_at:
            n = next(counter)
            if fixed is None:
                kind = plan[(step + n) % len(plan)]
                request = kinds[kind][2](n, scale, target.sparql_path, target.ours)
            else:
                kind, request = "fixed", fixed
            began = time.perf_counter()
            try:
                status, size = fetch(conn, request)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", target.port, timeout=timeout)
                status, size = -1, 0
            elapsed = time.perf_counter() - began
            if status == 200:
                local[kind].append(elapsed)
                received += size
            else:
                errors[kind] = errors.get(kind, 0) + 1
        conn.close()
        with lock:
            for kind, values in local.items():
                run.latencies[kind].extend(values)
            for kind, count in errors.items():
                run.errors[kind] = run.errors.get(kind, 0) + count
            run.bytes += received

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + timeout + 30)
    run.seconds = time.perf_counter() - start
    return run


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(run: Run) -> dict:
    """Per kind and overall: requests, errors, queries per second, p50 and p99 in ms."""
    out: dict = {"kinds": {}}
    everything: list[float] = []
    for kind, values in run.latencies.items():
        everything.extend(values)
        out["kinds"][kind] = _stats(values, run.errors.get(kind, 0), run.seconds)
    out["overall"] = _stats(everything, sum(run.errors.values()), run.seconds)
    out["seconds"] = round(run.seconds, 2)
    out["mbytes"] = round(run.bytes / 1e6, 1)
    return out


def _stats(values: list[float], errors: int, seconds: float) -> dict:
    p50, p99 = percentile(values, 50), percentile(values, 99)
    return {
        "requests": len(values),
        "errors": errors,
        "qps": round(len(values) / seconds, 2) if seconds else None,
        "p50_ms": None if p50 is None else round(p50 * 1000, 2),
        "p99_ms": None if p99 is None else round(p99 * 1000, 2),
    }
