"""The Chinese catalog with the pending translations merged in, for tests that look at Chinese pages
before `make messages` has folded locale/zh_Hans/pending/*.json into django.po.

Import the fixture into a test module (`from tests.moderation.translations import pending_zh`). A new
plural msgid is left out (its plural form is only known once `make messages` extracts it); everything
else reads as it will after the merge. Once merged, the fixture changes nothing.
"""

import json
from pathlib import Path

import polib
import pytest


@pytest.fixture
def pending_zh(settings, tmp_path):
    root = Path(settings.BASE_DIR) / "locale" / "zh_Hans"
    catalog = polib.pofile(str(root / "LC_MESSAGES" / "django.po"))
    pending: dict[str, str | list[str]] = {}
    for path in sorted((root / "pending").glob("*.json")):
        pending.update(json.loads(path.read_text(encoding="utf-8")))
    known = {entry.msgid: entry for entry in catalog}
    for msgid, value in pending.items():
        forms = value if isinstance(value, list) else [value]
        entry = known.get(msgid)
        if entry is None:
            if not isinstance(value, list):
                catalog.append(polib.POEntry(msgid=msgid, msgstr=forms[0]))
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = {0: forms[0]}
        else:
            entry.msgstr = forms[0]
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    folder = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalog.save_as_mofile(str(folder / "django.mo"))
    # setting_changed empties Django's translation cache, in this thread and the live server's
    settings.LOCALE_PATHS = [str(tmp_path / "locale")]
    yield


__all__ = ["pending_zh"]
