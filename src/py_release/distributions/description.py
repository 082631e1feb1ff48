"""The long description as PyPI renders it at upload, and twine's strict warnings about it.

PyPI refuses a description that ``readme_renderer`` cannot render in its content type
(reStructuredText when none is given). A missing description or content type is only a warning:
PyPI accepts it; ``twine check --strict`` fails on it, as ``verify-metadata: strict`` does.
"""

from __future__ import annotations

import io
import re
from email.message import EmailMessage

import readme_renderer.rst

from py_release.distributions.upload_form import UploadForm
from py_release.errors import Problem

_HINT = (
    'set a README that renders on PyPI: `readme = "README.md"` in [project] '
    "(its content type is then set for you)"
)
_RST_REPORT = re.compile(r"^<string>:(?P<line>\d*): \((?P<level>[A-Z]+)/\d+\) (?P<text>.*)", re.S)


def _content_type(value: str) -> str:
    message = EmailMessage()
    message["content-type"] = value
    return message.get_content_type()


def _rst_errors(text: str) -> str:
    stream = io.StringIO()
    readme_renderer.rst.render(text, stream=stream)
    lines = []
    for report in stream.getvalue().strip().split("\n<string>"):
        report = report if report.startswith("<string>") else "<string>" + report
        matched = _RST_REPORT.match(report.strip())
        if matched:
            lines.append(f"line {matched['line']}: {matched['text'].strip().splitlines()[0]}")
    return "; ".join(lines)


def description_problems(file: str, form: UploadForm) -> list[Problem]:
    description = form.get("description")
    declared = form.get("description_content_type")
    warnings = []
    if declared is None:
        warnings.append(
            Problem(
                file,
                "`long_description_content_type` missing. defaulting to `text/x-rst`.",
                'set the content type: `readme = "README.md"` (or README.rst) in [project]',
                by="twine",
                severity="warning",
            )
        )
    if not description or description.rstrip() == "UNKNOWN":
        return [
            *warnings,
            Problem(
                file,
                "`long_description` missing.",
                'add a README: `readme = "README.md"` in [project]',
                by="twine",
                severity="warning",
            ),
        ]
    content_type = _content_type(declared) if declared else "text/x-rst"
    if content_type == "text/x-rst":
        rendered = readme_renderer.rst.render(description, stream=io.StringIO()) is not None
    else:
        # Plain text always renders. Markdown fails only when it renders to nothing, which a
        # blank description does; other empty renderings (a README of nothing but link
        # definitions) are not checked: that needs readme_renderer[md]'s native renderer.
        rendered = content_type != "text/markdown" or bool(description.strip())
    if rendered:
        return warnings
    what = (
        f"The description failed to render for '{declared}'."
        if declared
        else "The description failed to render in the default format of reStructuredText."
    )
    detail = _rst_errors(description) if content_type == "text/x-rst" else ""
    return [
        *warnings,
        Problem(file, what + (f" ({detail})" if detail else ""), _HINT, by="PyPI"),
    ]
