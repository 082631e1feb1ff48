"""Text from outside never becomes Markdown or HTML in the job summary. The summary of a run
full of hostile text (file and member names, a tag, an index's reason, a certificate identity)
is rendered with cmark-gfm, GitHub's own renderer, and what it shows is checked: no element
the summary did not write, and every hostile string there as text."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from py_release.distributions.check import CheckedDist, CheckReport
from py_release.distributions.files import DistFile
from py_release.errors import UploadError
from py_release.index.credentials import StaticCredentials
from py_release.index.repositories import index_info
from py_release.markdown import code, fenced, prose
from py_release.plan import AttestationRecord, Decision, Plan
from py_release.summary import summary_markdown
from tests.unit.artefacts import make_wheel

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "[click](https://evil.example/)",
    "![pixel](https://evil.example/p.png)",
    "**bold** _em_ ~~gone~~ `tick` ``two``",
    "https://evil.example/autolink www.evil.example mail@evil.example @octocat",
    "| forged | cell |",
    "</details><script>alert(1)</script>",
    "```\n## forged heading\n```",
    "&amp; &#60;b&#62; \\* trailing\\",
    "line one\r\n- forged list\n> quote\n# heading",
]


def _render(markdown: str) -> str:
    # Raw HTML allowed, as GitHub allows some: anything that got through would show.
    return str(
        cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)
    )


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parsed(markdown: str) -> _Tags:
    parser = _Tags()
    parser.feed(_render(markdown))
    return parser


def _visible(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u200b", "")).strip()


@pytest.mark.parametrize("text", HOSTILE)
def test_prose_and_code_render_as_the_same_text(text: str) -> None:
    for markdown, allowed in (
        (f"| a |\n|---|\n| {prose(text)} |\n", {"table", "thead", "tr", "th", "tbody", "td", "br"}),
        (
            f"| a |\n|---|\n| {code(text)} |\n",
            {"table", "thead", "tr", "th", "tbody", "td", "code"},
        ),
        ("\n".join(fenced(text)) + "\n", {"pre", "code"}),
    ):
        parsed = _parsed(markdown)
        assert {tag for tag, _ in parsed.tags} <= allowed, markdown
        shown = _visible(" ".join(parsed.text))
        assert _visible(text).replace("\\", "") in shown.replace("\\", "") or (
            _visible(text) in shown
        ), (text, shown)


def _hostile_plan(tmp_path: Path) -> tuple[Plan, UploadError]:
    name = "<img src=x>[x](https:__evil)"
    wheel = make_wheel(
        tmp_path,
        filename=f"py_release_sample-1.0.0-py3-none-any.whl{name}.whl",
        files={f"py_release_sample/```\n## owned\n{name}.py": b"", "py_release_sample/a.py": b""},
    )
    dist = DistFile(wheel)
    decision = Decision(
        dry_run=False,
        dry_run_reason="tag v1.0.0<img src=x> is a release tag",
        build=(),
        build_reason="",
        index=index_info("https://upload.pypi.org/legacy/"),
        index_reason="repository is [auto](https://evil.example/)",
        credentials="password",
    )
    plan = Plan(
        decision=decision,
        credentials=StaticCredentials("__token__", None),
        dists=(dist,),
        report=CheckReport((CheckedDist(dist, "py-release-sample", "1.0.0"),), ()),
        attestations=(
            AttestationRecord(
                file=dist.name,
                path="",
                identity="https://x/`` <b>id</b>",
                log_index="7",
                reused=False,
            ),
        ),
    ).with_status(dist.name, "failed", "the index said: <b>no</b> ![i](https://evil.example/)")
    plan = plan.with_stage("build", "skipped", "using ready files: " + name)
    failure = UploadError("the index refused it: ```\n# heading\n<script>x</script>", "*fix*")
    return plan, failure


def test_the_summary_of_a_hostile_run_shows_text_not_markup(tmp_path: Path) -> None:
    plan, failure = _hostile_plan(tmp_path)

    markdown = summary_markdown(plan, failure)
    parsed = _parsed(markdown)

    tags = [tag for tag, _ in parsed.tags]
    assert "img" not in tags
    assert "script" not in tags
    assert "b" not in tags
    assert tags.count("h2") == 1  # the summary's own heading, nothing forged
    assert tags.count("h1") == 0
    links = [dict(attrs).get("href", "") for tag, attrs in parsed.tags if tag == "a"]
    assert not [link for link in links if link and "evil" in link]
    assert tags.count("details") == 1
    shown = " ".join(parsed.text)
    assert "<script>x</script>" in shown
    assert "<img src=x>" in html.unescape(shown)
