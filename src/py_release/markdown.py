"""Text from outside (file names, metadata, an index's answers, tag and workflow names) on its
way into the job summary, which GitHub renders as GitHub-flavoured Markdown with some HTML: it
must come out as the same text, never as a link, an image, a heading, a table cell or HTML.

Written here because no maintained library escapes for GFM. The rules are CommonMark's: any
ASCII punctuation may be backslash-escaped and is then literal; a code span or a fenced block
is literal when its fence is longer than any run of backticks inside it. ``prose`` escapes the
characters that open inline constructs (emphasis, code, links and images, HTML, entities,
strikethrough, table cells) and breaks the patterns GFM turns into links by itself
(``scheme://``, ``www.``, e-mail addresses and @mentions); block constructs do not form
inside a table cell or after other text on a line, which is where prose goes.
"""

from __future__ import annotations

import html
import re

_ACTIVE = re.compile(r"([\\`*~\[\]!<>&|#])")
# "_" between two letters or digits can neither open nor close emphasis (CommonMark's flanking
# rules), so file names like py_release_sample stay readable; any other "_" is escaped.
_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
# After "@" a zero-width space (as an entity, so it survives our own escaping): neither an
# e-mail autolink nor an @mention can start with it; "\@" would still become both.
_AT = "@&#8203;"
_AUTOLINK = re.compile(r"(?i)(?<=[a-z0-9])(:)(?=//)|(?<=www)(\.)")
_BREAK = re.compile(r"\r\n|\r|\n")


def prose(text: str) -> str:
    """Plain text, inline (a table cell, after other text): the characters that open inline
    constructs escaped, autolink patterns broken, line breaks as ``<br>``."""
    lines = []
    for line in _BREAK.split(text):
        escaped = _UNDERSCORE.sub(r"\\_", _ACTIVE.sub(r"\\\1", line)).replace("@", _AT)
        lines.append(_AUTOLINK.sub(lambda m: "\\" + (m.group(1) or m.group(2)), escaped))
    return "<br>".join(lines)


def code(text: str) -> str:
    """A code span showing ``text`` as it is, safe in a table cell (GFM splits cells at ``|``
    before it reads code spans, so a ``|`` is escaped even there)."""
    flat = _BREAK.sub(" ", text)
    fence = "`" * (max((len(run) for run in re.findall(r"`+", flat)), default=0) + 1)
    # CommonMark takes one space off each end when both ends have one: pad only where needed.
    padded = flat.startswith("`") or flat.endswith("`") or (flat[:1] == flat[-1:] == " ")
    inner = f" {flat} " if padded else flat
    return f"{fence}{inner}{fence}".replace("|", "\\|")


def fenced(text: str) -> list[str]:
    """A fenced code block showing ``text`` as it is: the lines of the block."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, *_BREAK.split(text), fence]


def html_text(text: str) -> str:
    """Text inside our own HTML (``<summary>``): escaped for HTML, and Markdown inside a raw HTML
    line is not read."""
    return html.escape(_BREAK.sub(" ", text), quote=True)
