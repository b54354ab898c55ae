"""Watched words: operators' words and patterns, matched against what members publish (LEGAL L20, L21).

Matching rules:
- text and words are normalised the same way: NFKC (full-width "ＳＰＡＭ" becomes "SPAM"), invisible
  characters removed (a zero-width space inside a word must not hide it), case folded;
- a plain word in a script written without spaces (Chinese, Japanese, Korean, Thai...) matches anywhere
  inside the text: "违禁词" is found in "这里有违禁词出现". Whitespace between its characters is skipped
  too ("违 禁 词"), a common way round such filters;
- any other plain word matches on word boundaries only, so "ass" is not found in "class"; a boundary is
  any character that is not a letter or digit of a spaced script, so "spam" is found in "买spam药";
- a regular expression is the operator's own, matched case-insensitively on the normalised text.

Every active word is compiled into one matcher per action (block, hold, flag), kept in this process and
checked against a version number in the shared cache: a publish costs no database query unless a word
changed since (post_save / post_delete bump the version, so every process reloads).
"""

import logging
import re
import threading
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

BLOCK, HOLD, FLAG = "block", "hold", "flag"
ACTIONS_STRONGEST_FIRST = (BLOCK, HOLD, FLAG)

VERSION_KEY = "moderation:watched_words:version"
# In the embedded profile the cache is per process: the version expires so another process's change
# is seen within this time even there (one query per process and period otherwise).
VERSION_TIMEOUT = 300

# Letters and marks of scripts written without spaces between words.
_UNSPACED = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u2e80-\u2fdf"  # CJK radicals
    "\u3005-\u3007\u3021-\u3029\u3031-\u3035\u3038-\u303c"  # ideographic iteration marks, numbers
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3100-\u312f\u31a0-\u31bf"  # Bopomofo
    "\u31f0-\u31ff"  # Katakana extensions
    "\u3400-\u4dbf\u4e00-\u9fff"  # CJK ideographs
    "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"  # Hangul: particles attach to the noun ("스팸을")
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\U00020000-\U0003134f"  # CJK extensions B-G
)
_UNSPACED_CHAR = re.compile(f"[{_UNSPACED}]")
# a "word character" for boundaries: a letter, digit or underscore that is not from an unspaced script
_BEFORE = rf"(?<![^\W{_UNSPACED}])"
_AFTER = rf"(?![^\W{_UNSPACED}])"
_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def normalise(text: str) -> str:
    """The form both text and words are compared in."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text or "")).casefold()


@dataclass(frozen=True)
class Word:
    """A watched word as the matcher needs it (a row of WatchedWord)."""

    pk: int
    pattern: str
    is_regex: bool
    action: str
    reason: str = "other"


@dataclass(frozen=True)
class Hit:
    """The strongest word found in a text: `found` is the text that matched (never the pattern)."""

    word: Word
    found: str

    @property
    def action(self) -> str:
        return self.word.action


def word_regex(*, pattern: str, is_regex: bool) -> str:
    """The regular expression (on normalised text) that finds one watched word. Raises re.error for
    a bad regular expression, ValueError for an empty word."""
    if is_regex:
        re.compile(pattern, re.IGNORECASE)  # a bad one fails here, with its own message
        return pattern
    word = " ".join(normalise(pattern).split())
    if not word:
        raise ValueError("empty word")
    if _UNSPACED_CHAR.search(word):
        # anywhere inside the text; whitespace between the characters does not hide it
        return r"\s*".join(re.escape(char) for char in word.replace(" ", ""))
    before = _BEFORE if re.match(r"\w", word[0]) else ""
    after = _AFTER if re.match(r"\w", word[-1]) else ""
    return before + r"\s+".join(re.escape(part) for part in word.split(" ")) + after


class Matcher:
    """All active words, compiled: one alternation per action (a regular expression with its own
    groups, or one that cannot sit in an alternation, such as inline flags, is kept apart)."""

    def __init__(self, words: Iterable[Word]) -> None:
        self._words: dict[str, Word] = {}
        self._compiled: dict[str, list[re.Pattern]] = {action: [] for action in ACTIONS_STRONGEST_FIRST}
        parts: dict[str, list[str]] = {action: [] for action in ACTIONS_STRONGEST_FIRST}
        for word in words:
            if word.action not in parts:
                continue
            try:
                source = word_regex(pattern=word.pattern, is_regex=word.is_regex)
                alone = re.compile(source, re.IGNORECASE)
            except (re.error, ValueError) as error:  # saved around the admin's check: skip, say so
                logger.warning("moderation.watched_word.invalid word=%s error=%s", word.pk, error)
                continue
            name = f"w{word.pk}"
            self._words[name] = word
            if alone.groups:  # numbered groups would shift inside an alternation
                self._compiled[word.action].append(re.compile(f"(?P<{name}>{source})", re.IGNORECASE))
            else:
                parts[word.action].append(f"(?P<{name}>{source})")
        for action, sources in parts.items():
            if not sources:
                continue
            try:
                self._compiled[action].insert(0, re.compile("|".join(sources), re.IGNORECASE))
            except re.error:  # e.g. inline flags not at the start: compile each on its own
                self._compiled[action] += [re.compile(source, re.IGNORECASE) for source in sources]
        self.size = len(self._words)

    def find(self, *texts: str) -> Hit | None:
        """The strongest word found in any of the texts (block before hold before flag)."""
        if not self.size:
            return None
        normal = [normalise(text) for text in texts if text]
        for action in ACTIONS_STRONGEST_FIRST:
            for compiled in self._compiled[action]:
                for text in normal:
                    found = compiled.search(text)
                    if found is not None:
                        return Hit(word=self._words[found.lastgroup], found=found.group(found.lastgroup))
        return None


# (version, matcher): the matcher is never changed once built, so threads share it
_shared: dict[str, tuple[str, Matcher]] = {}
_lock = threading.Lock()


def _load_words() -> list[Word]:
    from moderation.models import WatchedWord

    rows = WatchedWord.objects.filter(is_active=True).order_by("pk")
    return [
        Word(pk=pk, pattern=pattern, is_regex=is_regex, action=action, reason=reason)
        for pk, pattern, is_regex, action, reason in rows.values_list(
            "pk", "pattern", "is_regex", "action", "reason"
        )
    ]


def watched_words_matcher() -> Matcher:
    """The compiled matcher, rebuilt (one query) only when the shared version changed."""
    version = cache.get(VERSION_KEY)
    current = _shared.get("matcher")
    if version is not None and current is not None and current[0] == version:
        return current[1]
    if version is None:
        # first reader since the version expired or the cache was emptied: agree on one version
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=VERSION_TIMEOUT)
        version = cache.get(VERSION_KEY) or "uncached"
    # the version is read before the words: a word saved meanwhile bumps it again, so never stale
    matcher = Matcher(_load_words())
    with _lock:
        _shared["matcher"] = (version, matcher)
    return matcher


def watched_words_find(*texts: str) -> Hit | None:
    return watched_words_matcher().find(*texts)


def watched_words_changed(**kwargs) -> None:
    """post_save / post_delete of WatchedWord: every process rebuilds its matcher. Bumped at once (this
    process, and tests inside one transaction) and again after commit, so another process that read
    the words before the commit does not keep them."""

    def bump() -> None:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=VERSION_TIMEOUT)

    with _lock:
        _shared.pop("matcher", None)
    bump()
    transaction.on_commit(bump)
