"""The full-text search index of posts, comments and events, English and Chinese.

PostgreSQL's parsers do not split Chinese (a whole run of Han characters becomes one token) and pg_trgm
cannot use an index for patterns shorter than three characters, while many Chinese words have two. So
Chinese is segmented here, with jieba, both when a row is indexed and when a query is parsed, and stored
as space-separated words in a `simple`-configuration tsvector; English words go in lower-cased as well,
plus their stems through the `english` configuration, all in one `search_vector` column with a GIN index.

Keeping it fresh: the services that write posts, comments and events call `search_index_touch(...)` after
their transaction commits (no signals: the flow stays visible in the service). `manage.py search_reindex`
rebuilds everything in batches.

On SQLite (the embedded `make run` profile) there is no tsvector: indexing does nothing and the search
selector uses icontains instead.
"""

import logging
import re
import threading
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection

from content.models import Comment, Event, Post

logger = logging.getLogger(__name__)

# Han ideographs (with extensions A and B-F and the compatibility block). Kana and Hangul are left to \w.
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]+")
_WORD = re.compile(r"\w+")
MAX_QUERY_TERMS = 32

_tokenizer = None
_tokenizer_lock = threading.Lock()


def _jieba():
    """jieba's default tokenizer, loaded once and quietly (it builds its prefix dictionary, about a
    second, and logs to stderr while doing so)."""
    global _tokenizer
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                # Narrow, because pytest runs with warnings as errors: jieba 0.42 imports pkg_resources
                # (deprecated in newer setuptools) and, when compiled without its .pyc files, has regexes
                # with invalid escape sequences (a DeprecationWarning, SyntaxWarning from Python 3.12).
                # Neither is ours to fix; any other warning still surfaces.
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", message=r".*pkg_resources is deprecated")
                    warnings.filterwarnings(
                        "ignore", message=r"invalid escape sequence", category=DeprecationWarning
                    )
                    warnings.filterwarnings(
                        "ignore", message=r"invalid escape sequence", category=SyntaxWarning
                    )
                    import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.dt.initialize()
                _tokenizer = jieba.dt
    return _tokenizer


def _tokens(text: str) -> Iterator[str]:
    position = 0
    for run in _CJK_RUN.finditer(text):
        yield from (word.lower() for word in _WORD.findall(text[position : run.start()]))
        # cut_for_search yields the words and, for long ones, the dictionary words inside them
        # (中华人民共和国 -> 中华, 华人, 人民, 共和, 共和国, 中华人民共和国), so a query for a part matches.
        yield from (word for word in _jieba().cut_for_search(run.group(), HMM=True) if word.strip())
        position = run.end()
    yield from (word.lower() for word in _WORD.findall(text[position:]))


def segment(text: str) -> str:
    """Words separated by spaces: Chinese runs segmented by jieba, other words lower-cased, punctuation
    dropped. "我们讨论社群运营的秘密 Django" -> "我们 讨论 社群 运营 的 秘密 django"."""
    return " ".join(_tokens(text or ""))


def non_cjk(text: str) -> str:
    """The text with Chinese replaced by spaces, for the `english` configuration (which would otherwise
    store each Chinese run as one long, useless token)."""
    return _CJK_RUN.sub(" ", text or "")


def query_terms(query: str) -> list[str]:
    """The distinct search terms of a query, in order, segmented exactly as the index is."""
    terms = list(dict.fromkeys(_tokens(query or "")))
    return terms[:MAX_QUERY_TERMS]


def is_cjk(term: str) -> bool:
    return bool(_CJK_RUN.fullmatch(term))


# --- Indexing ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    model: type
    # (weight, text fields): A ranks highest. Each group is indexed as segmented `simple` words and as
    # `english` stems.
    groups: tuple[tuple[str, tuple[str, ...]], ...]


SPECS: dict[str, _Spec] = {
    "post": _Spec(Post, (("A", ("title",)), ("B", ("body",)))),
    "comment": _Spec(Comment, (("B", ("body",)),)),
    "event": _Spec(Event, (("A", ("title",)), ("B", ("description",)), ("C", ("location",)))),
}

DEFAULT_BATCH_SIZE = 500


def _is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _update_sql(spec: _Spec, count: int) -> str:
    quote = connection.ops.quote_name
    vector = " || ".join(
        f"setweight(to_tsvector('simple', v.s{n}), '{weight}') || "
        f"setweight(to_tsvector('english', v.e{n}), '{weight}')"
        for n, (weight, _fields) in enumerate(spec.groups)
    )
    columns = ", ".join(f"s{n}, e{n}" for n in range(len(spec.groups)))
    row = "(%s::bigint, " + ", ".join("%s::text, %s::text" for _ in spec.groups) + ")"
    return (
        f"UPDATE {quote(spec.model._meta.db_table)} AS t SET search_vector = {vector} "  # noqa: S608 (names are ours)
        f"FROM (VALUES {', '.join([row] * count)}) AS v(id, {columns}) WHERE t.id = v.id"
    )


def _index_rows(spec: _Spec, rows: list[dict]) -> int:
    """One UPDATE for a batch of rows already read (dicts with id and the spec's text fields)."""
    if not rows:
        return 0
    params: list = []
    for row in rows:
        params.append(row["id"])
        for _weight, fields in spec.groups:
            text = "\n".join(row[field] or "" for field in fields)
            params.extend([segment(text), non_cjk(text)])
    with connection.cursor() as cursor:
        cursor.execute(_update_sql(spec, len(rows)), params)
        return cursor.rowcount


def _text_fields(spec: _Spec) -> list[str]:
    return [field for _weight, fields in spec.groups for field in fields]


def _index_ids(kind: str, ids: Iterable[int]) -> int:
    """Two queries for any number of ids (up to a batch): read the texts, then one UPDATE."""
    ids = sorted({int(pk) for pk in ids})
    if not ids or not _is_postgresql():
        return 0
    spec = SPECS[kind]
    updated = 0
    for start in range(0, len(ids), DEFAULT_BATCH_SIZE):
        chunk = ids[start : start + DEFAULT_BATCH_SIZE]
        rows = list(spec.model.objects.filter(pk__in=chunk).values("id", *_text_fields(spec)))
        updated += _index_rows(spec, rows)
    return updated


def search_index_post(*, post_id: int) -> bool:
    return _index_ids("post", [post_id]) == 1


def search_index_comment(*, comment_id: int) -> bool:
    return _index_ids("comment", [comment_id]) == 1


def search_index_event(*, event_id: int) -> bool:
    return _index_ids("event", [event_id]) == 1


def search_index_touch(
    *, post_ids: Iterable[int] = (), comment_ids: Iterable[int] = (), event_ids: Iterable[int] = ()
) -> None:
    """Re-index these rows now. Services call it after commit (transaction.on_commit) whenever a title,
    body or description is written; status, deletion and space changes need no call, because search
    filters by the visibility selectors at query time. Ids that no longer exist are ignored."""
    _index_ids("post", post_ids)
    _index_ids("comment", comment_ids)
    _index_ids("event", event_ids)


def search_reindex(
    *, kinds: Iterable[str] = tuple(SPECS), batch_size: int = DEFAULT_BATCH_SIZE, only_missing: bool = False
) -> dict[str, int]:
    """Rebuild the index in batches of `batch_size` rows (two queries each, walking the primary key, so
    it never holds a long transaction or a big result set). Safe to run twice, and while members post."""
    counts = {}
    for kind in kinds:
        spec = SPECS[kind]
        counts[kind] = 0
        if not _is_postgresql():
            continue
        queryset = spec.model.objects.order_by("pk")
        if only_missing:
            queryset = queryset.filter(search_vector__isnull=True)
        last_id = 0
        while True:
            rows = list(queryset.filter(pk__gt=last_id).values("id", *_text_fields(spec))[:batch_size])
            if not rows:
                break
            counts[kind] += _index_rows(spec, rows)
            last_id = rows[-1]["id"]
            logger.debug("search_reindex %s up to id %s", kind, last_id)
    return counts
