"""The fake platform as one object: its world, the platform APIs, the webhook deliverer, the citizens.

`FakePlatform` is a WSGI app. `start()` serves it from a background thread (tests use port 0) and
runs the ticker that retries webhooks and lets the citizens speak; `sigap fakeplatform` wraps it.
"""

import copy
import logging
import os
import threading
import time
from dataclasses import dataclass, field

from sigap.fakeplatform import control, page
from sigap.fakeplatform.accounts import CITY_ACCOUNTS, TOKEN_ENV
from sigap.fakeplatform.base import Person, digits, opaque, snowflake
from sigap.fakeplatform.citizens import Citizens
from sigap.fakeplatform.meta import Meta
from sigap.fakeplatform.telegram import Telegram
from sigap.fakeplatform.tiktok import TikTok
from sigap.fakeplatform.web import Request, Response, Server, json_response, to_wsgi
from sigap.fakeplatform.webhooks import RETRY_DELAYS, Deliverer
from sigap.fakeplatform.wiring import API_PATHS
from sigap.fakeplatform.world import PLATFORMS, Item, World
from sigap.fakeplatform.x import X
from sigap.fakeplatform.youtube import YouTube

log = logging.getLogger("sigap.fakeplatform")

# The environment variables Sigap reads its platform secrets from (sigap/settings.py).
SECRET_ENV = {
    "meta_app_secret": "SIGAP_META_APP_SECRET",
    "meta_verify_token": "SIGAP_META_VERIFY_TOKEN",
    "x_consumer_secret": "SIGAP_X_CONSUMER_SECRET",
    "tiktok_app_secret": "SIGAP_TIKTOK_APP_SECRET",
    "telegram_secret_token": "SIGAP_TELEGRAM_SECRET_TOKEN",
}
# What a citizen may start on each platform ("reply" comes from naming a parent).
KINDS = {
    "instagram": ("comment", "mention", "dm"),
    "facebook": ("comment", "post"),
    "messenger": ("dm",),
    "whatsapp": ("dm",),
    "x": ("mention", "dm"),
    "youtube": ("comment",),
    "telegram": ("dm",),
    "tiktok": ("comment", "dm"),
}
# Pushed by webhook unless listed in Config.poll (YouTube cannot push at all, §6.1).
PUSH_GROUPS = ("meta", "x", "tiktok", "telegram")
CITY_POSTS = {
    "instagram": ["Car Free Day Slamet Riyadi kembali digelar Minggu pagi 🚲", "Info layanan Mal Pelayanan Publik 📋"],
    "facebook": [
        "Jadwal pelayanan kependudukan keliling minggu ini",
        "Kerja bakti bersih saluran air se-Kota Surakarta",
    ],
    "youtube": ["Wali Kota Surakarta meninjau perbaikan jalan", "Sosialisasi layanan aduan warga"],
    "tiktok": ["Solo bersih, Solo nyaman ✨", "Sehari bersama petugas kebersihan kota"],
    "x": ["Sampaikan aduan Anda ke akun ini, sertakan lokasi yang jelas.", "Info CFD Minggu pagi di Slamet Riyadi."],
}


@dataclass
class Config:
    tokens: dict  # platform -> the access token the fake accepts
    secrets: dict  # meta_app_secret, meta_verify_token, x_consumer_secret, tiktok_app_secret, telegram_secret_token
    accounts: dict = field(default_factory=lambda: copy.deepcopy(CITY_ACCOUNTS))
    deliver_to: str = ""  # Sigap's base URL, e.g. http://127.0.0.1:8000; empty: no webhooks at all
    poll: frozenset = frozenset()  # "x" and/or "telegram": leave their items to be polled instead of pushed
    seed: int | None = None
    interval: float = 4.0  # seconds between simulated citizens' messages
    citizens: bool = True
    retry_delays: tuple = RETRY_DELAYS

    @classmethod
    def from_env(cls, environ=None, **overrides) -> "Config":
        """Secrets and tokens from the same variables Sigap reads, with fixed demo values when unset."""
        environ = os.environ if environ is None else environ
        tokens = {p: environ.get(TOKEN_ENV[p]) or f"demo-{p}-token" for p in PLATFORMS}
        secrets = {key: environ.get(name) or f"demo-{key.replace('_', '-')}" for key, name in SECRET_ENV.items()}
        return cls(tokens=tokens, secrets=secrets, **overrides)


class FakePlatform:
    def __init__(self, config: Config, *, clock=time.time, client=None) -> None:
        self.config = config
        self.world = World(clock)
        self.deliverer = Deliverer(self.world, dict(config.secrets), retry_delays=config.retry_delays, client=client)
        self.apis = {}
        for api_class in (Meta, X, YouTube, Telegram, TikTok):
            api = api_class(self)
            self.apis |= {platform: api for platform in api.platforms}
        self.routes = sorted({api.prefix: api for api in self.apis.values()}.items(), key=lambda r: -len(r[0]))
        self.citizens = Citizens(self, config.seed)
        self.url = ""
        self._server: Server | None = None
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()
        self._control_posts = 0
        self.api_delay = 0.0  # seconds every API answer waits after the call was carried out (rules)
        if config.deliver_to:
            base = config.deliver_to.rstrip("/")
            self.deliverer.targets = {g: f"{base}/webhooks/{g}" for g in PUSH_GROUPS if g not in config.poll}
        self._city_posts()

    # WSGI

    def __call__(self, environ, start_response):
        return to_wsgi(self.dispatch(Request.from_environ(environ)), start_response)

    def dispatch(self, request: Request) -> Response:
        try:
            if request.path.startswith("/_control/"):
                return control.handle(self, request)
            if request.path == "/":
                return page.render(self)
            for prefix, api in self.routes:
                if request.path == prefix or request.path.startswith(prefix + "/"):
                    response = self._hung(api) or api.handle(request, request.path[len(prefix) :])
                    if self.api_delay:
                        # After the work is done: a caller killed meanwhile has been answered by the
                        # platform without knowing it (what an interrupted send looks like).
                        time.sleep(self.api_delay)
                    self.world.record_call(
                        prefix.strip("/").split("/")[0], request.method, request.path, response.status, response.error
                    )
                    return response
            return json_response({"error": "no fake platform at this path"}, 404)
        except Exception:  # a bug in the fake must answer 500, not kill the server thread
            log.exception("fake platform failed on %s %s", request.method, request.path)
            return json_response({"error": "the fake platform crashed; see its log"}, 500)

    def _hung(self, api) -> Response | None:
        """The "timeout" fault: hold the call, then answer as a gateway that gave up, having done nothing."""
        fault = next((f for p in api.platforms if (f := self.world.take_fault(p, "timeout"))), None)
        if fault is None:
            return None
        time.sleep(float(fault.code) if fault.code.replace(".", "", 1).isdigit() else 20.0)
        return json_response({"error": "gateway timeout"}, 504, error="timeout")

    # What citizens do

    def citizen_says(
        self,
        platform: str,
        kind: str,
        text: str,
        *,
        person: Person | None = None,
        parent: str = "",
        thread: str = "",
        media=None,
        location=None,
        age: float = 0.0,
    ) -> Item:
        """A citizen posts: the item joins the world and its webhook (if the platform pushes) goes out now."""
        if kind not in KINDS.get(platform, ()):
            raise ValueError(f"a citizen cannot start a {kind!r} on {platform!r}")
        api = self.apis[platform]
        person = person or self._next_person()
        with self.world.lock:
            item = Item("", platform, kind, text, api.author(platform, person), self.world.now() - age)
            api.prepare(item, {"parent": parent, "thread": thread, "media": media, "location": location})
            self.world.add(item)
        self._push(item, "create")
        return item

    def citizen_edits(self, item_id: str, text: str) -> Item:
        item = self._citizen_item(item_id)
        with self.world.lock:
            self.apis[item.platform].edit(item, text)
        self._push(item, "edit")
        return item

    def citizen_deletes(self, item_id: str) -> Item:
        item = self._citizen_item(item_id)
        item.deleted = True
        self._push(item, "delete")
        return item

    def _citizen_item(self, item_id: str) -> Item:
        item = self.world.get(item_id)
        if item is None or item.by_city or item.deleted:
            raise ValueError(f"no citizen item {item_id!r} to change")
        return item

    def _push(self, item: Item, event: str) -> None:
        for group, body, label in self.apis[item.platform].events(item, event):
            self.deliverer.send(group, body, label=label, item_ids=[item.id])

    def _next_person(self) -> Person:
        self._control_posts += 1
        return self.citizens.people[(self._control_posts - 1) % len(self.citizens.people)]

    def _city_posts(self) -> None:
        """The city's own posts and videos for citizens to comment on."""
        makers = {
            "instagram": lambda n: digits("1807", n, 17),
            "facebook": lambda n: f"{self.config.accounts['facebook']['id']}_{digits('1221', n, 15)}",
            "youtube": lambda n: opaque("", n, 11).replace("-", "a").replace("_", "b"),
            "tiktok": lambda n: digits("74000", n, 19),
            "x": lambda n: snowflake(self.world),
        }
        for platform, captions in CITY_POSTS.items():
            city = self.config.accounts[platform]
            author = {"id": city["id"], "handle": city["handle"], "name": city["name"]}
            for caption in captions:
                post_id = makers[platform](self.world.serial())
                extra = {"permalink": f"https://www.instagram.com/p/{post_id[-8:]}/"} if platform == "instagram" else {}
                self.world.add(
                    Item(
                        post_id,
                        platform,
                        "post",
                        caption,
                        author,
                        self.world.now(),
                        thread=post_id,
                        by_city=True,
                        extra=extra,
                    )
                )

    # Running

    def start(self, host: str = "127.0.0.1", port: int = 0, *, ticker: bool = True) -> "FakePlatform":
        self._server = Server(self, host, port).start()
        self.url = self._server.url
        if ticker:
            self._ticker = threading.Thread(target=self._tick_forever, name="fakeplatform-ticker", daemon=True)
            self._ticker.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._ticker:
            self._ticker.join(timeout=10)
        if self._server:
            self._server.stop()
        self.deliverer.close()

    def _tick_forever(self) -> None:
        next_step = self.world.now() + self.config.interval
        checks = 0
        while not self._stop.wait(0.25):
            self.deliverer.run_due()
            # Meta and X check the endpoint before delivering (§1.1, §5.2); retried while Sigap starts.
            if checks < 60 and not all(s.get("ok") for s in self._subscriptions()):
                checks += 1
                if checks % 8 == 1:
                    self.deliverer.verify_subscriptions()
            if self.config.citizens and self.world.now() >= next_step:
                next_step = self.world.now() + self.config.interval
                try:
                    self.citizens.step()
                except Exception:
                    log.exception("the citizen simulator failed")

    def _subscriptions(self) -> list[dict]:
        groups = [g for g in ("meta", "x") if g in self.deliverer.targets]
        return [self.deliverer.subscriptions.get(g, {}) for g in groups]

    # Wiring Sigap to this fake (tests)

    def sigap_platforms(self) -> dict:
        """The SIGAP_PLATFORMS setting that points Sigap's adapters at this fake."""
        urls = {name: self.url + path for name, path in API_PATHS.items()}
        s = self.config.secrets
        return {
            "meta": {
                "secret": s["meta_app_secret"],
                "verify_token": s["meta_verify_token"],
                "api_url": urls["SIGAP_META_GRAPH_URL"],
            },
            "x": {"secret": s["x_consumer_secret"], "api_url": urls["SIGAP_X_API_URL"]},
            "tiktok": {"secret": s["tiktok_app_secret"], "api_url": urls["SIGAP_TIKTOK_API_URL"]},
            "telegram": {"secret": s["telegram_secret_token"], "api_url": urls["SIGAP_TELEGRAM_API_URL"]},
            "youtube": {"secret": "", "api_url": urls["SIGAP_YOUTUBE_API_URL"]},
        }

    def snapshot(self, limit: int = 40) -> dict:
        """Everything the page shows, as JSON (GET /_control/state)."""
        with self.world.lock:
            platforms = {}
            for platform in PLATFORMS:
                items = [
                    i for i in self.world.of(platform, by_city=False) if i.kind != "post" or platform == "facebook"
                ]
                platforms[platform] = [
                    i.to_dict() | {"replies": [r.to_dict() for r in self.world.replies_to(i.id)]}
                    for i in items[-limit:]
                ]
            return {
                "url": self.url,
                "deliver_to": self.deliverer.targets,
                "poll": sorted(self.config.poll),
                "accounts": self.config.accounts,
                "faults": {p: f.to_dict() for p, f in self.world.faults.items()},
                "rules": {"x_refuse_links": self.apis["x"].refuse_links},
                "subscriptions": self.deliverer.subscriptions,
                "stats": dict(self.world.stats),
                "youtube_quota": {"used": self.apis["youtube"].quota_used, "limit": self.apis["youtube"].quota_limit},
                "platforms": platforms,
                "webhooks": self.deliverer.snapshot(limit=300),
                "calls": list(self.world.calls)[-50:],
            }
