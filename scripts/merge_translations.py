"""Fill locale/zh_Hans/LC_MESSAGES/django.po from the JSON files in locale/zh_Hans/pending/.

Helpers working in parallel each write their translations to a pending JSON file ({"msgid": "中文"},
a list for plural forms) instead of editing the one .po at the same time; `make messages` extracts the
msgids and this script fills them in. Entries it fills stop being fuzzy.
"""

import json
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def main() -> None:
    pending: dict[str, str | list[str]] = {}
    for path in sorted((ROOT / "locale" / "zh_Hans" / "pending").glob("*.json")):
        pending.update(json.loads(path.read_text(encoding="utf-8")))
    po = polib.pofile(str(PO))
    filled = 0
    for entry in po:
        if entry.msgid not in pending:
            continue
        value = pending[entry.msgid]
        forms = value if isinstance(value, list) else [value]
        if entry.msgid_plural:
            entry.msgstr_plural = {0: forms[0]}  # Chinese has one plural form
        else:
            entry.msgstr = forms[0]
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
        filled += 1
    po.save()
    left = [e.msgid for e in po.untranslated_entries() + po.fuzzy_entries()]
    print(f"filled {filled}; still untranslated or fuzzy: {len(left)}")
    for msgid in left:
        print(f"  {msgid!r}")


if __name__ == "__main__":
    main()
