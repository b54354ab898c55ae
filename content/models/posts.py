from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

TITLE_MAX = 200
BODY_MAX = 20000
COMMENT_MAX = 10000


class PostKind(models.TextChoices):
    DISCUSSION = "discussion", _("Discussion")
    QUESTION = "question", _("Question")
    ANNOUNCEMENT = "announcement", _("Announcement")


class ContentStatus(models.TextChoices):
    PUBLISHED = "published", _("published")
    PENDING_REVIEW = "pending_review", _("waiting for review")
    HIDDEN = "hidden", _("hidden by a moderator")
    REMOVED = "removed", _("removed by a moderator")


class Post(models.Model):
    space = models.ForeignKey(
        "content.Space", on_delete=models.PROTECT, related_name="posts", verbose_name=_("space")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts", verbose_name=_("author")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=PostKind.choices, default=PostKind.DISCUSSION)
    is_promotional = models.BooleanField(
        _("promotional"), default=False, help_text=_("Goes only to members who agreed to marketing.")
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(_("body"), max_length=BODY_MAX)
    body_html = models.TextField(_("body (HTML)"), editable=False)
    # sha256 of the normalised body: refuses the same text twice from one member (duplicate detection).
    body_fingerprint = models.CharField(_("text fingerprint"), max_length=64, editable=False, db_index=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ContentStatus.choices, default=ContentStatus.PUBLISHED
    )
    is_pinned = models.BooleanField(_("pinned"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("last activity"), auto_now_add=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("deleted by"),
    )
    comment_count = models.PositiveIntegerField(_("comment count"), default=0, editable=False)
    reaction_count = models.PositiveIntegerField(_("reaction count"), default=0, editable=False)
    # A question's accepted answer (content/services/questions.py): set by the asker or a moderator of
    # the space; cleared when that comment is deleted or removed, so the column alone says "solved" and
    # a feed needs no join to show it.
    accepted_comment = models.ForeignKey(
        "content.Comment",
        verbose_name=_("accepted answer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The post carries a poll (content/models/polls.py). On the row so that a feed card or a post page
    # without a poll costs no query to find out.
    has_poll = models.BooleanField(_("has a poll"), default=False, editable=False)
    # Full-text search (content/search.py keeps it fresh; on SQLite it is an unused text column).
    search_vector = SearchVectorField(_("search index"), null=True, editable=False)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        indexes = [
            # space feed: pinned first, then newest activity; cursor on (last_activity_at, id)
            models.Index(fields=["space", "-is_pinned", "-last_activity_at", "-id"], name="post_space_feed"),
            # home feed across the viewer's spaces
            models.Index(fields=["-last_activity_at", "-id"], name="post_activity"),
            # a member's posts, and the posting-limit and duplicate windows
            models.Index(fields=["author", "-created_at"], name="post_author_recent"),
            # a member's posts page (feed_member), by activity with the same cursor as the other feeds
            models.Index(fields=["author", "-last_activity_at", "-id"], name="post_author_activity"),
            # the nightly trust-level counts
            models.Index(
                fields=["author", "id"],
                condition=models.Q(status="published", deleted_at__isnull=True),
                name="post_author_live",
            ),
            GinIndex(fields=["search_vector"], name="post_search"),
            # the unanswered questions, oldest first (a small partial index: questions only)
            models.Index(
                fields=["created_at", "id"],
                condition=models.Q(kind="question", status="published", deleted_at__isnull=True),
                name="post_question_waiting",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_solved(self) -> bool:
        return self.kind == PostKind.QUESTION and self.accepted_comment_id is not None


class PostRevision(models.Model):
    """The text before an edit; moderators can see every earlier version."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("post"))
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(_("body"))
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("edited by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("post revision")
        verbose_name_plural = _("post revisions")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return gettext("revision of post %(post)s at %(time)s") % {
            "post": self.post_id,
            "time": f"{self.created_at:%Y-%m-%d %H:%M}",
        }


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments", verbose_name=_("post"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments", verbose_name=_("author")
    )
    # One level of replies: a reply's parent is always a top-level comment.
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("parent comment"),
    )
    body = models.TextField(_("comment"), max_length=COMMENT_MAX)
    body_html = models.TextField(_("body (HTML)"), editable=False)
    body_fingerprint = models.CharField(_("text fingerprint"), max_length=64, editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=ContentStatus.choices, default=ContentStatus.PUBLISHED
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("deleted by"),
    )
    reaction_count = models.PositiveIntegerField(_("reaction count"), default=0, editable=False)
    search_vector = SearchVectorField(_("search index"), null=True, editable=False)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [
            models.Index(fields=["post", "created_at", "id"], name="comment_thread"),
            models.Index(fields=["author", "-created_at"], name="comment_author_recent"),
            models.Index(
                fields=["author", "id"],
                condition=models.Q(status="published", deleted_at__isnull=True),
                name="comment_author_live",
            ),
            GinIndex(fields=["search_vector"], name="comment_search"),
        ]

    def __str__(self) -> str:
        return gettext("comment %(id)s on post %(post)s") % {"id": self.pk, "post": self.post_id}

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class CommentRevision(models.Model):
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("comment")
    )
    body = models.TextField(_("text"))
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("edited by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment revision")
        verbose_name_plural = _("comment revisions")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return gettext("revision of comment %(comment)s") % {"comment": self.comment_id}


class ReactionKind(models.TextChoices):
    LIKE = "like", "👍"
    HEART = "heart", "❤️"
    CELEBRATE = "celebrate", "🎉"
    INSIGHTFUL = "insightful", "💡"
    THANKS = "thanks", "🙏"


class Reaction(models.Model):
    """One reaction per member per post or comment; choosing another kind replaces it."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions", verbose_name=_("member")
    )
    post = models.ForeignKey(
        Post,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reactions",
        verbose_name=_("post"),
    )
    comment = models.ForeignKey(
        Comment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reactions",
        verbose_name=_("comment"),
    )
    kind = models.CharField(_("reaction"), max_length=12, choices=ReactionKind.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "post"],
                condition=models.Q(post__isnull=False),
                name="reaction_once_per_post",
            ),
            models.UniqueConstraint(
                fields=["member", "comment"],
                condition=models.Q(comment__isnull=False),
                name="reaction_once_per_comment",
            ),
            models.CheckConstraint(
                condition=models.Q(post__isnull=False, comment__isnull=True)
                | models.Q(post__isnull=True, comment__isnull=False),
                name="reaction_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.get_kind_display()}"


class Mention(models.Model):
    """A member @mentioned in a post or a comment (the delivery engine notifies them)."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="mentions",
        verbose_name=_("mentioned member"),
    )
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mentions", verbose_name=_("post"))
    comment = models.ForeignKey(
        Comment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="mentions",
        verbose_name=_("comment"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")
        constraints = [
            models.UniqueConstraint(fields=["member", "post", "comment"], name="mention_once"),
        ]

    def __str__(self) -> str:
        return gettext("@%(member)s in post %(post)s") % {"member": self.member_id, "post": self.post_id}
