"""What every fake platform API shares: the city account, tokens, faults, ids and time formats."""

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timezone

from sigap.fakeplatform.web import Request, Response
from sigap.fakeplatform.world import Fault, Item, World


@dataclass(frozen=True)
class Person:
    """A citizen of the simulation; each platform derives its own ids for them from `index`."""

    index: int
    first: str
    last: str
    handle: str
    kecamatan: str = ""
    kelurahan: str = ""

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}".strip()


class FakeApi:
    """One platform family's API (Meta serves four products), and the webhooks it sends."""

    platforms: tuple[str, ...] = ()
    prefix = ""  # path prefix on the fake server, e.g. "/x"

    def __init__(self, fake) -> None:
        self.fake = fake
        self.world: World = fake.world
        self.config = fake.config

    # Called by the server

    def handle(self, request: Request, path: str) -> Response:
        """Answer one API call; `path` is what follows the prefix."""
        raise NotImplementedError

    def author(self, platform: str, person: Person) -> dict:
        raise NotImplementedError

    def prepare(self, item: Item, options: dict) -> None:
        """Give a new citizen item its platform id, thread and extras."""
        raise NotImplementedError

    def events(self, item: Item, event: str) -> list[tuple[str, bytes, str]]:
        """Webhook deliveries for a citizen's `event` (create / edit / delete): (group, body, label)."""
        return []

    def edit(self, item: Item, text: str) -> None:
        """Change a citizen item's words; platforms that do not allow edits raise ValueError."""
        raise ValueError(f"{item.platform} does not let people edit a {item.kind}")

    # Shared helpers

    def city(self, platform: str) -> dict:
        return self.config.accounts[platform]

    def token_ok(self, platforms, given: str) -> bool:
        """Compare in constant time with every token that may act here (a Page has two products)."""
        platforms = (platforms,) if isinstance(platforms, str) else platforms
        return bool(given) and any(hmac.compare_digest(self.config.tokens[p], given) for p in platforms)

    def fault(self, platform: str, kind: str) -> Fault | None:
        return self.world.take_fault(platform, kind)

    def default_thread(self, platform: str) -> Item:
        """The city's post new comments land on by default: its most recent one."""
        posts = [p for p in self.world.of(platform, kind="post", by_city=True) if not p.extra.get("foreign")]
        if not posts:
            raise ValueError(f"the city has no {platform} post to comment on")
        return posts[-1]


# Ids: made from the world's serial, in each platform's shape (§10).


def digits(prefix: str, serial: int, width: int) -> str:
    return f"{prefix}{serial:0{width - len(prefix)}d}"


def opaque(prefix: str, serial: int, length: int = 32) -> str:
    """An opaque base64-looking id (IG mids, wamids, YouTube ids), stable for a given serial."""
    digest = hashlib.sha256(f"sigap-fake:{serial}".encode()).digest() * 2
    return (prefix + base64.urlsafe_b64encode(digest).decode().rstrip("="))[:length]


def snowflake(world: World) -> str:
    """X / Twitter ids: milliseconds since 2010-11-04 shifted left 22 bits, so newer is larger (§5.7)."""
    with world.lock:
        value = (int(world.now() * 1000) - 1288834974657) << 22 | (world.serial() & 0x3FFFFF)
        last = getattr(world, "_last_snowflake", 0)
        value = max(value, last + 1)
        world._last_snowflake = value
    return str(value)


# Time formats


def iso_z(epoch: float, *, millis: bool = False) -> str:
    """2026-09-10T03:21:00.000Z (X) or 2026-09-10T03:21:00Z (YouTube)."""
    moment = datetime.fromtimestamp(epoch, tz=timezone.utc)
    if millis:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def graph_time(epoch: float) -> str:
    """2017-08-31T18:10:30+0000, as the Graph API writes times."""
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+0000")


def compact(data) -> bytes:
    """Webhook bodies are compact JSON, non-ASCII as UTF-8 (Meta escapes it instead: see meta.py)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
