"""One call that tells the desk everything the triage library knows about a message.

`analyze(text)` returns exactly the JSON object that `sigap classify` prints per message:

    {
      "length": 61,
      "triage": {"label": "aduan", "confidence": 0.93, "scores": {"aduan": 0.93, ...}},
      "routing": {"mode": "keywords",
                  "categories": [{"name": "Penerangan Jalan Umum", "score": 1.0}],
                  "agencies": [{"code": "DISHUB", "score": 1.0}]},
      "places": [{"kind": "jalan", "name": "Jl. Brigjen Slamet Riyadi", "kecamatan": null}],
      "pii": ["phone"]
    }
"""

from __future__ import annotations

from dataclasses import asdict

from sigap.triage.classifier import TriageModel, default_model
from sigap.triage.pii import pii_kinds
from sigap.triage.places import find_places
from sigap.triage.routing import KeywordRouter, RoutingModel, default_keyword_router


def analyze(
    text: str | None,
    *,
    triage_model: TriageModel | None = None,
    router: KeywordRouter | RoutingModel | None = None,
) -> dict:
    """Triage label and confidence, top-3 categories and agencies, places, and PII kinds.

    Defaults are the shipped triage model and the shipped keyword rules; pass a trained
    `RoutingModel` (or a `KeywordRouter` built from the database's rules) to route differently.
    """
    text = text if isinstance(text, str) else ""
    model = triage_model or default_model()
    router = router or default_keyword_router()
    triage = model.classify(text)
    routing = router.route(text)
    return {
        "length": len(text),
        "triage": {"label": triage.label, "confidence": triage.confidence, "scores": triage.scores},
        "routing": {"mode": "model" if isinstance(router, RoutingModel) else "keywords", **routing.as_dict()},
        "places": [asdict(place) for place in find_places(text)],
        "pii": pii_kinds(text),
    }
