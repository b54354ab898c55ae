"""Markdown in, safe HTML out: markdown-it-py renders, then nh3 (ammonia) keeps only what is allowed.

Raw HTML in the source is escaped by markdown-it (html=False) and nh3 removes anything that still got
through: no script, no event handlers, no javascript:/data: URLs. Links get rel="nofollow ugc noopener".
"""

import hashlib
import re
import unicodedata

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).enable(
    ["strikethrough", "table"]
)

_TAGS = {
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
_URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> str:
    html = _markdown.render(text)
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="nofollow ugc noopener",
    )


_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_SPACE = re.compile(r"\s+")


def count_links(text: str) -> int:
    """Links a reader would see: bare URLs and Markdown links (a Markdown link with a URL counts once)."""
    markdown_links = len(re.findall(r"\[[^\]]*\]\([^)]*\)", text))
    bare = len(re.findall(r"(?<!\()https?://", text, re.IGNORECASE))
    return markdown_links + bare


def fingerprint(text: str) -> str:
    """The same text, whatever its case, width, invisible characters or spacing, gives the same hash."""
    normal = unicodedata.normalize("NFKC", text)
    normal = _INVISIBLE.sub("", normal).casefold()
    normal = _SPACE.sub(" ", normal).strip()
    return hashlib.sha256(normal.encode()).hexdigest()
