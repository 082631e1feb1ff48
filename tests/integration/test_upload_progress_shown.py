"""A real upload through twine's Repository to pypiserver, on a terminal: the status line
follows the bytes of each request body as it goes out, and every log line stays whole."""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

import pytest
import requests

from py_release.config import load_config
from py_release.environment import release_environment
from py_release.github.context import GitHubContext
from py_release.release import run_release
from py_release.reporter import TerminalReporter
from tests.pypiserver import PypiServer
from tests.secrets_registry import assert_no_secrets, register_secret
from tests.unit.artefacts import dist_stem, make_sdist, make_wheel

NAME, VERSION = "progress-sample", "1.0.0"
CLEAR = "\r\033[K"


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_upload_shows_files_and_bytes_as_they_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    folder = tmp_path / "dist"
    folder.mkdir()
    stem = dist_stem(NAME, VERSION)
    files = [make_sdist(folder, name=NAME, version=VERSION)]
    for number in range(3):
        files.append(
            make_wheel(
                folder,
                name=NAME,
                version=VERSION,
                filename=f"{stem}-{number}-py3-none-any.whl",
                # Stored, not deflated: each wheel is ~2 MiB on the wire.
                files={"progress_sample/data.bin": os.urandom(2 << 20)},
                compression={"progress_sample/data.bin": zipfile.ZIP_STORED},
            )
        )
    err, out = Tty(), io.StringIO()
    reporter = TerminalReporter(verbose=False, out=out, err=err)
    reporter.progress_interval = 0.0  # every update drawn: the test sees each one
    with PypiServer(root=tmp_path / "index") as index:
        register_secret(index.password.reveal())
        config = load_config(
            {"INPUT_PASSWORD": index.password.reveal()},
            {"repository-url": index.url, "user": index.user, "packages-dir": str(folder),
             "attestations": "false", "build": "false", "concurrency": "2",
             "audit": "off"},
        )  # fmt: skip
        env = release_environment(
            config=config, context=GitHubContext(), reporter=reporter, session=requests.Session()
        )
        plan = run_release(env)

    assert plan.count("uploaded") == len(files)
    log = err.getvalue()
    assert_no_secrets(log + out.getvalue())
    frames = re.findall(r"upload: (\d) of 4 files, ([\d.]+) (B|KiB|MiB) of ([\d.]+) MiB sent", log)
    sent = [
        float(amount) * {"B": 1, "KiB": 1024, "MiB": 1 << 20}[unit] for _, amount, unit, _ in frames
    ]
    assert len(frames) > 8, "the body's bytes should move the status line many times"
    assert frames[-1][0] == "4"
    assert sent[-1] == pytest.approx(sum(p.stat().st_size for p in files), rel=0.01)
    assert any(0 < s < sent[-1] / 2 for s in sent), "partway figures, not only whole files"
    # The status line is erased when the uploads end, before the lines after them.
    assert log.rindex(CLEAR) > log.rindex("upload: ")
    # Each log line whole and on its own, the status line erased before it.
    lines = [
        line for line in re.split(r"\r\033\[K|\n", log) if line and not line.startswith("upload: ")
    ]
    for path in files:
        assert f"{path.name}: uploaded" in lines
