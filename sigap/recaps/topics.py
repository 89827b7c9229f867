"""The most frequent topics in a set of complaint texts: words and two-word phrases, minus stop words.

Deliberately simple, so that a reader of the recap can check it by hand: lower-case words of
three letters or more, with links, @mentions, digits and stop words left out, counted once per complaint;
a two-word phrase ("lampu pju") replaces its words when they mostly occur together.

Memory stays bounded however many texts are counted: when a counter grows past its cap it keeps
only its most frequent half (lossy counting). Rare words are what is dropped, and the top ten
of a recap are never rare.
"""

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

STOPWORDS_FILE = Path(__file__).resolve().parent / "data" / "stopwords_id.txt"
_NOISE = re.compile(r"https?://\S+|www\.\S+|@\w+")
_TOKEN = re.compile(r"[a-z]+|[^\sa-z]")  # words, and every other character on its own
_STRETCHED = re.compile(r"([a-z])\1{2,}")  # "tolongggg" → "tolong"
CAP = 20_000


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    words: set[str] = set()
    for line in STOPWORDS_FILE.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            words.update(line.split())
    return frozenset(words)


def words(text: str) -> list[str | None]:
    """The words of a text; stop words, short words, digits and punctuation become None, so that a
    phrase never jumps over them ("lampu di jl 5 mati" has no phrase "lampu mati")."""
    stop = stopwords()
    text = _STRETCHED.sub(r"\1", _NOISE.sub(" . ", text.lower()))
    return [w if len(w) >= 3 and w.isalpha() and w not in stop else None for w in _TOKEN.findall(text)]


class _BoundedCounter(Counter):
    def add_all(self, keys: set) -> None:
        self.update(keys)
        if len(self) > CAP:
            kept = self.most_common(CAP // 2)
            self.clear()
            self.update(dict(kept))


class TopicCounter:
    def __init__(self) -> None:
        self.unigrams = _BoundedCounter()
        self.bigrams = _BoundedCounter()

    def add(self, text: str) -> None:
        tokens = words(text)
        self.unigrams.add_all({w for w in tokens if w})
        self.bigrams.add_all({f"{a} {b}" for a, b in zip(tokens, tokens[1:]) if a and b and a != b})

    def top(self, n: int = 10) -> list[tuple[str, int]]:
        """The n most frequent topics said in at least two complaints, each with how many mention it."""
        phrases = {}
        for phrase, count in self.bigrams.most_common(n * 3):
            first, second = phrase.split(" ")
            # A phrase stands for its words when at least 40% of the rarer word's mentions are in it.
            if count >= 2 and count >= 0.4 * min(self.unigrams[first], self.unigrams[second]):
                phrases[phrase] = count
        absorbed = Counter()
        for phrase, count in phrases.items():
            for word in phrase.split(" "):
                absorbed[word] += count
        candidates = list(phrases.items())
        for word, count in self.unigrams.most_common(n * 3 + len(phrases) * 2):
            left = count - absorbed[word]
            # A word mostly said inside a chosen phrase is that phrase already.
            if left > 0 and left >= 0.5 * count:
                candidates.append((word, count))
        candidates.sort(key=lambda item: (-item[1], item[0]))
        # A word said once is not a topic.
        return [item for item in candidates if item[1] >= 2][:n]
