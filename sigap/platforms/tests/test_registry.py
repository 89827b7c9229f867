"""The registry: one class per platform name, and which platforms each webhook endpoint serves."""

import pytest

from sigap.platforms.base import Platform
from sigap.platforms.registry import (
    PLATFORM_CHOICES,
    PLATFORMS,
    WEBHOOK_GROUPS,
    get_platform_class,
    webhook_platforms,
)
from sigap.platforms.tests.helpers import fixture


@pytest.mark.parametrize("name", PLATFORMS)
def test_each_name_loads_a_platform_class_of_that_name(name):
    platform_class = get_platform_class(name)
    assert issubclass(platform_class, Platform)
    assert platform_class.name == name
    assert platform_class.label and platform_class.max_text > 0


def test_it_refuses_an_unknown_platform():
    with pytest.raises(LookupError):
        get_platform_class("friendster")


def test_it_offers_model_choices_in_registry_order():
    assert PLATFORM_CHOICES[0] == ("instagram", "Instagram")
    assert [name for name, _ in PLATFORM_CHOICES] == list(PLATFORMS)


def test_every_pushing_platform_has_an_endpoint_and_youtube_has_none():
    served = {name for names in WEBHOOK_GROUPS.values() for name in names}
    assert served == set(PLATFORMS) - {"youtube"}


@pytest.mark.parametrize(
    "platform, event, expected",
    [
        ("instagram", "comment", ["instagram"]),
        ("facebook", "comment", ["facebook", "messenger"]),
        ("messenger", "message", ["facebook", "messenger"]),
        ("whatsapp", "text", ["whatsapp"]),
    ],
)
def test_the_meta_envelope_object_says_which_products_read_a_delivery(platform, event, expected):
    assert webhook_platforms("meta", fixture(platform, event)) == expected


def test_other_endpoints_serve_their_own_platform():
    assert webhook_platforms("telegram", b"anything") == ["telegram"]


def test_it_refuses_a_meta_delivery_that_is_not_json():
    with pytest.raises(ValueError):
        webhook_platforms("meta", b"nope")
