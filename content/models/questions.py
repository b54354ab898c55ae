from django.db import models


class QuestionReminder(models.Model):
    """The asker of a question that waited long was told once (content.remind_unanswered). The unique
    post makes "once" hold even when two runs of the daily task overlap."""

    post = models.OneToOneField("content.Post", on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"reminder for question {self.post_id}"
