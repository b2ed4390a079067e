"""Bad input to the harvesting interfaces: OAI-PMH arguments, LDES paths, and the
saved-query API described by /openapi.json (schemathesis).

OAI-PMH answers errors as the protocol says: HTTP 200, an XML `<error code=...>` with one
of the protocol's codes (or 503 with Retry-After when too many harvesters are at work).
"""

from __future__ import annotations

import base64
import json

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from reliability_helpers import FULL, HTTP_TIMEOUT, check_error, marks, outcome, scale

pytestmark = marks()

OAI = "{http://www.openarchives.org/OAI/2.0/}"
OAI_CODES = {
    "badArgument", "badResumptionToken", "badVerb", "cannotDisseminateFormat",
    "idDoesNotExist", "noRecordsMatch", "noMetadataFormats", "noSetHierarchy",
}  # fmt: skip
VERBS = ["Identify", "ListMetadataFormats", "ListSets", "GetRecord", "ListIdentifiers",
         "ListRecords", "identify", "", "ListEverything"]  # fmt: skip
ARGS = ["verb", "metadataPrefix", "identifier", "from", "until", "set", "resumptionToken", "x"]
FUZZ = settings(
    max_examples=scale(40, 800),
    deadline=None,
    database=None,
    derandomize=not FULL,
    suppress_health_check=list(HealthCheck),
)


def token(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


values = st.sampled_from(
    [
        "oai_dc", "rdf", "marc", "", "\x1f", "oai:w3id.org:x\x0b", "2019-01-01",
        "2019-01-01T00:00:00Z", "2019-13-45",
        "9999-99-99T99:99:99Z", "0000-00-00", "2019-01-01T00:00:00+08:00", "class:Museum",
        "class:", "::", "https://w3id.org/museum-kg/id/org/guangdong-museum",
        "oai:w3id.org:museum-kg/id/org/guangdong-museum", "%", "\x00", "\u202e",
        token({"v": "ListRecords", "m": "rdf", "a": -1, "c": -5}),
        token({"v": "ListSets", "a": 10**30, "c": "x"}), token([1, 2]), token("x"),
        "eyJ2IjoiTGlzdFJlY29yZHMi", "!!!", "a" * 3000,
    ]
) | st.text(max_size=40)  # fmt: skip


def check_oai(response: requests.Response) -> str:
    """An OAI-PMH answer (200, XML, the verb's element or one protocol error) or a 503."""
    if response.status_code == 503:
        check_error(response)
        return "503"
    assert response.status_code == 200, (response.status_code, response.text[:300])
    assert response.headers["Content-Type"].startswith("text/xml")
    root = etree.fromstring(response.content)
    assert root.tag == OAI + "OAI-PMH"
    errors = root.findall(OAI + "error")
    for error in errors:
        assert error.get("code") in OAI_CODES, error.get("code")
        assert (error.text or "").strip()
    if errors:
        return "error " + ",".join(sorted({e.get("code") for e in errors}))
    assert len(root) == 3, [child.tag for child in root]  # responseDate, request, the verb
    return "ok"


def test_oai_pmh_arguments_get_a_protocol_answer_never_a_500(rel_server, figures):
    @FUZZ
    @given(
        pairs=st.lists(st.tuples(st.sampled_from(ARGS) | st.text(max_size=10), values), max_size=5),
        verb=st.sampled_from(VERBS[:6] * 4 + VERBS[6:] + [None]),
        method=st.sampled_from(["GET", "POST"]),
    )
    def trial(pairs, verb, method):
        if verb is not None:
            pairs = [("verb", verb), *pairs]
        kwargs = {"params": pairs} if method == "GET" else {"data": pairs}
        r = requests.request(method, rel_server.url + "oai", timeout=HTTP_TIMEOUT, **kwargs)
        figures.add("fuzz OAI-PMH arguments", inputs=1, **{check_oai(r): 1})

    trial()


@pytest.mark.parametrize(
    "path",
    ["feeds/ldes/-1", "feeds/ldes/99999999999999999999999", "feeds/ldes/version/0",
     "feeds/ldes/version/%ff", "feeds/ldes/1%00", "feeds/ldes/..%2f..%2fetc%2fpasswd",
     "oai?verb=%ff%fe", "oai?verb=Identify&verb=Identify", "oai?verb=GetRecord&identifier=%00"],
)  # fmt: skip
def test_feed_paths_with_odd_values_get_clean_answers(rel_server, path, figures):
    r = requests.get(rel_server.url + path, timeout=HTTP_TIMEOUT)
    figures.add("fuzz feed paths", inputs=1, **{outcome(r): 1})
    if path.startswith("oai"):
        check_oai(r)
    elif r.status_code != 200:
        check_error(r)


@pytest.mark.skipif(
    not FULL,
    reason="the default run already has tests/saved/test_openapi.py (a few examples per "
    "operation); MUSEUM_KG_RELIABILITY=full runs many more",
)
def test_openapi_operations_under_many_generated_requests(rel_server, figures):
    import schemathesis
    from hypothesis import Phase
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode

    schema = schemathesis.openapi.from_url(rel_server.url + "openapi.json")
    base = rel_server.url.rstrip("/")
    operations = [result.ok() for result in schema.get_all_operations()]
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        for operation in operations:

            @settings(
                max_examples=60,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def conforms(case) -> None:
                response = case.call_and_validate(base_url=base)
                figures.add("schemathesis /openapi.json", inputs=1)
                assert response.status_code < 500 or response.status_code == 503, response.text
                if response.status_code >= 400:  # the one JSON error shape
                    body = response.json()
                    assert set(body) <= {"error", "message", "details"}, body
                    assert body["error"] and body["message"], body

            try:
                conforms()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE
