"""Sending webhooks the way each platform does: signed over the exact bytes sent, retried on non-2xx.

Signatures: Meta X-Hub-Signature-256 (§1.2), X x-twitter-webhooks-signature (§5.2), TikTok
Tiktok-Signature t=…,s=… (§7.1), Telegram's shared secret header (§8). Real platforms retry for
hours or days (Meta ~36 h [U], WhatsApp up to 7 days); the fake keeps their shape (retry on
anything but 2xx, with growing pauses) over seconds, and gives up after a bounded number of tries.
"""

import base64
import hashlib
import hmac
import itertools
import logging
import secrets
import threading
from dataclasses import dataclass, field

import httpx

log = logging.getLogger("sigap.fakeplatform")

# Pauses between attempts: 1 + len(RETRY_DELAYS) attempts in all, about half a minute end to end.
RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0)
TIMEOUT = httpx.Timeout(10.0, connect=3.0)
KEPT_JOBS = 500  # finished jobs kept for the page; older ones are forgotten


def meta_signature(app_secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def x_signature(consumer_secret: str, body: bytes) -> str:
    digest = hmac.new(consumer_secret.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def x_crc_response(consumer_secret: str, crc_token: str) -> str:
    return x_signature(consumer_secret, crc_token.encode())


def tiktok_signature(app_secret: str, body: bytes, timestamp: int) -> str:
    signed = str(timestamp).encode() + b"." + body
    return f"t={timestamp},s=" + hmac.new(app_secret.encode(), signed, hashlib.sha256).hexdigest()


@dataclass
class Job:
    id: int
    group: str  # meta | x | tiktok | telegram: who sends it
    url: str
    body: bytes
    label: str
    item_ids: list = field(default_factory=list)
    attempts: list = field(default_factory=list)  # {"at", "status"} or {"at", "error"}
    next_at: float = 0.0
    state: str = "pending"  # pending | delivered | gave_up
    busy: bool = False

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "group": self.group,
            "url": self.url,
            "label": self.label,
            "item_ids": self.item_ids,
            "attempts": self.attempts,
            "state": self.state,
            "next_at": self.next_at if self.state == "pending" else None,
        }


class Deliverer:
    def __init__(self, world, secrets_: dict, *, retry_delays=RETRY_DELAYS, client: httpx.Client | None = None):
        self.world = world
        self.secrets = secrets_
        self.retry_delays = tuple(retry_delays)
        self._client = client
        self._owns_client = client is None
        self.targets: dict[str, str] = {}  # group -> URL; a group without one is not pushed
        self.jobs: list[Job] = []
        self.subscriptions: dict[str, dict] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    @property
    def client(self) -> httpx.Client:
        # Made on first use: building an httpx client loads the CA store, which a fake that never
        # delivers (most tests) need not pay for.
        if self._client is None:
            self._client = httpx.Client(timeout=TIMEOUT)
        return self._client

    @client.setter
    def client(self, value: httpx.Client) -> None:
        self._client, self._owns_client = value, False

    def close(self) -> None:
        # Keep-alive connections left open would hold a request thread of the receiving server.
        if self._owns_client and self._client is not None:
            self._client.close()

    # Queueing and sending

    def send(self, group: str, body: bytes, *, label: str, item_ids=(), now: bool = True) -> Job | None:
        """Deliver `body` to the group's endpoint: tried at once (`now`), or left for `run_due`."""
        url = self.targets.get(group)
        if not url:
            return None
        job = Job(next(self._ids), group, url, body, label, list(item_ids), next_at=self.world.now())
        with self._lock:
            self.jobs.append(job)
            self._forget_old()
        with self.world.lock:
            for item_id in item_ids:
                item = self.world.get(item_id)
                if item is not None:
                    item.deliveries.append(job.id)
        if now:
            self._attempt(job)
        return job

    def run_due(self, now: float | None = None) -> int:
        """Try every pending job whose time has come; returns how many were tried."""
        now = self.world.now() if now is None else now
        with self._lock:
            due = [j for j in self.jobs if j.state == "pending" and not j.busy and j.next_at <= now]
            for job in due:
                job.busy = True
        for job in due:
            self._attempt(job, claimed=True)
        return len(due)

    def _attempt(self, job: Job, claimed: bool = False) -> None:
        if not claimed:
            with self._lock:
                if job.busy or job.state != "pending":
                    return
                job.busy = True
        at = self.world.now()
        try:
            response = self.client.post(job.url, content=job.body, headers=self._headers(job.group, job.body))
            outcome = {"at": at, "status": response.status_code}
            ok = 200 <= response.status_code < 300
        except httpx.HTTPError as exc:
            outcome, ok = {"at": at, "error": type(exc).__name__}, False
        with self._lock:
            job.attempts.append(outcome)
            job.busy = False
            if ok:
                job.state = "delivered"
            elif len(job.attempts) > len(self.retry_delays):
                job.state = "gave_up"
            else:
                job.next_at = at + self.retry_delays[len(job.attempts) - 1]
        if job.state != "pending":
            self.world.stats[f"webhook:{job.group}:{job.state}"] += 1
        if not ok:
            log.info("webhook %s #%s to %s: %s (%s)", job.group, job.id, job.url, outcome, job.state)

    def _headers(self, group: str, body: bytes) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "User-Agent": _USER_AGENTS[group]}
        if group == "meta":
            headers["X-Hub-Signature-256"] = meta_signature(self.secrets["meta_app_secret"], body)
        elif group == "x":
            headers["x-twitter-webhooks-signature"] = x_signature(self.secrets["x_consumer_secret"], body)
        elif group == "tiktok":
            # Signed at send time: a retry carries a fresh timestamp, as a replay check expects.
            headers["Tiktok-Signature"] = tiktok_signature(
                self.secrets["tiktok_app_secret"], body, int(self.world.now())
            )
        elif group == "telegram" and self.secrets.get("telegram_secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.secrets["telegram_secret_token"]
        return headers

    def _forget_old(self) -> None:
        finished = [j for j in self.jobs if j.state != "pending"]
        if len(finished) > KEPT_JOBS:
            drop = {j.id for j in finished[: len(finished) - KEPT_JOBS]}
            self.jobs = [j for j in self.jobs if j.id not in drop]

    def job(self, job_id: int) -> Job | None:
        return next((j for j in self.jobs if j.id == job_id), None)

    def snapshot(self, limit: int = 50) -> list[dict]:
        with self._lock:
            return [j.to_dict() for j in self.jobs[-limit:]]

    # Subscription checks, as the platforms make them before delivering (§1.1, §5.2)

    def verify_subscriptions(self) -> dict[str, dict]:
        for group, check in (("meta", self._meta_handshake), ("x", self._x_crc)):
            if group in self.targets:
                try:
                    self.subscriptions[group] = check(self.targets[group])
                except httpx.HTTPError as exc:
                    self.subscriptions[group] = {"ok": False, "detail": type(exc).__name__}
        return self.subscriptions

    def _meta_handshake(self, url: str) -> dict:
        challenge = str(secrets.randbelow(10**10))
        params = {
            "hub.mode": "subscribe",
            "hub.challenge": challenge,
            "hub.verify_token": self.secrets["meta_verify_token"],
        }
        response = self.client.get(url, params=params)
        ok = response.status_code == 200 and response.text == challenge
        return {"ok": ok, "detail": f"HTTP {response.status_code}"}

    def _x_crc(self, url: str) -> dict:
        token = secrets.token_urlsafe(24)
        response = self.client.get(url, params={"crc_token": token})
        try:
            answer = response.json().get("response_token")
        except (ValueError, AttributeError):
            answer = None
        ok = response.status_code == 200 and answer == x_crc_response(self.secrets["x_consumer_secret"], token)
        return {"ok": ok, "detail": f"HTTP {response.status_code}"}


_USER_AGENTS = {
    "meta": "facebookexternalua",
    "x": "Twitter-Webhooks/1.0 (sigap fakeplatform)",
    "tiktok": "TikTok-Webhook (sigap fakeplatform)",
    "telegram": "TelegramBot (sigap fakeplatform)",
}
