"""What the fake platforms hold: posts, comments, messages, the city's replies, and fault switches.

One `World` per fake server, in memory, guarded by one lock: the HTTP threads, the webhook
deliverer and the citizen simulator all read and change it.
"""

import re
import threading
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass, field

PLATFORMS = ("instagram", "facebook", "messenger", "whatsapp", "x", "youtube", "telegram", "tiktok")
# "timeout": the API host holds each call for `code` seconds (default 20) and then answers 504 without
# acting on it, as a gateway in front of a hung platform would; it applies to every product the host serves.
FAULT_KINDS = ("outage", "throttle", "token", "deleted", "timeout")
# Sigap's nomor lacak, e.g. SKA-7K3M-9QX4 (sigap.lib.tracking); any prefix.
TRACKING_NUMBER = re.compile(r"\b[A-Z]{2,8}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")


@dataclass
class Item:
    """Anything posted on a fake platform: by a citizen, by the city, or by Sigap on the city's behalf."""

    id: str
    platform: str
    kind: str  # post (the city's own post/video), comment, reply, mention, dm
    text: str
    author: dict  # {"id", "handle", "name"} plus platform extras (phone, bsuid, …)
    created: float  # epoch seconds
    thread: str = ""  # media / post / video / conversation / chat the item belongs to
    parent: str = ""  # the comment a reply is under
    by_city: bool = False  # posted through the API with the city's token (Sigap's replies)
    answers: str = ""  # for the city's replies: the citizen item it answers
    private: bool = False  # a private reply or DM (not visible under the post)
    extra: dict = field(default_factory=dict)  # media, location, per-platform numbers
    deleted: bool = False
    edits: list = field(default_factory=list)  # earlier texts, oldest first
    private_replied: bool = False  # IG/FB: the one private reply a comment allows is used (§2.4, §3.5)
    status: str = ""  # WhatsApp: sent / delivered / failed, for the city's messages
    error: str = ""  # why a city message failed after it was accepted (WhatsApp 131047, …)
    deliveries: list = field(default_factory=list)  # webhook job ids that carried this item

    def to_dict(self) -> dict:
        data = asdict(self)
        data["tracking_numbers"] = TRACKING_NUMBER.findall(self.text) if self.by_city else []
        return data


@dataclass
class Fault:
    kind: str  # one of FAULT_KINDS
    remaining: int | None = None  # None: until switched off; n: the next n calls it applies to
    code: str = ""  # a platform-specific code to answer with instead of the default (e.g. Graph 17)

    def to_dict(self) -> dict:
        return asdict(self)


class World:
    def __init__(self, clock=time.time) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.items: dict[str, Item] = {}
        # Indexes, so the page and the APIs stay fast in a demo left running all day.
        self._by_platform: dict[str, list[Item]] = {p: [] for p in PLATFORMS}
        self._answers: dict[str, list[Item]] = {}
        self.faults: dict[str, Fault] = {}
        self.stats: Counter = Counter()
        self.calls: deque = deque(maxlen=300)  # API calls answered: method, path, status, platform
        # Ids never repeat on a real platform, and Sigap dedupes on them: a fake restarted against the
        # same database must not reissue the last run's ids. Starting from the clock (in ms) does that,
        # as long as a run makes fewer than 1,000 ids a second.
        self._serial = int(clock() * 1000) % 10**11

    def now(self) -> float:
        return self.clock()

    def serial(self) -> int:
        """A number that only grows: the raw material of every id the fake makes up."""
        with self.lock:
            self._serial += 1
            return self._serial

    # Items

    def add(self, item: Item) -> Item:
        with self.lock:
            self.items[item.id] = item
            self._by_platform[item.platform].append(item)
            if item.answers:
                self._answers.setdefault(item.answers, []).append(item)
            self.stats[f"{'city' if item.by_city else 'citizen'}:{item.platform}:{item.kind}"] += 1
        return item

    def get(self, item_id: str, platform: str | None = None) -> Item | None:
        item = self.items.get(item_id)
        if item is None or (platform and item.platform != platform):
            return None
        return item

    def of(self, platform: str, *, kind: str | None = None, by_city: bool | None = None) -> list[Item]:
        with self.lock:
            return [
                i
                for i in self._by_platform[platform]
                if (kind is None or i.kind == kind) and (by_city is None or i.by_city == by_city)
            ]

    def replies_to(self, item_id: str) -> list[Item]:
        """The city's replies answering this item (public or private)."""
        with self.lock:
            return [i for i in self._answers.get(item_id, []) if i.by_city]

    def last_from(self, platform: str, author_id: str, *, kinds=("dm",)) -> Item | None:
        """The citizen's latest message of these kinds: what opens and re-opens a DM window."""
        with self.lock:
            found = [
                i
                for i in self._by_platform[platform]
                if not i.by_city and i.kind in kinds and i.author.get("id") == author_id
            ]
        return max(found, key=lambda i: i.created, default=None)

    # Faults

    def set_fault(self, platform: str, kind: str, *, count: int | None = None, code: str = "") -> None:
        if platform not in PLATFORMS or kind not in FAULT_KINDS:
            raise ValueError(f"unknown platform or fault: {platform!r}, {kind!r}")
        with self.lock:
            self.faults[platform] = Fault(kind=kind, remaining=count, code=str(code or ""))

    def clear_fault(self, platform: str | None = None) -> None:
        with self.lock:
            if platform is None:
                self.faults.clear()
            else:
                self.faults.pop(platform, None)

    def take_fault(self, platform: str, kind: str) -> Fault | None:
        """The fault of this kind switched on for the platform, counted as used; None when there is none."""
        with self.lock:
            fault = self.faults.get(platform)
            if fault is None or fault.kind != kind:
                return None
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    del self.faults[platform]
            return fault

    # Record of API calls (for the page and for tests)

    def record_call(self, platform: str, method: str, path: str, status: int, error: str = "") -> None:
        with self.lock:
            self.calls.append(
                {
                    "at": self.now(),
                    "platform": platform,
                    "method": method,
                    "path": path,
                    "status": status,
                    "error": error,
                }
            )
            self.stats[f"api:{platform}:{'ok' if status < 400 and not error else 'error'}"] += 1
