from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        from members.trust import register_upheld_reports_counter
        from moderation.selectors import upheld_reports_counter

        # Members sits below moderation and cannot import it; trust levels ask through this.
        register_upheld_reports_counter(upheld_reports_counter)

        from moderation.privacy import register as register_privacy

        register_privacy()

        self._register_automatic_rules()

    def _register_automatic_rules(self) -> None:
        """Watched words, pre-moderation and duplicate waves plug into content's publishing (LEGAL L20,
        L21); a changed watched word makes every process rebuild its matcher."""
        from django.db.models.signals import post_delete, post_save

        from content.hooks import register_after_publish, register_publish_check
        from moderation import rules
        from moderation.models import WatchedWord
        from moderation.watched_words import watched_words_changed

        register_publish_check(rules.watched_words_check)
        register_publish_check(rules.premoderation_check)
        register_after_publish(rules.after_publish)
        post_save.connect(watched_words_changed, sender=WatchedWord, dispatch_uid="watched_words_saved")
        post_delete.connect(watched_words_changed, sender=WatchedWord, dispatch_uid="watched_words_deleted")
