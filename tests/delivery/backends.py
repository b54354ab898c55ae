"""An email backend that counts its connections, to show the dispatcher reuses one per round."""

from django.core.mail.backends.locmem import EmailBackend

opened = []


class CountingBackend(EmailBackend):
    def open(self):
        opened.append(self)
        return True
