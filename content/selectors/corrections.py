"""Correction notes as readers see them (moderation/corrections.py writes them)."""

from content.models import CorrectionNote, Post


def correction_current(*, post: Post) -> CorrectionNote | None:
    """The post's current note, or None: one query (the partial unique index answers it). Call it only
    for a post the viewer may read (post_get checks that); who added the note is not loaded, readers
    only ever see "the moderation team"."""
    return (
        CorrectionNote.objects.filter(post_id=post.pk, withdrawn_at__isnull=True)
        .only("pk", "post_id", "text", "sources", "created_at", "updated_at", "withdrawn_at")
        .first()
    )
