"""Signals privacy sends. privacy imports no other app, so an app that wants to act on a privacy event
(content's inbox notice "your export is ready") connects a receiver here in its AppConfig.ready()."""

from django.dispatch import Signal

# LEGAL L7: a member's export archive is ready to download. Sent after the archive's row is committed,
# with member_id (int), archive_id (int) and url (the status page that offers the download, a path).
export_ready = Signal()
