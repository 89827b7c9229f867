"""GeoReport v2 output in both formats: JSON arrays/objects, or XML with the spec's element names."""

import json
import re
from datetime import datetime
from xml.etree import ElementTree as ET

from django.http import HttpResponse
from django.utils import timezone

# Characters XML 1.0 cannot carry at all; citizens' texts can contain them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def w3c(value: datetime | None) -> str | None:
    """W3C datetime with the local (WIB) offset, e.g. 2026-11-03T14:00:00+07:00."""
    if value is None:
        return None
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_INVALID.sub("", str(value))


def _add(parent: ET.Element, name: str, value, item_names: dict) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, child in value.items():
            _add(element, key, child, item_names)
    elif isinstance(value, list):
        child_name = item_names.get(name, "item")
        for item in value:
            _add(element, child_name, item, item_names)
    else:
        element.text = _text(value)


def to_xml(root: str, item: str, items: list | dict, item_names: dict | None = None) -> bytes:
    """<root><item>…</item>…</root> for a list, or <root>…</root> for one object."""
    item_names = {root: item, **(item_names or {})}
    element = ET.Element(root)
    if isinstance(items, dict):
        for key, value in items.items():
            _add(element, key, value, item_names)
    else:
        for entry in items:
            _add(element, item, entry, item_names)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode").encode("utf-8")


def respond(fmt: str, data, *, root: str, item: str, status: int = 200, item_names: dict | None = None) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(to_xml(root, item, data, item_names), status=status, content_type="text/xml; charset=utf-8")
    return HttpResponse(
        json.dumps(data, ensure_ascii=False), status=status, content_type="application/json; charset=utf-8"
    )


def error(fmt: str, status: int, description: str, *, retry_after: int | None = None) -> HttpResponse:
    """The spec's error shape: [{"code": 400, "description": "…"}] / <errors><error>…</error></errors>."""
    response = respond(fmt, [{"code": status, "description": description}], root="errors", item="error", status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response
