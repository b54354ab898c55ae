"""Simplified Chinese is complete: every message of ours is translated, none fuzzy, none missing."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def problems(po: polib.POFile) -> list[str]:
    untranslated = [f"untranslated: {e.msgid!r}" for e in po.untranslated_entries()]
    fuzzy = [f"fuzzy: {e.msgid!r}" for e in po.fuzzy_entries()]
    return untranslated + fuzzy


def test_every_committed_chinese_message_is_translated_and_not_fuzzy():
    assert problems(polib.pofile(str(PO))) == []


def test_no_string_in_the_code_is_missing_from_the_chinese_catalogue(tmp_path):
    """Extract the strings afresh (as `make messages` would) in a copy of the project."""
    if not shutil.which("xgettext"):
        pytest.fail("GNU gettext is needed to extract messages; make test installs it")
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(".venv", "var", ".git", "node_modules", "tests", "__pycache__", "*.mo"),
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-location", "--no-obsolete"],
        cwd=copy,
        capture_output=True,
        check=True,
        timeout=120,
    )
    assert problems(polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))) == []


def test_translation_functions_are_imported_under_names_makemessages_knows():
    """makemessages only extracts gettext, gettext_lazy, ngettext… and `_`: a string marked through any
    other alias would silently stay English."""
    aliased = re.compile(r"import (?:gettext|gettext_lazy|ngettext|ngettext_lazy|pgettext) as (?!_\b)\w+")
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for app in ("community", "members", "content", "moderation", "privacy")
        for path in (ROOT / app).rglob("*.py")
        for match in aliased.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
