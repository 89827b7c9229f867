"""The citizen simulator: deterministic, mostly not complaints, and local to Solo."""

from collections import Counter

from sigap.fakeplatform import texts
from sigap.fakeplatform.tests.conftest import make_fake

STEPS = 1200


def run(seed: int, steps: int):
    fake = make_fake(seed=seed)
    try:
        said = [fake.citizens.step() for _ in range(steps)]
        return fake, said
    finally:
        fake.stop()


def test_the_same_seed_says_the_same_things():
    _, first = run(11, 60)
    _, again = run(11, 60)
    _, other = run(12, 60)
    words = [(s.action, s.platform, s.kind, s.text) for s in first]
    assert words == [(s.action, s.platform, s.kind, s.text) for s in again]
    assert words != [(s.action, s.platform, s.kind, s.text) for s in other]


def test_most_messages_are_not_complaints():
    _, said = run(3, STEPS)
    new = [s for s in said if s.action == "new"]
    share = {category: count / len(new) for category, count in Counter(s.category for s in new).items()}
    assert 0.30 <= share["complaint"] <= 0.40
    assert 0.15 <= share["question"] <= 0.25
    assert 0.20 <= share["greeting"] <= 0.30
    assert 0.15 <= share["other"] <= 0.25


def test_every_platform_and_every_kind_of_step_occurs():
    fake, said = run(5, STEPS)
    assert {s.platform for s in said} == set(fake.apis)
    assert {s.action for s in said} == {"new", "follow_up", "edit", "delete"}
    whatsapp = fake.world.of("whatsapp", by_city=False)
    assert any("image" in m.extra for m in whatsapp) and any("location" in m.extra for m in whatsapp)


def test_follow_ups_come_from_the_same_person_in_the_same_thread():
    fake, said = run(8, 400)
    for step in (s for s in said if s.action == "follow_up"):
        item = fake.world.get(step.item_id)
        earlier = [
            i
            for i in fake.world.of(item.platform, by_city=False)
            if i.author == item.author and i.id != item.id and i.created <= item.created
        ]
        assert earlier, step
        assert item.kind == "dm" or item.parent or item.thread in {e.thread for e in earlier}


def test_complaints_name_places_in_solo():
    _, said = run(9, 300)
    kelurahan = {k for _, k in texts.wilayah()}
    places = kelurahan | set(texts.STREETS) | set(texts.LANDMARKS) | set(texts.MARKETS)
    complaints = [s.text for s in said if s.category == "complaint" and s.action == "new"]
    located = [t for t in complaints if any(p.lower() in t.lower() for p in places) or "kec." in t.lower()]
    assert len(located) >= 0.8 * len(complaints)
