"""The one mapping from error classes to HTTP statuses, and the one JSON error shape."""

from __future__ import annotations

import pytest
from flask import Blueprint
from museum_kg.endpoint.errors import status_for

from museum_kg import errors as e


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (e.RequestError("bad"), 400),
        (e.ParameterError("year", "16a", "an xsd:gYear", "2016"), 400),
        (e.QuerySyntaxError("expected }", 1, 2), 400),
        (e.ForbiddenOperation("no SERVICE"), 400),
        (e.RdfSyntaxError("x.ttl", "bad"), 400),
        (e.Unauthorized("token"), 401),
        (e.Forbidden("no"), 403),
        (e.NotFound("none"), 404),
        (e.MethodNotAllowed("no"), 405),
        (e.NotAcceptable("image/png", ["text/csv"]), 406),
        (e.Gone("gone"), 410),
        (e.PayloadTooLarge(10, 5), 413),
        (e.UnsupportedMediaType("text/csv", ["text/turtle"]), 415),
        (e.QueryTimeout(2.0), 503),
        (e.Overloaded(7), 503),
        (e.StoreError("disk"), 503),
        (e.BackendError("remote"), 502),
        (e.ConfigError("port", 0, "a port"), 500),
    ],
)
def test_each_error_class_has_its_status(error, status):
    assert status_for(error) == status


@pytest.fixture(scope="module")
def failing_app(server_factory):
    server = server_factory()
    bp = Blueprint("failing", __name__)

    @bp.get("/fail/<kind>")
    def fail(kind: str):
        if kind == "overloaded":
            raise e.Overloaded(7)
        if kind == "method":
            raise e.MethodNotAllowed("read only", allowed=["GET", "HEAD"])
        raise RuntimeError("secret internal detail")

    server.app.register_blueprint(bp)
    return server.app


def test_overloaded_is_a_503_with_retry_after(failing_app):
    r = failing_app.test_client().get("/fail/overloaded")
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "7"
    assert r.get_json() == {
        "error": "overloaded",
        "message": "the server is busy; retry in 7 s",
        "details": {"retry_after_s": 7},
    }


def test_method_not_allowed_names_the_allowed_methods(failing_app):
    r = failing_app.test_client().get("/fail/method")
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, HEAD"


def test_a_bug_is_a_500_with_a_generic_message_and_no_traceback(failing_app):
    r = failing_app.test_client().get("/fail/bug")
    assert r.status_code == 500
    body = r.get_json()
    assert body["error"] == "internal_error"
    assert "secret" not in r.get_data(as_text=True)
    assert "Traceback" not in r.get_data(as_text=True)


def test_browsers_get_the_error_as_a_page(client):
    r = client.get("/nowhere", headers={"Accept": "text/html,*/*;q=0.8"})
    assert r.status_code == 404
    assert r.mimetype == "text/html"
    assert "/nowhere" in r.get_data(as_text=True)
    assert client.get("/nowhere").get_json()["error"] == "not_found"


def test_every_error_class_is_mapped_deliberately():
    from museum_kg.endpoint.errors import STATUS

    listed = {cls for cls, _ in STATUS}
    families = (e.RequestError, e.LoadError)
    for name in dir(e):
        cls = getattr(e, name)
        if isinstance(cls, type) and issubclass(cls, e.MuseumKGError):
            assert cls in listed or issubclass(cls, families), (
                f"{name} has no HTTP status in museum_kg.endpoint.errors.STATUS"
            )


@pytest.mark.browser
def test_error_pages_link_the_paths_they_name(browser, bundled_page_server):
    page = browser.new_page()
    try:
        response = page.goto(bundled_page_server.url + "id/org/no-such-museum")
        assert response.status == 404
        assert page.locator(".error-message a[href='/dataset']").count() == 1
        assert page.locator(".error-message a[href='/search']").count() == 1
        response = page.goto(bundled_page_server.url + "queries/no-such-query")
        assert response.status == 404
        message = page.locator(".error-message").inner_text()
        assert "museum-kg query" not in message  # no command line for a browser user
        with page.expect_navigation():
            page.click(".error-message a[href='/queries']")
        assert page.locator("h1").inner_text() == "Saved queries"
    finally:
        page.close()
