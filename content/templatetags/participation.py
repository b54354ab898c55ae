"""Questions and polls inside the post page (whose view is content.views.posts.post_detail)."""

from django import template

from content.models import Comment, Post
from content.selectors.polls import poll_for_post, poll_state
from content.selectors.questions import accepted_in_thread

register = template.Library()


@register.filter
def accepted_answer(comments: list[Comment], post: Post) -> Comment | None:
    """The question's accepted answer among the thread the page already read (no query); None when
    there is none the viewer can see (so a hidden or removed answer shows the question as open)."""
    if post.kind != "question":
        return None
    return accepted_in_thread(comments, post.accepted_comment_id)


@register.inclusion_tag("content/polls/_poll.html", takes_context=True)
def poll_block(context: template.Context, post: Post) -> dict:
    """The post's poll: three or four queries, only on a post that has one (Post.has_poll)."""
    request = context["request"]
    state = poll_state(viewer=request.user, poll=poll_for_post(post=post))
    return {
        "state": state,
        "post": post,
        "request": request,
        "user": request.user,
        "csrf_token": context.get("csrf_token"),
    }
