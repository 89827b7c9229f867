"""The control API under /_control/: state for tests, fault switches, and citizens on demand.

JSON in and out; the page's buttons post forms, which are answered with a redirect back to "/".

    GET    /_control/state                    everything, as JSON
    POST   /_control/faults                   {"platform", "fault": outage|throttle|token|deleted|off,
                                               "count"?, "code"?}
    DELETE /_control/faults                   all switches off
    POST   /_control/posts                    {"platform", "kind", "text", "parent"?, "thread"?, "person"?,
                                               "media"?, "location"?, "age_seconds"?}: a citizen posts now
    POST   /_control/items/<id>/edit          {"text"}
    POST   /_control/items/<id>/delete
    POST   /_control/simulate                 {"count"}: that many simulator steps now
    POST   /_control/deliver                  retry every pending webhook now
    POST   /_control/rules                    {"x_refuse_links"?, "youtube_quota"?, "api_delay"?}
    GET    /_control/record                   every citizen item with the city's replies to it, and every
                                              webhook job still kept: what tests count totals from
    GET    /_control/stats                    the counters alone (items by author and kind, calls, webhooks)
"""

from sigap.fakeplatform.citizens import Said
from sigap.fakeplatform.web import Request, Response, json_response, redirect
from sigap.fakeplatform.world import FAULT_KINDS, PLATFORMS

MAX_STEPS = 100
MAX_API_DELAY = 5.0
META_PRODUCTS = ("instagram", "facebook", "messenger", "whatsapp")


def handle(fake, request: Request) -> Response:
    parts = request.path.strip("/").split("/")[1:]
    form = bool(request.form())
    params = request.params()
    try:
        response = _route(fake, request.method, parts, params)
    except (ValueError, KeyError, TypeError) as exc:
        return json_response({"error": str(exc)}, 400)
    return redirect("/") if form and response.status < 400 else response


def _route(fake, method: str, parts: list[str], params: dict) -> Response:
    if parts == ["state"] and method == "GET":
        return json_response(fake.snapshot())
    if parts == ["faults"] and method == "DELETE":
        fake.world.clear_fault()
        return json_response({"faults": {}})
    if parts == ["faults"] and method == "POST":
        return _faults(fake, params)
    if parts == ["posts"] and method == "POST":
        return _post(fake, params)
    if len(parts) == 3 and parts[0] == "items" and parts[2] in ("edit", "delete") and method == "POST":
        item = fake.citizen_edits(parts[1], params["text"]) if parts[2] == "edit" else fake.citizen_deletes(parts[1])
        return json_response({"item": item.to_dict()})
    if parts == ["simulate"] and method == "POST":
        steps = [fake.citizens.step() for _ in range(min(int(params.get("count", 1)), MAX_STEPS))]
        return json_response({"steps": [_said(s) for s in steps]})
    if parts == ["deliver"] and method == "POST":
        return json_response({"tried": fake.deliverer.run_due(now=float("inf"))})
    if parts == ["rules"] and method == "POST":
        return _rules(fake, params)
    if parts == ["record"] and method == "GET":
        return json_response(_record(fake))
    if parts == ["stats"] and method == "GET":
        return json_response(dict(fake.world.stats))
    return json_response({"error": "unknown control endpoint"}, 404)


def _faults(fake, params: dict) -> Response:
    platform, kind = params.get("platform", ""), params.get("fault", "off")
    platforms = META_PRODUCTS if platform == "meta" else PLATFORMS if platform == "all" else (platform,)
    if any(p not in PLATFORMS for p in platforms):
        raise ValueError(f"unknown platform {platform!r}")
    if kind not in (*FAULT_KINDS, "off"):
        raise ValueError(f"unknown fault {kind!r}; one of {', '.join(FAULT_KINDS)} or off")
    count = int(params["count"]) if str(params.get("count", "")).strip() else None
    for p in platforms:
        if kind == "off":
            fake.world.clear_fault(p)
        else:
            fake.world.set_fault(p, kind, count=count, code=str(params.get("code", "")))
    return json_response({"faults": {p: f.to_dict() for p, f in fake.world.faults.items()}})


def _post(fake, params: dict) -> Response:
    person = None
    if params.get("person"):
        person = fake.citizens.people[(int(params["person"]) - 1) % len(fake.citizens.people)]
    item = fake.citizen_says(
        params["platform"],
        params["kind"],
        str(params.get("text", "")),
        person=person,
        parent=str(params.get("parent", "")),
        thread=str(params.get("thread", "")),
        media=params.get("media"),
        location=params.get("location"),
        age=float(params.get("age_seconds", 0)),
    )
    jobs = [fake.deliverer.job(j) for j in item.deliveries]
    return json_response({"item": item.to_dict(), "deliveries": [j.to_dict() for j in jobs if j]}, 201)


def _rules(fake, params: dict) -> Response:
    if "x_refuse_links" in params:
        fake.apis["x"].refuse_links = str(params["x_refuse_links"]).lower() in ("1", "true", "on")
    if "youtube_quota" in params:
        fake.apis["youtube"].quota_limit = int(params["youtube_quota"])
    if "api_delay" in params:
        delay = float(params["api_delay"])
        if not 0 <= delay <= MAX_API_DELAY:
            raise ValueError(f"api_delay must be within 0–{MAX_API_DELAY:g} seconds")
        fake.api_delay = delay
    return json_response(
        {
            "x_refuse_links": fake.apis["x"].refuse_links,
            "youtube_quota": fake.apis["youtube"].quota_limit,
            "api_delay": fake.api_delay,
        }
    )


def _record(fake) -> dict:
    """Everything citizens posted (not only the newest, as on the page) and what answered it."""
    with fake.world.lock:
        items = [
            {
                "id": i.id,
                "platform": i.platform,
                "kind": i.kind,
                "text": i.text,
                "deleted": i.deleted,
                "deliveries": list(i.deliveries),
                "replies": [{"id": r.id, "text": r.text, "private": r.private} for r in fake.world.replies_to(i.id)],
            }
            for p in PLATFORMS
            for i in fake.world.of(p, by_city=False)
            if i.kind != "post" or p == "facebook"
        ]
    with fake.deliverer._lock:
        jobs = [j.to_dict() for j in fake.deliverer.jobs]
    return {"items": items, "jobs": jobs}


def _said(said: Said) -> dict:
    return {
        "action": said.action,
        "platform": said.platform,
        "kind": said.kind,
        "category": said.category,
        "topic": said.topic,
        "text": said.text,
        "item_id": said.item_id,
    }
