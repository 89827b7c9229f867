"""The citizen simulator: every few seconds someone writes to one of the city's accounts.

Most of what reaches a city account is not a complaint: about 35 % complaints, 20 % questions,
25 % greetings and thanks (and "min cek dm"), 20 % promotions, spam and chatter. WhatsApp carries
most complaints (surakarta.md §4.4), so it leans further towards them. Some people come back in
the same thread; a few edit or delete what they wrote. Same seed, same people, same words.
"""

import random
from dataclasses import dataclass

from sigap.fakeplatform import texts
from sigap.fakeplatform.base import Person
from sigap.fakeplatform.world import Item

PLATFORM_WEIGHTS = {
    "whatsapp": 26,
    "instagram": 22,
    "facebook": 13,
    "x": 12,
    "tiktok": 9,
    "telegram": 7,
    "youtube": 6,
    "messenger": 5,
}
KIND_WEIGHTS = {
    "instagram": {"comment": 70, "dm": 20, "mention": 10},
    "facebook": {"comment": 80, "post": 20},
    "messenger": {"dm": 1},
    "whatsapp": {"dm": 1},
    "telegram": {"dm": 1},
    "youtube": {"comment": 1},
    "x": {"mention": 80, "dm": 20},
    "tiktok": {"comment": 45, "dm": 55},
}
# What people write, by channel: WhatsApp is where complaints go; public comments are mostly chatter.
CATEGORY_WEIGHTS = {
    "whatsapp": {"complaint": 55, "question": 25, "greeting": 15, "other": 5},
    "default": {"complaint": 28, "question": 18.5, "greeting": 28, "other": 25.5},
}
FOLLOW_UP, EDIT, DELETE = 0.10, 0.03, 0.03  # chances per step; the rest are new messages
EDITABLE = {"facebook": ("comment", "reply", "post"), "telegram": ("dm",), "x": ("mention",)}
DELETABLE = {"facebook": ("comment", "reply", "post"), "instagram": ("comment", "dm"), "tiktok": ("comment",)}
PEOPLE = 80
RECENT = 30  # follow-ups, edits and deletions touch one of the last this-many citizen items
SOLO = (-7.5666, 110.8166)  # where the random pins are dropped around


@dataclass
class Said:
    """One step of the simulation, for logs and tests."""

    action: str  # new | follow_up | edit | delete
    platform: str
    kind: str
    category: str  # complaint | question | greeting | other ("" for edits and deletions)
    text: str
    item_id: str
    topic: str = ""  # for complaints: what kind of problem


class Citizens:
    def __init__(self, fake, seed: int | None = None) -> None:
        self.fake = fake
        self.rng = random.Random(seed)
        places = texts.wilayah()
        self.people = [self._person(i, places) for i in range(1, PEOPLE + 1)]
        self.recent: list[tuple[Item, Person, str]] = []  # (item, who, category)
        self.log: list[Said] = []

    def _person(self, index: int, places: list[tuple[str, str]]) -> Person:
        first, last = self.rng.choice(texts.FIRST_NAMES), self.rng.choice(texts.LAST_NAMES)
        kecamatan, kelurahan = self.rng.choice(places)
        suffix = self.rng.choice(["solo", "slo", "skh", kelurahan.lower().replace(" ", ""), str(self.rng.randint(1, 99))])
        handle = f"{first.lower()}{'_' if self.rng.random() < 0.5 else '.'}{suffix}"
        return Person(index, first, last, handle, kecamatan, kelurahan)

    def step(self) -> Said:
        roll = self.rng.random()
        if roll < FOLLOW_UP and self.recent:
            said = self._follow_up()
        elif roll < FOLLOW_UP + EDIT:
            said = self._edit()
        elif roll < FOLLOW_UP + EDIT + DELETE:
            said = self._delete()
        else:
            said = None
        said = said or self._new()
        self.log.append(said)
        return said

    # New messages

    def _new(self) -> Said:
        platform = _weighted(self.rng, PLATFORM_WEIGHTS)
        kind = _weighted(self.rng, KIND_WEIGHTS[platform])
        category = _weighted(self.rng, CATEGORY_WEIGHTS.get(platform, CATEGORY_WEIGHTS["default"]))
        who = self.rng.choice(self.people)
        topic, text = self._words(category, who, platform)
        options: dict = {}
        if platform in ("whatsapp", "telegram") and category == "complaint" and self.rng.random() < 0.2:
            options["media"] = "image"  # a photo of the problem, the words as its caption
        item = self.fake.citizen_says(platform, kind, text, person=who, **options)
        self._remember(item, who, category)
        return Said("new", platform, item.kind, category, item.text, item.id, topic)

    def _words(self, category: str, who: Person, platform: str) -> tuple[str, str]:
        values = texts.slots(self.rng, who.kecamatan, who.kelurahan)
        if category == "complaint":
            topic, text = texts.complaint(self.rng, values)
            if platform == "whatsapp":
                text = texts.whatsapp_opener(self.rng, who.first, who.kelurahan) + text
            return topic, text
        templates = {"question": texts.QUESTIONS, "greeting": texts.GREETINGS, "other": texts.OTHER}[category]
        return "", texts.pick(self.rng, templates, values)

    # Coming back to an earlier item

    def _follow_up(self) -> Said | None:
        item, who, category = self.rng.choice(self.recent[-RECENT:])
        if item.deleted or category != "complaint":
            return None
        values = texts.slots(self.rng, who.kecamatan, who.kelurahan)
        text = texts.pick(self.rng, texts.FOLLOW_UPS, values)
        options: dict = {}
        if item.kind == "dm":
            if item.platform == "whatsapp" and self.rng.random() < 0.3:
                options["location"], text = self._pin(), ""
        else:
            # Under the city's reply when there is one (X threads continue there), else under their own comment.
            replies = [r for r in self.fake.world.replies_to(item.id) if not r.private]
            options["parent"] = replies[-1].id if replies and item.platform == "x" else item.id
        kind = "dm" if item.kind == "dm" else "comment" if item.platform != "x" else "mention"
        said = self.fake.citizen_says(item.platform, kind, text, person=who, **options)
        self._remember(said, who, category)
        return Said("follow_up", item.platform, said.kind, category, said.text, said.id)

    def _edit(self) -> Said | None:
        candidates = [
            (i, w)
            for i, w, _ in self.recent[-RECENT:]
            if i.platform in EDITABLE and i.kind in EDITABLE[i.platform] and not i.deleted
        ]
        if not candidates:
            return None
        item, who = self.rng.choice(candidates)
        values = texts.slots(self.rng, who.kecamatan, who.kelurahan)
        text = item.text + self.rng.choice(texts.EDITS).format(**values)
        self.fake.citizen_edits(item.id, text)
        return Said("edit", item.platform, item.kind, "", text, item.id)

    def _delete(self) -> Said | None:
        candidates = [
            i
            for i, _, _ in self.recent[-RECENT:]
            if i.platform in DELETABLE and i.kind in DELETABLE[i.platform] and not i.deleted
        ]
        if not candidates:
            return None
        item = self.rng.choice(candidates)
        self.fake.citizen_deletes(item.id)
        return Said("delete", item.platform, item.kind, "", item.text, item.id)

    def _remember(self, item: Item, who: Person, category: str) -> None:
        self.recent = (self.recent + [(item, who, category)])[-RECENT * 2 :]

    def _pin(self) -> dict:
        lat = round(SOLO[0] + self.rng.uniform(-0.025, 0.025), 6)
        lon = round(SOLO[1] + self.rng.uniform(-0.035, 0.035), 6)
        return {"latitude": lat, "longitude": lon}


def _weighted(rng: random.Random, weights: dict) -> str:
    names = sorted(weights)
    return rng.choices(names, weights=[weights[n] for n in names])[0]
