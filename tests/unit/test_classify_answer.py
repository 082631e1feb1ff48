"""What each answer of an index to an upload means."""

from __future__ import annotations

import pytest

from py_release.index.send import Answer, classify_answer

CASES: list[tuple[str, int, str, str, Answer]] = [
    ("200", 200, "OK", "", "ok"),
    ("201", 201, "Created", "", "ok"),
    ("409-pypiserver", 409, "Conflict", "File already exists", "exists"),
    ("409-empty", 409, "", "", "exists"),
    (
        "400-pypi-reason",
        400,
        "File already exists ('x-1.0.tar.gz', with blake2_256 hash 'ab'). See https://pypi.org/help/#file-name-reuse",
        "",
        "exists",
    ),
    ("400-body-only", 400, "Bad Request", "<p>This file already exists.</p>", "exists"),
    ("400-case", 400, "FILE ALREADY EXISTS", "", "exists"),
    ("400-other", 400, "Invalid value for classifiers", "", "error"),
    ("400-filename-reuse", 400, "This filename has already been used", "", "error"),
    ("401", 401, "Unauthorized", "", "auth"),
    ("403", 403, "Invalid or non-existent authentication information.", "", "auth"),
    ("403-body-says-exists", 403, "Forbidden", "already exists", "auth"),
    ("301", 301, "Moved Permanently", "", "redirect"),
    ("308", 308, "Permanent Redirect", "", "redirect"),
    ("500", 500, "Internal Server Error", "", "error"),
    ("503", 503, "Service Unavailable", "", "error"),
    ("404", 404, "Not Found", "", "error"),
]


@pytest.mark.parametrize(
    ("status", "reason", "body", "answer"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_classify_answer(status: int, reason: str, body: str, answer: Answer) -> None:
    assert classify_answer(status, reason, body) == answer


def test_a_refused_reused_attestation_is_named_as_an_earlier_runs() -> None:
    from pathlib import Path

    from py_release.distributions.files import DistFile
    from py_release.index.send import Attempt, refusal

    dist = DistFile(Path("dist/sample-1.0-py3-none-any.whl"))
    reason = "Could not verify the uploaded artifact using the included attestation: no match"
    attempt = Attempt("error", 400, reason)

    fresh = refusal(dist, attempt, skip_existing=False)
    reused = refusal(dist, attempt, skip_existing=False, reused_attestation=True)

    assert "publisher's settings" in fresh.hint
    assert "made by an earlier run and reused" in reused.message
    assert reused.hint.startswith(f"delete {dist.name}.publish.attestation")
    assert "publisher" not in reused.hint


def test_a_refusal_without_a_reason_does_not_point_at_one() -> None:
    from pathlib import Path

    from py_release.distributions.files import DistFile
    from py_release.index.send import Attempt, refusal

    dist = DistFile(Path("dist/sample-1.0.tar.gz"))
    bare = refusal(dist, Attempt("error", 400, "Bad Request"), skip_existing=False)
    said = refusal(dist, Attempt("error", 400, "Bad Request Invalid name"), skip_existing=False)

    assert "no reason beyond its status" in bare.hint
    assert "above" not in bare.hint
    assert "the index's reason is in this message" in said.hint
