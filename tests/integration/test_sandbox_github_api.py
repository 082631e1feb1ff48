"""The GitHub REST stand-in refuses what GitHub refuses, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from py_release.sandbox.github_api import GitHubApi
from tests.secrets_registry import register_secret

REPOSITORY = "octo-org/sample-project"
WRITE = register_secret("ghs_standin_write_token_0123456789")
READ = register_secret("ghs_standin_read_token_0123456789")
OTHER = register_secret("ghs_standin_other_repository_token")


@pytest.fixture
def api() -> Iterator[GitHubApi]:
    with GitHubApi() as server:
        server.add_repository(REPOSITORY)
        server.add_repository("octo-org/other")
        server.add_token(WRITE, repositories=[REPOSITORY], contents="write")
        server.add_token(READ, repositories=[REPOSITORY], contents="read")
        server.add_token(OTHER, repositories=["octo-org/other"], contents="write")
        yield server


def call(
    api: GitHubApi,
    method: str,
    path: str,
    token: str | None = WRITE,
    content_type: str | None = None,
    **kwargs: object,
) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if content_type:
        headers["Content-Type"] = content_type
    url = path if path.startswith("http") else f"{api.api_url}{path}"
    return requests.request(method, url, headers=headers, timeout=10, **kwargs)  # type: ignore[arg-type]


def create(api: GitHubApi, **body: object) -> requests.Response:
    return call(api, "POST", f"/repos/{REPOSITORY}/releases", json=body)


def test_tokens_are_checked(api: GitHubApi) -> None:
    assert call(api, "GET", f"/repos/{REPOSITORY}", token="ghs_unknown").status_code == 401
    assert call(api, "GET", f"/repos/{REPOSITORY}", token="ghs_unknown").json()["message"] == (
        "Bad credentials"
    )
    assert call(api, "GET", f"/repos/{REPOSITORY}", token=None).status_code == 404
    assert call(api, "GET", f"/repos/{REPOSITORY}", token=OTHER).status_code == 404
    assert call(api, "GET", f"/repos/{REPOSITORY}", token=READ).status_code == 200
    refused = call(
        api, "POST", f"/repos/{REPOSITORY}/releases", token=READ, json={"tag_name": "v1"}
    )
    assert refused.status_code == 403
    assert refused.json()["message"] == "Resource not accessible by integration"
    assert api.releases == []


def test_bodies_are_validated(api: GitHubApi) -> None:
    missing = create(api, name="no tag")
    assert missing.status_code == 422
    assert missing.json()["errors"] == [
        {"resource": "Release", "code": "missing_field", "field": "tag_name"}
    ]
    assert create(api, tag_name="v1", draft="yes").status_code == 422
    assert create(api, tag_name="v1", make_latest="always").status_code == 422
    not_json = call(api, "POST", f"/repos/{REPOSITORY}/releases", data=b"{")
    assert not_json.status_code == 400
    assert api.releases == []


def test_one_published_release_per_tag_and_drafts_are_hidden(api: GitHubApi) -> None:
    assert create(api, tag_name="v1").status_code == 201
    second = create(api, tag_name="v1")
    assert second.status_code == 422
    assert second.json()["errors"][0]["code"] == "already_exists"

    draft = create(api, tag_name="v2", draft=True).json()
    assert call(api, "GET", f"/repos/{REPOSITORY}/releases/tags/v2").status_code == 404
    assert call(api, "GET", f"/repos/{REPOSITORY}/releases/{draft['id']}").status_code == 200
    seen_by_reader = call(api, "GET", f"/repos/{REPOSITORY}/releases", token=READ).json()
    assert [r["tag_name"] for r in seen_by_reader] == ["v1"]
    path = f"/repos/{REPOSITORY}/releases/{draft['id']}"
    assert call(api, "GET", path, token=READ).status_code == 404


def test_assets_have_unique_names_digests_and_need_a_content_type(api: GitHubApi) -> None:
    release = create(api, tag_name="v1").json()
    upload = release["upload_url"]
    assert upload.endswith("/assets{?name,label}")
    target = upload.split("{")[0]

    def send(
        name: str, data: bytes, content_type: str | None = "application/octet-stream"
    ) -> requests.Response:
        return call(
            api, "POST", target, content_type=content_type, params={"name": name}, data=data
        )

    without_token = call(
        api, "POST", target, token=None, content_type="application/octet-stream",
        params={"name": "a.whl"}, data=b"abc",
    )  # fmt: skip
    assert without_token.status_code == 404
    first = send("a.whl", b"abc")
    assert first.status_code == 201
    assert first.json()["digest"] == (
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert (first.json()["size"], first.json()["state"]) == (3, "uploaded")
    duplicate = send("a.whl", b"abc")
    assert duplicate.status_code == 422
    assert duplicate.json()["errors"] == [
        {"resource": "ReleaseAsset", "code": "already_exists", "field": "name"}
    ]
    assert send("b.whl", b"abc", content_type=None).status_code == 422
    assert send("", b"abc").status_code == 422
    listed = call(api, "GET", f"/repos/{REPOSITORY}/releases/{release['id']}/assets").json()
    assert [a["name"] for a in listed] == ["a.whl"]


def test_lists_are_paginated_with_link_headers(api: GitHubApi) -> None:
    for number in range(3):
        assert create(api, tag_name=f"v{number}").status_code == 201

    first = call(api, "GET", f"/repos/{REPOSITORY}/releases", params={"per_page": 2})
    assert [r["tag_name"] for r in first.json()] == ["v2", "v1"]
    assert 'rel="next"' in first.headers["Link"]
    following = first.links["next"]["url"]
    second = call(api, "GET", following)
    assert [r["tag_name"] for r in second.json()] == ["v0"]
    assert "Link" not in second.headers
