"""Markdown for policy texts: markdown-it-py renders, nh3 keeps only plain structural HTML.

Privacy imports no other app of ours, so it has its own small renderer rather than content's.
Policy texts are written by operators, yet they are still sanitised: an admin account is a target too.
"""

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(["table", "strikethrough"])

_TAGS = {
    "p", "br", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h2", "h3",
    "h4", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}


def policy_render(text: str) -> str:
    return nh3.clean(
        _markdown.render(text),
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener",
    )
