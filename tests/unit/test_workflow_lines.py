"""Line numbers from the parser's node marks: jobs, steps in either YAML style, triggers, and
the line a secret is used on (never a comment that names it)."""

from __future__ import annotations

from py_release.workflow.lines import Lines

WORKFLOW = """\
on: [push, release]
env:
  TOKEN: ${{ secrets.TOP }}
permissions: write-all
jobs:
  # the job below uses secrets.PYPI_TOKEN
  build: {runs-on: ubuntu-latest, steps: [{run: echo}, {run: echo}]}
  publish:
    steps:
      - uses: actions/checkout@v4
      -
        name: upload
        run: |
          python -m build
          twine upload -p ${{ secrets.PYPI_TOKEN }} dist/*
"""


def test_jobs_and_top_level_keys_have_their_key_lines() -> None:
    lines = Lines(WORKFLOW)
    assert lines.top_key("permissions") == 4
    assert lines.job("build") == 7
    assert lines.job("publish") == 8
    assert lines.job("missing") is None


def test_steps_in_block_and_flow_style() -> None:
    lines = Lines(WORKFLOW)
    assert lines.steps("build", 2) == [7, 7]
    assert lines.steps("publish", 2) == [10, 12]
    assert lines.steps("publish", 3) == [10, 12, None]


def test_a_listed_trigger_is_found_on_its_line() -> None:
    assert Lines(WORKFLOW).trigger("release") == 1
    mapping = "on:\n  push:\n    tags: [v*]\n  workflow_dispatch:\njobs: {}\n"
    assert Lines(mapping).trigger("workflow_dispatch") == 4


def test_a_secret_is_found_where_it_is_used_not_in_a_comment() -> None:
    lines = Lines(WORKFLOW)
    assert lines.mention("secrets.PYPI_TOKEN", "publish") == 15
    # Used only in the workflow's env: found there, outside the job.
    assert lines.mention("secrets.TOP", "publish") == 3
    assert lines.mention("secrets.NONE", "publish") is None


def test_text_that_is_not_yaml_has_no_lines() -> None:
    lines = Lines("jobs: [unclosed\n")
    assert lines.job("x") is None
    assert lines.trigger("push") is None
