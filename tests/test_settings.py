"""Settings: declared once, read from flags and environment in one place."""

from __future__ import annotations

from pathlib import Path

import pytest

from museum_kg.errors import ConfigError
from museum_kg.settings import Settings, default_threads, default_workers, env_var


def test_defaults_bind_loopback_and_refuse_federation() -> None:
    settings = Settings.load(env={})
    assert settings.host == "127.0.0.1"
    assert settings.service_allow == ()
    assert settings.update_token is None


def test_environment_variables_are_converted_to_field_types() -> None:
    env = {
        env_var("port"): "9001",
        env_var("timeout"): "2.5",
        env_var("union_default_graph"): "false",
        env_var("service_allow"): "https://query.wikidata.org/, https://dbpedia.org/sparql",
        env_var("store"): "/tmp/somewhere",
        env_var("max_rows"): "100",
        env_var("worker_idle_timeout"): "2.5",
    }
    settings = Settings.load(env=env)
    assert settings.port == 9001
    assert settings.timeout == 2.5
    assert settings.union_default_graph is False
    assert settings.service_allow == ("https://query.wikidata.org/", "https://dbpedia.org/sparql")
    assert settings.store == Path("/tmp/somewhere")
    assert settings.max_rows == 100
    assert settings.worker_idle_timeout == 2.5


def test_flags_win_over_environment_and_none_flags_are_ignored() -> None:
    settings = Settings.load(env={env_var("port"): "9001"}, port=9002, timeout=None)
    assert settings.port == 9002
    assert settings.timeout == Settings().timeout


@pytest.mark.parametrize(
    ("name", "raw", "fragment"),
    [
        ("port", "eighty", "a whole number"),
        ("port", "70000", "between 1 and 65535"),
        ("timeout", "-1", "positive number"),
        ("worker_idle_timeout", "-1", "0: workers never stop"),
        ("union_default_graph", "perhaps", "true or false"),
        ("base_iri", "https://example.org/no-slash", "ending with '/'"),
    ],
)
def test_a_bad_value_names_the_setting_and_what_to_use(name: str, raw: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.load(env={env_var(name): raw})
    assert f"`{name}`" in caught.value.message
    assert fragment in caught.value.message


def test_an_unknown_flag_is_an_error_not_ignored() -> None:
    with pytest.raises(ConfigError, match="one of"):
        Settings.load(env={}, colour="blue")


@pytest.mark.parametrize(
    ("cpus", "workers", "threads"), [(1, 4, 32), (2, 5, 32), (8, 17, 68), (64, 32, 128)]
)
def test_default_workers_follow_the_cpus_this_process_may_use(
    monkeypatch: pytest.MonkeyPatch, cpus: int, workers: int, threads: int
) -> None:
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(cpus)))
    assert default_workers() == workers
    assert default_threads() == threads
