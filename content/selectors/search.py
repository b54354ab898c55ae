"""Search across posts, comments and events, English and Chinese, limited to what the viewer may read.

One SQL query whatever the number of results: a UNION ALL of the three kinds, each started from its
visibility selector (posts_readable, comments_readable, events_readable), ordered and cut in the database.
Snippets are highlighted here, from escaped text.

PostgreSQL: the stored `search_vector` (content/search.py) matched by a tsquery built from the same
segmentation: every term must match (as itself or as an English stem), the last one as a prefix; ranked
by ts_rank plus a small bonus for recent items. When nothing matches an all-Latin query, a second query
tries trigram word similarity on titles, for short English typos.
SQLite (the embedded profile): every term must appear (icontains) in the title or the text; title matches
first, then newest.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from content.exceptions import ContentError
from content.models import Comment, Event, Post
from content.search import is_cjk, query_terms
from content.selectors.visibility import Viewer, comments_readable, events_readable, posts_readable

QUERY_MAX = 200
KINDS = ("post", "comment", "event")
SNIPPET_CHARS = 180
MAX_OFFSET = 500  # deep pages of a ranked search are never read; bound the sort work


class SearchQueryInvalid(ContentError):
    code = "search_query_invalid"
    status = 400
    default_message = _("Type something to search for.")


@dataclass(frozen=True)
class ResultSpace:
    id: int
    slug: str
    name: str


@dataclass(frozen=True)
class SearchResult:
    kind: str  # "post", "comment" or "event"
    kind_label: str  # the model's verbose name, translated ("post", "帖子")
    id: int
    title: str  # plain text (a comment shows its post's title); escape it when rendering
    title_html: SafeString  # the title, escaped, matched terms in <mark>
    snippet: SafeString  # escaped text around the first match, matched terms in <mark>
    space: ResultSpace
    created_at: datetime
    url: str | None  # None until the detail page's URL exists
    solved: bool = False  # a question with an accepted answer (a comment: its question is)


class SearchResults(list):
    """A list of SearchResult with the cursor of the next page (None on the last page)."""

    next_cursor: str | None = None


def search_query_check(query: str) -> str:
    """The query, stripped, or SearchQueryInvalid with a sentence for the member."""
    query = (query or "").strip()
    if not query:
        raise SearchQueryInvalid(_("Type something to search for."))
    if len(query) > QUERY_MAX:
        raise SearchQueryInvalid(
            _("Searches can be at most %(max)d characters long (this one has %(count)d).")
            % {"max": QUERY_MAX, "count": len(query)}
        )
    return query


def search(
    *, viewer: Viewer, query: str, kind: str | None = None, limit: int = 20, cursor: str | None = None
) -> SearchResults:
    query = search_query_check(query)
    kinds = KINDS if kind in (None, "") else (kind,)
    if any(k not in KINDS for k in kinds):
        raise SearchQueryInvalid(_("Choose posts, comments or events."))
    limit = max(1, min(int(limit), 50))
    offset = _offset(cursor)
    terms = query_terms(query)
    if not terms:  # only punctuation: nothing can match, and no query is needed to know it
        return SearchResults()

    if connection.vendor == "postgresql":
        querysets = [_postgres_queryset(k, viewer=viewer, terms=terms) for k in kinds]
    else:
        querysets = [_fallback_queryset(k, viewer=viewer, words=query.split()) for k in kinds]
    rows = _page(querysets, offset=offset, limit=limit)
    if not rows and offset == 0 and connection.vendor == "postgresql" and _is_latin(query):
        fuzzy = [_fuzzy_queryset(k, viewer=viewer, query=query) for k in kinds if k != "comment"]
        rows = _page(fuzzy, offset=0, limit=limit) if fuzzy else []

    results = SearchResults(_result(row, terms) for row in rows[:limit])
    if len(rows) > limit and offset + limit < MAX_OFFSET:
        results.next_cursor = str(offset + limit)
    return results


def _offset(cursor: str | None) -> int:
    # The cursor is an offset: a ranked order has no stable key to seek from (recency moves the score).
    try:
        return max(0, min(int(cursor or 0), MAX_OFFSET))
    except (TypeError, ValueError):
        return 0


def _is_latin(query: str) -> bool:
    return len(query) >= 3 and query.isascii() and any(c.isalpha() for c in query)


# --- The three kinds as one row shape ------------------------------------------------------------------
# Every column is an annotation with an r_ prefix, built in the same order for each kind, so the UNION
# lines up (and no name clashes with a model field such as Post.kind).


def _shape(queryset: QuerySet, kind: str, score) -> QuerySet:
    if kind == "post":
        title, text, space, post_id = F("title"), F("body"), "space", F("id")
        solved = Q(kind="question", accepted_comment__isnull=False)
    elif kind == "comment":
        title, text, space, post_id = F("post__title"), F("body"), "post__space", F("post_id")
        solved = Q(post__kind="question", post__accepted_comment__isnull=False)
    else:
        title, text, space, post_id = F("title"), F("description"), "space", Value(None)
        solved = None
    columns = {
        "r_kind": Value(kind, output_field=CharField()),
        "r_id": F("id"),
        "r_title": Cast(title, CharField()),
        "r_text": Cast(text, CharField()),
        "r_space_id": F(f"{space}__id"),
        "r_space_slug": Cast(F(f"{space}__slug"), CharField()),
        "r_space_name": Cast(F(f"{space}__name"), CharField()),
        "r_post_id": Cast(post_id, IntegerField()),
        "r_created_at": F("created_at"),
        # "solved" is a column of the post row (Post.accepted_comment): no extra query
        "r_solved": Case(When(solved, then=Value(True)), default=Value(False), output_field=BooleanField())
        if solved is not None
        else Value(False, output_field=BooleanField()),
        "r_score": Cast(score, FloatField()),
    }
    return queryset.annotate(**columns).values(*columns)


def _readable(kind: str, viewer: Viewer) -> QuerySet:
    return {"post": posts_readable, "comment": comments_readable, "event": events_readable}[kind](
        viewer=viewer
    )


def _page(querysets: list[QuerySet], *, offset: int, limit: int) -> list[dict]:
    first, *rest = querysets
    combined = first.union(*rest, all=True) if rest else first
    return list(
        combined.order_by("-r_score", "-r_created_at", "r_kind", "-r_id")[offset : offset + limit + 1]
    )


# --- PostgreSQL ------------------------------------------------------------------------------------------


class _Recency(Func):
    """A bonus of 0.1 for something written now, halving at 30 days: between equal matches the newer
    one wins, but a title match (weight A, about 0.6) still beats a body match (B, about 0.25)."""

    template = "(0.1 / (1.0 + EXTRACT(EPOCH FROM (NOW() - %(expressions)s))::float8 / 2592000.0))"
    output_field = FloatField()


def _lexeme(term: str) -> str:
    # Terms are \w+ words from query_terms(); quote them anyway so nothing can change the tsquery syntax.
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def _tsquery(terms: list[str]) -> SearchQuery:
    """Every term must match; the last as a prefix (the member may still be typing). A Latin term
    matches as written (simple) or by its English stem, so "posts" finds "post" and "running" "run"."""
    combined = None
    for position, term in enumerate(terms):
        raw = _lexeme(term) + (":*" if position == len(terms) - 1 else "")
        one = SearchQuery(raw, config="simple", search_type="raw")
        if not is_cjk(term):
            one = one | SearchQuery(raw, config="english", search_type="raw")
        combined = one if combined is None else combined & one
    return combined


def _postgres_queryset(kind: str, *, viewer: Viewer, terms: list[str]) -> QuerySet:
    tsquery = _tsquery(terms)
    score = SearchRank(F("search_vector"), tsquery) + _Recency(F("created_at"))
    return _shape(_readable(kind, viewer).filter(search_vector=tsquery), kind, score)


class _WordSimilar(Func):
    """`query <% title`: the title contains a word similar to the query (pg_trgm, uses the trigram
    index; threshold pg_trgm.word_similarity_threshold, 0.6 by default)."""

    arg_joiner = " <%% "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class _WordSimilarity(Func):
    function = "word_similarity"
    output_field = FloatField()


def _fuzzy_queryset(kind: str, *, viewer: Viewer, query: str) -> QuerySet:
    needle = Value(query.lower(), output_field=CharField())
    score = _WordSimilarity(needle, F("title"))
    return _shape(_readable(kind, viewer).filter(_WordSimilar(needle, F("title"))), kind, score)


# --- SQLite ----------------------------------------------------------------------------------------------


def _fallback_queryset(kind: str, *, viewer: Viewer, words: list[str]) -> QuerySet:
    title, text = {
        "post": ("title", "body"),
        "comment": ("post__title", "body"),
        "event": ("title", "description"),
    }[kind]
    in_text = Q()
    in_title = Q()
    for word in words[:10]:
        in_text &= Q(**{f"{title}__icontains": word}) | Q(**{f"{text}__icontains": word})
        in_title &= Q(**{f"{title}__icontains": word})
    if kind == "comment":  # a comment's own text must match, not only its post's title
        in_text = Q()
        for word in words[:10]:
            in_text &= Q(body__icontains=word)
    score = Case(When(in_title, then=Value(1.0)), default=Value(0.0), output_field=FloatField())
    return _shape(_readable(kind, viewer).filter(in_text), kind, score)


# --- Rows to results -------------------------------------------------------------------------------------


def _result(row: dict, terms: list[str]) -> SearchResult:
    pattern = _highlight_pattern(terms)
    kind = row["r_kind"]
    return SearchResult(
        kind=kind,
        kind_label=_KIND_MODELS[kind]._meta.verbose_name,
        id=row["r_id"],
        title=row["r_title"],
        title_html=highlight(row["r_title"], pattern, width=None),
        snippet=highlight(row["r_text"], pattern, width=SNIPPET_CHARS),
        space=ResultSpace(id=row["r_space_id"], slug=row["r_space_slug"], name=row["r_space_name"]),
        created_at=row["r_created_at"],
        url=_url(kind, row),
        solved=row["r_solved"],
    )


_KIND_MODELS = {"post": Post, "comment": Comment, "event": Event}
_SUFFIXES = ("ing", "ies", "es", "ed", "s")


def _stem(word: str) -> str:
    """A crude English stem, for highlighting only (PostgreSQL's stemmer decides what matches)."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "aeiouls":
                word = word[:-1]  # running -> runn -> run
            break
    return word


def _highlight_pattern(terms: list[str]) -> re.Pattern | None:
    parts = []
    for term in sorted(terms, key=len, reverse=True):  # longest first: 社群运营 before 社群
        if is_cjk(term):
            parts.append(re.escape(term))
        elif len(term) >= 2:
            # A word beginning with the stem; not inside a longer Latin word ("art" not in "start").
            parts.append(r"(?<![a-z0-9])" + re.escape(_stem(term)) + r"[a-z0-9]*")
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


_SPACES = re.compile(r"\s+")


def highlight(text: str, pattern: re.Pattern | None, *, width: int | None) -> SafeString:
    """Escaped text, cut to about `width` characters around the first match, with every match in
    <mark>. Every piece of member text passes through escape(); only our own <mark> tags are not."""
    text = _SPACES.sub(" ", text or "").strip()
    spans: list[list[int]] = []
    for match in pattern.finditer(text) if pattern else ():
        if spans and match.start() <= spans[-1][1]:  # 社群 + 运营 read as one mark: 社群运营
            spans[-1][1] = max(spans[-1][1], match.end())
        else:
            spans.append([match.start(), match.end()])
    start, end = 0, len(text)
    if width is not None and len(text) > width:
        first = spans[0][0] if spans else 0
        start = max(0, min(first - width // 4, len(text) - width))
        end = start + width
    pieces = ["…" if start > 0 else ""]
    position = start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        m_start, m_end = max(span_start, start), min(span_end, end)
        pieces.append(escape(text[position:m_start]))
        pieces.append(format_html("<mark>{}</mark>", text[m_start:m_end]))
        position = m_end
    pieces.append(escape(text[position:end]))
    pieces.append("…" if end < len(text) else "")
    return mark_safe("".join(pieces))  # noqa: S308 (every piece above is escaped or format_html)


# --- Links ------------------------------------------------------------------------------------------------


def _url(kind: str, row: dict) -> str | None:
    """The detail page (reverse() is string work, no query). None if a page is not routed (yet)."""
    try:
        if kind == "event":
            return reverse("content:event_detail", kwargs={"pk": row["r_id"]})
        post_url = reverse("content:post_detail", kwargs={"pk": row["r_post_id"]})
    except NoReverseMatch:
        return None
    return f"{post_url}#comment-{row['r_id']}" if kind == "comment" else post_url
