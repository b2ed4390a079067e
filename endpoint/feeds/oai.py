"""OAI-PMH 2.0 at `/oai` (GET and POST): the six verbs over the feeds' version store.

Items are entities; an item's record is its latest version (datestamp = the
time of that change, seconds granularity). Deleted entities keep a record with
`status="deleted"` for good (`deletedRecord` persistent). Sets are the
entities' ontology classes (`class:Museum`). Lists come in parts of
`oai_page_size` with stateless resumption tokens (`oai_args`).

Protocol errors are `<error code="...">` elements with HTTP 200, as the
protocol requires: the one place where errors do not use the app's JSON shape.
More than `oai_max_requests` requests at once get 503 with Retry-After.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from flask import Blueprint, Response, current_app, request
from museum_kg.endpoint.app import current_backend, current_settings
from museum_kg.endpoint.feeds.ldes import feed_root
from museum_kg.endpoint.feeds.oai_args import OaiRequest, parse
from museum_kg.endpoint.feeds.oai_xml import (
    OAI_DC,
    OAI_DC_SCHEMA,
    RDF_NS,
    datestamp,
    envelope,
    header,
    local_name,
    record,
    serialize,
    sub,
)
from museum_kg.endpoint.feeds.versions import Version, VersionStore, open_versions
from museum_kg.endpoint.publish.description import TITLE
from museum_kg.endpoint.publish.sparql import select, values
from rdflib import URIRef

from museum_kg.errors import OaiPmhError, Overloaded
from museum_kg.settings import Settings
from museum_kg.store.base import Backend

bp = Blueprint("oai", __name__)
RDF_SCHEMA_FILE = Path(__file__).with_name("rdf-record.xsd")
SLOTS_KEY = "museum_kg.feeds.oai_slots"
_slots_lock = threading.Lock()
RETRY_AFTER_S = 5


def _slots() -> threading.BoundedSemaphore:
    with _slots_lock:
        slots = current_app.extensions.get(SLOTS_KEY)
        if slots is None:
            slots = threading.BoundedSemaphore(current_settings().oai_max_requests)
            current_app.extensions[SLOTS_KEY] = slots
        return slots


@bp.route("/oai", methods=["GET", "POST"])
def oai() -> Response:
    slots = _slots()
    if not slots.acquire(blocking=False):
        raise Overloaded(RETRY_AFTER_S)
    try:
        pairs = list((request.form if request.method == "POST" else request.args).items(multi=True))
        return _xml(answer(pairs))
    finally:
        slots.release()


@bp.get("/oai/rdf.xsd")
def rdf_schema() -> Response:
    response = Response(RDF_SCHEMA_FILE.read_bytes(), mimetype="application/xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


def _xml(body: bytes) -> Response:
    return Response(body, status=200, content_type="text/xml; charset=utf-8")


def answer(pairs: list[tuple[str, str]]) -> bytes:
    base_url = feed_root() + "/oai"
    try:
        req = parse(pairs)
        root, _ = envelope(base_url, {"verb": req.verb, **req.args})
        VERBS[req.verb](root, req, current_settings(), current_backend())
    except OaiPmhError as exc:
        echo = {} if exc.oai_code in ("badVerb", "badArgument") else dict(pairs)
        root, _ = envelope(base_url, echo)
        sub(root, "error", exc.message, code=exc.oai_code)
    return serialize(root)


# --- formats and sets -------------------------------------------------------------------


def formats() -> dict[str, tuple[str, str]]:
    """metadataPrefix -> (schema, namespace)."""
    return {
        "oai_dc": (OAI_DC_SCHEMA, OAI_DC),
        "rdf": (feed_root() + "/oai/rdf.xsd", RDF_NS),
    }


def set_specs(version: Version, ontology: str) -> list[str]:
    return sorted({"class:" + local_name(c) for c in version.classes if c.startswith(ontology)})


def _ontology(settings: Settings) -> str:
    return settings.base_iri + "ontology#"


def _items(store: VersionStore, req: OaiRequest, settings: Settings) -> list[Version]:
    ontology = _ontology(settings)
    found = []
    for version in store.latest():
        moment = version.at.replace(microsecond=0)
        if req.start and moment < req.start:
            continue
        if req.end and moment > req.end:
            continue
        if req.set_spec and req.set_spec not in set_specs(version, ontology):
            continue
        found.append(version)
    return found


def _check_prefix(prefix: str | None) -> str:
    if prefix not in formats():
        raise OaiPmhError(
            "cannotDisseminateFormat",
            f"metadataPrefix {prefix!r} is not "
            "offered here; use oai_dc or rdf (see ListMetadataFormats)",
        )
    return prefix


# --- the verbs ---------------------------------------------------------------------------


def identify(root, req: OaiRequest, settings: Settings, backend: Backend) -> None:
    with open_versions(settings) as store:
        first = store.first_time()
    if first is None:  # nothing loaded yet: every future datestamp is later than now
        first = datetime.now(UTC)
    el = sub(root, "Identify")
    sub(el, "repositoryName", TITLE)
    sub(el, "baseURL", feed_root() + "/oai")
    sub(el, "protocolVersion", "2.0")
    sub(el, "adminEmail", settings.contact_email)
    sub(el, "earliestDatestamp", datestamp(first))
    sub(el, "deletedRecord", "persistent")
    sub(el, "granularity", "YYYY-MM-DDThh:mm:ssZ")


def list_metadata_formats(root, req: OaiRequest, settings: Settings, backend: Backend) -> None:
    if req.identifier is not None:
        with open_versions(settings) as store:
            found = store.latest_of(req.identifier)
        if found is None:
            raise OaiPmhError("idDoesNotExist", f"no item has the identifier {req.identifier!r}")
        if found.deleted:
            raise OaiPmhError(
                "noMetadataFormats", f"{req.identifier} was deleted; its record has a header only"
            )
    el = sub(root, "ListMetadataFormats")
    for prefix, (schema, namespace) in formats().items():
        fmt = sub(el, "metadataFormat")
        sub(fmt, "metadataPrefix", prefix)
        sub(fmt, "schema", schema)
        sub(fmt, "metadataNamespace", namespace)


def list_sets(root, req: OaiRequest, settings: Settings, backend: Backend) -> None:
    if "resumptionToken" in req.args:
        raise OaiPmhError("badResumptionToken", "ListSets is never split; ask without a token")
    ontology = _ontology(settings)
    with open_versions(settings) as store:
        classes = sorted({c for v in store.latest() for c in v.classes if c.startswith(ontology)})
    if not classes:
        raise OaiPmhError("noSetHierarchy", "no item has a class yet, so there are no sets")
    labels = _class_labels(backend, settings, classes)
    el = sub(root, "ListSets")
    for cls in classes:
        item = sub(el, "set")
        sub(item, "setSpec", "class:" + local_name(cls))
        sub(item, "setName", labels.get(cls) or local_name(cls))


def _class_labels(backend: Backend, settings: Settings, classes: list[str]) -> dict[str, str]:
    query = (
        "SELECT ?c ?l WHERE { "
        + values("c", *(URIRef(c) for c in classes))
        + ' GRAPH ?g { ?c rdfs:label ?l } FILTER(LANGMATCHES(LANG(?l), "en")) }'
    )
    return {str(row["c"]): str(row["l"]) for row in select(backend, settings, query)}


def get_record(root, req: OaiRequest, settings: Settings, backend: Backend) -> None:
    prefix = _check_prefix(req.prefix)
    with open_versions(settings) as store:
        found = store.latest_of(req.identifier or "")
    if found is None:
        raise OaiPmhError("idDoesNotExist", f"no item has the identifier {req.identifier!r}")
    record(sub(root, "GetRecord"), found, set_specs(found, _ontology(settings)), prefix)


def _list(root, req: OaiRequest, settings: Settings, backend: Backend, full: bool) -> None:
    prefix = _check_prefix(req.prefix)
    with open_versions(settings) as store:
        items = _items(store, req, settings)
        rest = [v for v in items if v.id > req.after]
        part = rest[: settings.oai_page_size]
        if full:  # the statements of the records sent, read only for those
            part = [store.get(v.id) or v for v in part]
    if not part:
        raise OaiPmhError("noRecordsMatch", "no record matches these from, until and set arguments")
    el = sub(root, "ListRecords" if full else "ListIdentifiers")
    ontology = _ontology(settings)
    for version in part:
        if full:
            record(el, version, set_specs(version, ontology), prefix)
        else:
            header(el, version, set_specs(version, ontology))
    cursor = len(items) - len(rest)
    size = str(len(items))
    if len(rest) > len(part):
        token = req.token(part[-1].id, cursor + len(part))
        sub(el, "resumptionToken", token, completeListSize=size, cursor=str(cursor))
    elif "resumptionToken" in req.args:
        sub(el, "resumptionToken", None, completeListSize=size, cursor=str(cursor))


def list_identifiers(root, req: OaiRequest, settings: Settings, backend: Backend) -> None:
    _list(root, req, settings, backend, full=False)


def list_records(root, req: OaiRequest, settings: Settings, backend: Backend) -> None:
    _list(root, req, settings, backend, full=True)


VERBS = {
    "Identify": identify,
    "ListMetadataFormats": list_metadata_formats,
    "ListSets": list_sets,
    "GetRecord": get_record,
    "ListIdentifiers": list_identifiers,
    "ListRecords": list_records,
}
