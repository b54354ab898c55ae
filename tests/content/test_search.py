"""Search across posts, comments and events, in English and Chinese, within what the viewer may read."""

import io
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from content.models import Post
from content.search import query_terms, search_index_touch, segment
from content.selectors.search import SearchQueryInvalid, search
from tests import factories
from tests.factories import MembershipFactory, SpaceFactory

pytestmark = pytest.mark.django_db

SEARCH_URL = "/search/"
_writer = {}


@pytest.fixture(autouse=True)
def _one_writer(db):
    """Creating a member hashes a password (slow): one member writes everything in this module unless a
    test says otherwise."""
    _writer["member"] = factories.MemberFactory(email="writer@example.org")
    yield
    _writer.clear()


def make_post(**kwargs) -> Post:
    kwargs.setdefault("author", _writer["member"])
    return factories.PostFactory(**kwargs)


def make_comment(**kwargs):
    kwargs.setdefault("author", _writer["member"])
    if "post" not in kwargs:
        kwargs["post"] = make_post()
    return factories.CommentFactory(**kwargs)


def make_event(**kwargs):
    kwargs.setdefault("organiser", _writer["member"])
    return factories.EventFactory(**kwargs)


def make_many(make, count: int, **kwargs) -> list:
    return [make(**kwargs) for _ in range(count)]


def indexed_post(**kwargs) -> Post:
    post = make_post(**kwargs)
    search_index_touch(post_ids=[post.pk])
    return post


def found(viewer, query, **kwargs) -> list[tuple[str, int]]:
    return [(result.kind, result.id) for result in search(viewer=viewer, query=query, **kwargs)]


# --- Segmentation ------------------------------------------------------------------------------------------


def test_segment_splits_chinese_into_words_and_lowercases_english():
    words = segment("我们讨论社群运营的秘密，用 Django 和 PostgreSQL！").split()
    assert {"社群", "运营", "秘密", "django", "postgresql"} <= set(words)
    assert "，" not in words
    assert "！" not in words


def test_segment_separates_chinese_from_english_written_without_spaces():
    assert segment("用Django搭建社群").split() == ["用", "django", "搭建", "社群"]


def test_query_terms_are_distinct_and_punctuation_alone_gives_none():
    assert query_terms("文章 文章 Posts") == ["文章", "posts"]
    assert query_terms("!!! ？？") == []


# --- Finding things ----------------------------------------------------------------------------------------


def test_a_chinese_phrase_is_found_inside_a_chinese_sentence(member):
    post = indexed_post(title="周会记录", body="我们讨论社群运营的秘密，下周继续。")
    indexed_post(title="别的", body="今天天气很好。")
    assert found(member, "社群运营") == [("post", post.pk)]


def test_a_two_character_chinese_word_is_found_inside_a_sentence(member):
    post = indexed_post(title="新人指南", body="这篇文章介绍了怎样加入我们。")
    indexed_post(title="活动", body="周末一起去爬山吧。")
    assert found(member, "文章") == [("post", post.pk)]


def test_english_plural_and_singular_and_stems_find_each_other(member):
    post = indexed_post(
        title="Weekly notes", body="We run the meetup every week and write one post about it."
    )
    assert found(member, "posts") == [("post", post.pk)]
    assert found(member, "running") == [("post", post.pk)]
    assert found(member, "Meetups") == [("post", post.pk)]


def test_mixed_chinese_and_english_text_is_found_by_either_and_both(member):
    post = indexed_post(title="技术分享", body="我们用Django搭建了社群网站，欢迎提问。")
    indexed_post(title="Other", body="Flask and 文章")
    assert found(member, "django") == [("post", post.pk)]
    assert found(member, "社群 Django") == [("post", post.pk)]
    assert found(member, "Django网站") == [("post", post.pk)]


def test_every_word_must_match_and_the_last_one_may_be_a_prefix(member):
    post = indexed_post(title="Gardening club", body="Tomatoes and basil on the balcony.")
    assert found(member, "balcony tomatoes") == [("post", post.pk)]
    assert found(member, "balcony potatoes") == []
    assert found(member, "tomatoes balc") == [("post", post.pk)]


def test_a_title_match_ranks_above_a_body_match_even_when_older(member):
    older = timezone.now() - timedelta(days=60)
    body_match = indexed_post(title="Monthly digest", body="Also: volunteers wanted for the 文章 archive.")
    title_match = indexed_post(title="Volunteers wanted", body="Please reply below.")
    Post.objects.filter(pk=title_match.pk).update(created_at=older)
    assert found(member, "volunteers") == [("post", title_match.pk), ("post", body_match.pk)]


def test_comments_and_events_are_found_and_kind_narrows_the_results(member):
    post = indexed_post(title="线下聚会", body="大家来报名")
    comment = make_comment(post=post, body="我想参加这次聚会，可以带朋友吗？")
    event = make_event(space=post.space, title="上海聚会", description="在徐汇区的咖啡馆。")
    search_index_touch(comment_ids=[comment.pk], event_ids=[event.pk])

    assert set(found(member, "聚会")) == {("post", post.pk), ("comment", comment.pk), ("event", event.pk)}
    assert found(member, "聚会", kind="comment") == [("comment", comment.pk)]
    assert found(member, "咖啡馆", kind="event") == [("event", event.pk)]
    assert found(member, "咖啡馆", kind="post") == []
    urls = {result.kind: result.url for result in search(viewer=member, query="聚会")}
    assert urls == {
        "post": reverse("content:post_detail", kwargs={"pk": post.pk}),
        "comment": reverse("content:post_detail", kwargs={"pk": post.pk}) + f"#comment-{comment.pk}",
        "event": reverse("content:event_detail", kwargs={"pk": event.pk}),
    }


def test_an_edit_is_searchable_once_the_service_touches_the_index(member):
    post = indexed_post(title="Draft", body="nothing yet")
    Post.objects.filter(pk=post.pk).update(body="现在有内容了：活动安排")
    assert found(member, "活动") == []  # not re-indexed yet
    search_index_touch(post_ids=[post.pk])
    assert found(member, "活动") == [("post", post.pk)]


def test_the_reindex_command_indexes_rows_written_without_the_index(member):
    posts = [make_post(body=f"批量导入的文章 {n}") for n in range(7)]
    comment = make_comment(post=posts[0], body="批量评论")
    assert found(member, "批量") == []
    out = io.StringIO()
    call_command("search_reindex", "--batch-size", "3", stdout=out)
    assert "post: 7 indexed" in out.getvalue()
    results = found(member, "批量", limit=50)
    assert {pk for kind, pk in results if kind == "post"} == {p.pk for p in posts}
    assert ("comment", comment.pk) in results


def test_a_short_english_typo_in_a_title_finds_it_by_trigram_similarity(member):
    post = indexed_post(title="Photography meetup in Xuhui", body="Bring a camera.")
    assert found(member, "photografy") == [("post", post.pk)]


def test_the_cursor_pages_through_results_without_repeats(member):
    posts = [indexed_post(title=f"分页测试 {n}", body="文章") for n in range(5)]
    first = search(viewer=member, query="分页", limit=3)
    second = search(viewer=member, query="分页", limit=3, cursor=first.next_cursor)
    assert first.next_cursor == "3"
    assert second.next_cursor is None
    assert {r.id for r in first} | {r.id for r in second} == {p.pk for p in posts}
    assert len(first) + len(second) == 5


# --- Snippets ----------------------------------------------------------------------------------------------


def test_snippets_escape_member_text_and_mark_the_matched_words(member):
    indexed_post(title="<b>Bold</b> 文章", body='Look: <script>alert("x")</script> 这篇文章 & more')
    [result] = search(viewer=member, query="文章")
    assert "<script>" not in result.snippet
    assert "&lt;script&gt;" in result.snippet
    assert "这篇<mark>文章</mark> &amp; more" in result.snippet
    assert result.title_html == "&lt;b&gt;Bold&lt;/b&gt; <mark>文章</mark>"


def test_a_long_body_is_cut_around_the_first_match(member):
    body = "开头。" * 200 + "这里提到社群运营的经验。" + "结尾。" * 200
    indexed_post(title="长文", body=body)
    [result] = search(viewer=member, query="社群运营")
    assert "这里提到<mark>社群运营</mark>的经验" in result.snippet
    assert result.snippet.startswith("…")
    assert result.snippet.endswith("…")
    assert len(result.snippet) < 400


def test_english_stems_are_highlighted(member):
    indexed_post(title="Notes", body="She runs. We run. They were running late.")
    [result] = search(viewer=member, query="running")
    assert result.snippet.count("<mark>") == 3


# --- Who sees what -----------------------------------------------------------------------------------------


@pytest.fixture
def private_content(member):
    space = SpaceFactory(visibility="private", name="Core team")
    MembershipFactory(space=space, member=member)
    post = make_post(space=space, title="秘密计划", body="Secret plans for the 社群")
    comment = make_comment(post=post, body="秘密评论 secret")
    event = make_event(space=space, title="秘密聚会", description="secret meetup")
    search_index_touch(post_ids=[post.pk], comment_ids=[comment.pk], event_ids=[event.pk])
    return {("post", post.pk), ("comment", comment.pk), ("event", event.pk)}


def test_a_member_of_a_private_space_finds_its_posts_comments_and_events(member, private_content):
    assert set(found(member, "秘密")) == private_content
    assert set(found(member, "secret")) == private_content


def test_an_outsider_finds_nothing_from_a_private_space(private_content):
    from django.contrib.auth.models import AnonymousUser

    assert found(AnonymousUser(), "秘密") == []
    assert found(AnonymousUser(), "secret") == []


def test_another_member_not_in_the_private_space_finds_nothing_from_it(other_member, private_content):
    assert found(other_member, "秘密") == []
    assert found(other_member, "secret") == []


def test_a_site_moderator_not_in_the_private_space_finds_nothing_from_it(moderator, private_content):
    assert found(moderator, "秘密") == []


def test_an_operator_finds_everything(operator, private_content):
    assert set(found(operator, "秘密")) == private_content


def test_a_private_post_does_not_leak_through_the_typo_fallback(other_member, private_content):
    assert found(other_member, "secrte plams") == []
    assert found(other_member, "秘密计划") == []


def test_members_only_spaces_are_found_by_members_but_not_by_outsiders(member, client):
    space = SpaceFactory(visibility="members")
    post = indexed_post(space=space, title="仅会员可见的文章")
    from django.contrib.auth.models import AnonymousUser

    assert found(member, "会员") == [("post", post.pk)]
    assert found(AnonymousUser(), "会员") == []


def test_deleted_hidden_removed_and_pending_posts_never_appear(member, other_member):
    for status in ["hidden", "removed", "pending_review"]:
        indexed_post(title=f"不见的文章 {status}", status=status, author=other_member)
    indexed_post(title="不见的文章 deleted", deleted_at=timezone.now())
    visible = indexed_post(title="看得见的文章")
    assert found(member, "文章") == [("post", visible.pk)]


def test_an_author_finds_their_own_post_waiting_for_review(member):
    pending = indexed_post(title="等待审核的文章", status="pending_review", author=member)
    assert found(member, "审核") == [("post", pending.pk)]


def test_comments_of_a_hidden_post_and_hidden_comments_never_appear(member):
    hidden_post = indexed_post(title="Hidden", status="hidden")
    on_hidden = make_comment(post=hidden_post, body="评论在隐藏的帖子下")
    visible_post = indexed_post(title="Visible")
    hidden_comment = make_comment(post=visible_post, body="被隐藏的评论", status="hidden")
    deleted_comment = make_comment(post=visible_post, body="被删除的评论", deleted_at=timezone.now())
    shown = make_comment(post=visible_post, body="正常的评论")
    search_index_touch(comment_ids=[on_hidden.pk, hidden_comment.pk, deleted_comment.pk, shown.pk])
    assert found(member, "评论") == [("comment", shown.pk)]


def test_deleted_events_never_appear(member):
    event = make_event(title="取消的活动", deleted_at=timezone.now())
    search_index_touch(event_ids=[event.pk])
    assert found(member, "活动") == []


# --- Query count -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 50])
def test_search_takes_one_query_for_1_or_50_results(member, django_assert_num_queries, rows):
    space = SpaceFactory()
    posts = make_many(make_post, rows, space=space, body="关于文章的讨论")
    comments = make_many(make_comment, rows, post=posts[0], body="文章写得好")
    events = make_many(make_event, rows, space=space, title="文章分享会")
    search_index_touch(
        post_ids=[p.pk for p in posts], comment_ids=[c.pk for c in comments], event_ids=[e.pk for e in events]
    )
    # 1. SELECT ... UNION ALL ... of posts, comments and events, each filtered through its visibility
    #    selector (spaces and memberships as subqueries), ranked, cut to the page in the database.
    with django_assert_num_queries(1):
        results = search(viewer=member, query="文章", limit=50)
    assert len(results) == min(3 * rows, 50)


def test_search_page_query_count_is_the_same_for_1_and_50_results(member_client, django_assert_num_queries):
    def count_for(rows: int) -> int:
        posts = make_many(make_post, rows, title=f"计数{rows}")
        search_index_touch(post_ids=[p.pk for p in posts])
        with django_assert_num_queries(3) as captured:
            # 1. session, 2. member, 3. the search UNION
            response = member_client.get(SEARCH_URL, {"q": f"计数{rows}"})
        assert response.status_code == 200
        return len(captured.captured_queries)

    assert count_for(1) == count_for(50)


def test_a_query_that_only_misses_takes_one_more_query_for_the_typo_fallback(
    member, django_assert_num_queries
):
    indexed_post(title="Nothing to see")
    # 1. the full-text UNION (no rows), 2. the trigram UNION on titles (posts and events)
    with django_assert_num_queries(2):
        assert found(member, "zzzzqx") == []
    # Chinese never takes the fallback: trigrams cannot help with two-character words.
    with django_assert_num_queries(1):
        assert found(member, "没有") == []


# --- Invalid queries ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "   ", "x" * 201])
def test_the_selector_refuses_empty_and_too_long_queries(member, query):
    with pytest.raises(SearchQueryInvalid):
        search(viewer=member, query=query)


def test_the_selector_refuses_an_unknown_kind(member):
    with pytest.raises(SearchQueryInvalid):
        search(viewer=member, query="文章", kind="member")


def test_a_query_of_only_punctuation_finds_nothing_without_a_query(member, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert found(member, "？！。") == []


# --- The page ----------------------------------------------------------------------------------------------


def test_the_url_name_is_content_search():
    assert reverse("content:search") == SEARCH_URL


def test_the_page_without_a_query_shows_the_form_and_no_error(client):
    response = client.get(SEARCH_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_q">Search for:</label>' in html
    assert 'class="errorlist"' not in html
    assert "Nothing found" not in html


def test_the_page_shows_highlighted_results_with_kind_badges_and_keeps_the_query(client):
    post = indexed_post(title="社群运营手册", body="第一章：社群运营的秘密")
    response = client.get(SEARCH_URL, {"q": "社群运营"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="社群运营"' in html
    assert 'class="badge badge-post"' in html
    assert "<mark>社群运营</mark>" in html
    assert post.space.name in html
    assert "<html" in html


def test_an_empty_submitted_query_gets_a_field_error_not_a_500(client):
    response = client.get(SEARCH_URL, {"q": "  "})
    assert response.status_code == 200
    assert "Type something to search for." in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()


def test_a_500_character_query_gets_a_field_error_and_is_kept(client):
    query = "文" * 500
    response = client.get(SEARCH_URL, {"q": query})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Searches can be at most 200 characters long (this one has 500)." in html
    assert query in html


def test_an_unknown_kind_is_a_field_error(client):
    response = client.get(SEARCH_URL, {"q": "文章", "kind": "members"})
    assert response.status_code == 200
    assert 'id="id_kind_error"' in response.content.decode()


def test_nothing_found_says_so(client):
    response = client.get(SEARCH_URL, {"q": "不存在的词"})
    assert "Nothing found for “不存在的词”" in response.content.decode()


def test_an_htmx_request_gets_the_results_partial_with_the_field_errors_out_of_band(client):
    indexed_post(title="htmx 文章")
    response = client.get(SEARCH_URL, {"q": "文章"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="search-results"')
    assert "<mark>文章</mark>" in html
    assert '<div id="search-q-errors" hx-swap-oob="true">' in html

    too_long = client.get(SEARCH_URL, {"q": "y" * 300}, headers={"HX-Request": "true"}).content.decode()
    assert "Searches can be at most 200 characters long" in too_long


def test_an_htmx_request_with_an_emptied_box_clears_the_results_without_an_error(client):
    response = client.get(SEARCH_URL, {"q": ""}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "Type something" not in html
    assert "search-list" not in html


def test_an_htmx_history_restore_gets_the_whole_page(client):
    response = client.get(
        SEARCH_URL, {"q": "文章"}, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in response.content.decode()


def test_the_page_does_not_show_a_private_post_to_an_outsider(client, private_content):
    response = client.get(SEARCH_URL, {"q": "秘密"})
    assert "秘密计划" not in response.content.decode()
    assert "Nothing found" in response.content.decode()


def test_the_page_shows_a_private_post_to_its_member(member_client, private_content):
    response = member_client.get(SEARCH_URL, {"q": "秘密"})
    assert "<mark>秘密</mark>计划" in response.content.decode()


def test_the_page_is_in_chinese_for_a_chinese_reader(client):
    response = client.get(SEARCH_URL, {"q": ""}, headers={"Accept-Language": "zh-hans"})
    html = response.content.decode()
    assert 'lang="zh-hans"' in html


# --- SQLite, the embedded profile ---------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="checks the SQLite path from a PostgreSQL run")
def test_the_project_migrates_and_searches_with_icontains_on_sqlite(tmp_path: Path):
    script = """
from django.contrib.auth.models import AnonymousUser
from content.search import search_index_touch
from content.selectors.search import search
from tests.factories import PostFactory, SpaceFactory
space = SpaceFactory()
post = PostFactory(space=space, title="Weekly 文章", body="我们讨论社群运营的秘密")
PostFactory(space=space, title="Other", body="nothing")
search_index_touch(post_ids=[post.pk])
assert [r.id for r in search(viewer=AnonymousUser(), query="社群运营")] == [post.pk]
assert [r.id for r in search(viewer=AnonymousUser(), query="weekly 文章")] == [post.pk]
[result] = search(viewer=AnonymousUser(), query="秘密")
assert "<mark>秘密</mark>" in result.snippet, result.snippet
print("sqlite-ok")
"""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PYTHONWARNINGS": "error",
        "REDIS_URL": "",
    }
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    # a guard against a hang, not a speed check: about 20 s alone, and it once took over 120 s on a
    # machine running a benchmark beside the suite
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True, cwd=settings.BASE_DIR, timeout=600)
    shell = subprocess.run(
        [*manage, "shell", "-c", script],
        env=env,
        cwd=settings.BASE_DIR,
        timeout=120,
        capture_output=True,
        text=True,
    )
    assert shell.returncode == 0, shell.stderr
    assert "sqlite-ok" in shell.stdout
