"""The page at "/": what citizens posted on each platform and what Sigap answered under it.

Plain HTML with inline CSS (no CDN), refreshing itself every few seconds.
"""

import time
from html import escape

from sigap.fakeplatform.web import Response, html_response
from sigap.fakeplatform.world import FAULT_KINDS, PLATFORMS, TRACKING_NUMBER

REFRESH_SECONDS = 3
SHOWN = 12  # items per platform
LABELS = {
    "instagram": "Instagram",
    "facebook": "Facebook",
    "messenger": "Messenger",
    "whatsapp": "WhatsApp",
    "x": "X",
    "youtube": "YouTube",
    "telegram": "Telegram",
    "tiktok": "TikTok",
}

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f5f7;color:#1d2433}
header{background:#1d2433;color:#fff;padding:12px 20px;display:flex;gap:24px;align-items:baseline;flex-wrap:wrap}
header h1{font-size:18px;margin:0}header a{color:#9cc3ff}.muted{color:#6b7385}header .muted{color:#b8bfcc}
main{padding:16px 20px}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:14px}
section{background:#fff;border-radius:8px;box-shadow:0 1px 2px #0002;padding:10px 12px}
section h2{font-size:15px;margin:2px 0 8px;display:flex;justify-content:space-between}
.item{border-top:1px solid #eceef2;padding:7px 0}.who{font-weight:600}.kind{font-size:11px;background:#eef1f6;
border-radius:4px;padding:1px 5px;margin-left:4px;color:#4a5368}.text{white-space:pre-wrap;margin:2px 0}
.deleted .text{text-decoration:line-through;color:#8a91a1}.reply{margin:4px 0 0 16px;padding:4px 8px;
border-left:3px solid #2e9e5b;background:#f1faf4;border-radius:0 4px 4px 0}.reply.failed{border-color:#d64545;
background:#fdf2f2}mark{background:#ffe58a;padding:0 2px;border-radius:2px;font-weight:600}
.hook{font-size:11px}.ok{color:#2e9e5b}.bad{color:#d64545}.wait{color:#b7791f}
h3{font-size:14px;margin:18px 0 6px}
table{border-collapse:collapse;width:100%;background:#fff;border-radius:8px;box-shadow:0 1px 2px #0002;
margin-bottom:14px}
td,th{padding:5px 8px;border-top:1px solid #eceef2;text-align:left;font-size:13px}
form{display:inline}button{font:inherit;font-size:12px;border:1px solid #c9ced8;background:#fff;border-radius:4px;
padding:1px 7px;cursor:pointer}button.on{background:#d64545;color:#fff;border-color:#d64545}
"""


def render(fake) -> Response:
    state = fake.snapshot(limit=SHOWN)
    body = _header(fake, state) + "<main>" + _faults(state) + '<div class="grid">'
    body += "".join(_platform(p, state) for p in PLATFORMS) + "</div>" + _refusals(state) + "</main>"
    return html_response(
        f'<!doctype html><html lang="id"><head><meta charset="utf-8"><meta http-equiv="refresh" '
        f'content="{REFRESH_SECONDS}"><title>Sigap · fake platforms</title><style>{CSS}</style></head>'
        f"<body>{body}</body></html>"
    )


def _header(fake, state: dict) -> str:
    stats = state["stats"]
    posted = sum(v for k, v in stats.items() if k.startswith("citizen:"))
    replies = sum(v for k, v in stats.items() if k.startswith("city:") and not k.endswith(":post"))
    delivered = sum(v for k, v in stats.items() if k.startswith("webhook:") and k.endswith(":delivered"))
    failed = sum(v for k, v in stats.items() if k.startswith("webhook:") and k.endswith(":gave_up"))
    sigap = next(iter(state["deliver_to"].values()), "").rsplit("/webhooks/", 1)[0]
    link = f' · Sigap: <a href="{escape(sigap)}/">{escape(sigap)}</a>' if sigap else " · no webhooks (poll only)"
    subs = " ".join(
        f'{g}: <span class="{"ok" if s.get("ok") else "bad"}">{"✓" if s.get("ok") else "✗"}</span>'
        for g, s in state["subscriptions"].items()
    )
    return (
        f"<header><h1>Sigap · fake platforms</h1><span class=muted>{escape(fake.url)}{link}</span>"
        f"<span>{posted} citizen posts · {replies} replies by the city · {delivered} webhooks delivered"
        f"{f' · {failed} given up' if failed else ''}</span><span class=muted>{subs}</span>"
        f'<form method=post action="/_control/simulate"><input type=hidden name=count value=1>'
        f"<button>a citizen writes now</button></form></header>"
    )


def _faults(state: dict) -> str:
    rows = []
    for platform in PLATFORMS:
        fault = state["faults"].get(platform)
        buttons = "".join(_fault_button(platform, kind, fault) for kind in FAULT_KINDS)
        buttons += _fault_button(platform, "off", None)
        now = f"<span class=bad>{fault['kind']}</span>" if fault else "<span class=ok>healthy</span>"
        if fault and fault["remaining"] is not None:
            now += f" <span class=muted>({fault['remaining']} more calls)</span>"
        rows.append(f"<tr><td>{LABELS[platform]}</td><td>{now}</td><td>{buttons}</td></tr>")
    quota = state["youtube_quota"]
    return (
        "<table><tr><th>Platform</th><th>Fault switch</th><th>Switch to</th></tr>"
        + "".join(rows)
        + f"<tr><td colspan=3 class=muted>YouTube quota used today: {quota['used']} / {quota['limit']} units · "
        f"X posts with a link are {'refused' if state['rules']['x_refuse_links'] else 'billed $0.20'}</td></tr></table>"
    )


def _refusals(state: dict) -> str:
    """The last API calls the fake refused: where fault switches and platform rules show their effect."""
    refused = [c for c in state["calls"] if c["status"] >= 400 or c["error"]][-8:][::-1]
    if not refused:
        return ""
    rows = "".join(
        f"<tr><td>{_clock(c['at'])}</td><td>{c['method']} {escape(c['path'])}</td><td>{c['status']}</td>"
        f"<td>{escape(c['error'])}</td></tr>"
        for c in refused
    )
    return f"<h3>Refused API calls</h3><table><tr><th>At</th><th>Call</th><th>HTTP</th><th>Code</th></tr>{rows}</table>"


def _fault_button(platform: str, kind: str, fault: dict | None) -> str:
    active = " class=on" if fault and fault["kind"] == kind else ""
    return (
        f'<form method=post action="/_control/faults"><input type=hidden name=platform value={platform}>'
        f"<input type=hidden name=fault value={kind}><button{active}>{kind}</button></form> "
    )


def _platform(platform: str, state: dict) -> str:
    items = state["platforms"][platform][::-1]
    mode = "polled" if platform == "youtube" or platform in state["poll"] else "webhook"
    entries = "".join(_item(i, state) for i in items) or "<p class=muted>Nothing yet.</p>"
    return (
        f"<section><h2><span>{LABELS[platform]}</span><span class=muted>{len(items)} shown · {mode}</span></h2>"
        f"{entries}</section>"
    )


def _item(item: dict, state: dict) -> str:
    who = item["author"].get("handle") or item["author"].get("name", "")
    classes = "item deleted" if item["deleted"] else "item"
    text = escape(item["text"]) or _media_note(item)
    edited = " <span class=muted>(edited)</span>" if item["edits"] else ""
    replies = "".join(_reply(r) for r in item["replies"])
    return (
        f'<div class="{classes}"><span class=who>{escape(who)}</span><span class=kind>{item["kind"]}</span> '
        f"<span class=muted>{_clock(item['created'])}</span> {_hook(item, state)}{edited}"
        f"<div class=text>{text}</div>{replies}</div>"
    )


def _reply(reply: dict) -> str:
    text = TRACKING_NUMBER.sub(lambda m: f"<mark>{m.group(0)}</mark>", escape(reply["text"]))
    failed = reply["status"] == "failed"
    notes = " · private" if reply["private"] else ""
    notes += f" · {reply['status']}" if reply["status"] else ""
    notes += f" · {escape(reply['error'])}" if reply["error"] else ""
    return (
        f'<div class="reply{" failed" if failed else ""}"><span class=muted>city · {_clock(reply["created"])}'
        f"{notes}</span><div class=text>{text}</div></div>"
    )


def _hook(item: dict, state: dict) -> str:
    jobs = {j["id"]: j for j in state["webhooks"]}
    found = [jobs[j] for j in item["deliveries"] if j in jobs]
    if not found:
        return ""
    job = found[-1]
    last = job["attempts"][-1] if job["attempts"] else {}
    if job["state"] == "delivered":
        return f'<span class="hook ok">webhook {last.get("status")}</span>'
    outcome = last.get("status") or last.get("error") or "queued"
    css = "bad" if job["state"] == "gave_up" else "wait"
    return f'<span class="hook {css}">webhook {outcome} · {len(job["attempts"])} tries · {job["state"]}</span>'


def _media_note(item: dict) -> str:
    extra = item["extra"]
    if "location" in extra:
        return f"<span class=muted>📍 {extra['location'].get('latitude')}, {extra['location'].get('longitude')}</span>"
    return "<span class=muted>(no text)</span>"


def _clock(epoch: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(epoch))
