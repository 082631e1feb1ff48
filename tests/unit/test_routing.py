"""Which index a run publishes to, and why: the `repository` input's routing by trigger."""

from __future__ import annotations

import pytest

from py_release.config import load_config
from py_release.decide import decide
from py_release.errors import InputError
from py_release.github.context import GitHubContext

PYPI = "https://upload.pypi.org/legacy/"
TESTPYPI = "https://test.pypi.org/legacy/"


@pytest.mark.parametrize(
    ("event", "ref", "index", "dry_run"),
    [
        ("push", "refs/tags/v1.2.3", PYPI, False),
        ("push", "refs/tags/v1.2.3-rc.1", PYPI, False),
        ("release", "refs/tags/v2.0.0", PYPI, False),
        ("push", "refs/tags/nightly", TESTPYPI, False),
        ("push", "refs/tags/v1.2", TESTPYPI, False),
        ("push", "refs/heads/main", TESTPYPI, False),
        ("workflow_dispatch", "refs/heads/main", TESTPYPI, False),
        ("pull_request", "refs/pull/7/merge", TESTPYPI, True),
        ("merge_group", "refs/heads/gh-readonly-queue/main/pr-1", TESTPYPI, True),
    ],
)
def test_auto_routes_by_trigger(event: str, ref: str, index: str, dry_run: bool) -> None:
    config = load_config({"INPUT_REPOSITORY": "auto"})
    decision = decide(config, GitHubContext(event_name=event, ref=ref), has_dists=True)
    assert decision.index.upload_url == index
    assert decision.dry_run is dry_run
    assert "repository is auto" in decision.index_reason


@pytest.mark.parametrize(
    ("repository", "index"),
    [("pypi", PYPI), ("TestPyPI", TESTPYPI), ("https://pkgs.example.com/legacy/", None)],
)
def test_a_named_index_or_url(repository: str, index: str | None) -> None:
    config = load_config({"INPUT_REPOSITORY": repository})
    decision = decide(config, GitHubContext(event_name="push"), has_dists=True)
    assert decision.index.upload_url == (index or repository)


def test_without_repository_the_reference_actions_repository_url_rules() -> None:
    config = load_config({"INPUT_REPOSITORY-URL": "https://pkgs.example.com/legacy/"})
    decision = decide(config, GitHubContext(event_name="push"), has_dists=True)
    assert decision.index.upload_url == "https://pkgs.example.com/legacy/"
    assert decision.index_reason == "repository-url"


def test_a_custom_release_tag_pattern() -> None:
    config = load_config(
        {"INPUT_REPOSITORY": "auto", "INPUT_RELEASE-TAG-PATTERN": r"^release-\d+$"}
    )
    context = GitHubContext(event_name="push", ref="refs/tags/release-42")
    assert decide(config, context, has_dists=True).index.upload_url == PYPI


@pytest.mark.parametrize(
    ("environ", "needle"),
    [
        ({"INPUT_REPOSITORY": "pypy"}, "not pypi, testpypi, auto"),
        ({"INPUT_REPOSITORY": "ftp://x.example/"}, "not an http(s) URL"),
        ({"INPUT_REPOSITORY": "pypi", "INPUT_REPOSITORY-URL": "https://x.example/legacy/"},
         "together with repository-url"),
        ({"INPUT_RELEASE-TAG-PATTERN": "v[0-9"}, "not a regular expression"),
    ],
)  # fmt: skip
def test_bad_routing_inputs_name_the_input(environ: dict[str, str], needle: str) -> None:
    with pytest.raises(InputError) as caught:
        load_config(environ)
    assert needle in caught.value.message
    assert caught.value.hint
