"""CAP 1.2 documents of published alerts, and the Atom feed of active ones.

Element names and order follow the OASIS CAP 1.2 schema (section 3.2 of the standard);
times carry a numeric UTC offset (`2026-11-30T05:00:00+00:00`), never `Z`, as the schema's
pattern asks. The documents are built with ElementTree, which escapes every text and
attribute; characters XML 1.0 cannot carry (validation refuses them on input) are replaced
by U+FFFD should one ever reach this point, so the output is always well-formed.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

from resilnet.alerts.models import Alert, AlertArea, AlertInfo
from resilnet.schools import selectors as schools

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_CONTENT_TYPE = "application/cap+xml"
# Characters XML 1.0 cannot carry at all (validation refuses them in every text field).
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _root(ns: str, name: str) -> ET.Element:
    # Unqualified names under one default namespace declaration: ElementTree's own
    # default_namespace option refuses unqualified attributes (Atom's rel and href).
    return ET.Element(name, xmlns=ns)


def cap_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds")


def _clean(text: str) -> str:
    return XML_ILLEGAL.sub("\ufffd", text)


def _add(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, name)
    if text is not None:
        element.text = _clean(text)
    return element


def _number(value: float) -> str:
    return format(float(value), ".6f").rstrip("0").rstrip(".")


def _references(alert: Alert) -> str:
    # "sender,identifier,sent" of each earlier message, separated by spaces (CAP 3.2.1).
    # Sorted here rather than by a query, so prefetched references are used as they are.
    earlier = sorted((a for a in alert.references.all() if a.sent), key=lambda a: (a.sent, a.id))
    return " ".join(f"{a.sender},{a.identifier},{cap_time(a.sent)}" for a in earlier if a.sent)


def _area(info_el: ET.Element, area: AlertArea, admin: dict[int, schools.AreaRef]) -> None:
    el = _add(info_el, "area")
    _add(el, "areaDesc", area.area_desc)
    for ring in area.polygons:
        _add(el, "polygon", " ".join(f"{_number(a)},{_number(o)}" for a, o in ring))
    for lat, lon, radius in area.circles:
        _add(el, "circle", f"{_number(lat)},{_number(lon)} {_number(radius)}")
    geocodes = [tuple(g) for g in area.geocodes]
    for area_id in area.admin_area_ids:
        ref = admin.get(area_id)
        if ref is not None:  # an area removed from the registry since keeps its polygons
            geocodes.append((f"{ref.country_iso3}-ADM{ref.level}", ref.code))
    for name, value in geocodes:
        geocode = _add(el, "geocode")
        _add(geocode, "valueName", name)
        _add(geocode, "value", value)


def _info(root: ET.Element, info: AlertInfo, areas: list[AlertArea], admin: dict) -> None:
    el = _add(root, "info")
    _add(el, "language", info.language)
    _add(el, "category", info.category)
    _add(el, "event", info.event)
    for name in ("urgency", "severity", "certainty"):
        _add(el, name, getattr(info, name))
    for name in ("effective", "onset", "expires"):
        if (value := getattr(info, name)) is not None:
            _add(el, name, cap_time(value))
    for name, attr in (
        ("senderName", "sender_name"),
        ("headline", "headline"),
        ("description", "description"),
        ("instruction", "instruction"),
        ("web", "web"),
        ("contact", "contact"),
    ):
        if value := getattr(info, attr):
            _add(el, name, value)
    for area in areas:
        _area(el, area, admin)


def alert_element(alert: Alert) -> ET.Element:
    if alert.sent is None:
        raise ValueError(f"alert {alert.identifier!r} is not published: it has no sent time")
    root = _root(CAP_NS, "alert")
    _add(root, "identifier", alert.identifier)
    _add(root, "sender", alert.sender)
    _add(root, "sent", cap_time(alert.sent))
    _add(root, "status", alert.status)
    _add(root, "msgType", alert.msg_type)
    _add(root, "scope", alert.scope)
    if alert.restriction:
        _add(root, "restriction", alert.restriction)
    if alert.addresses:
        _add(root, "addresses", alert.addresses)
    if alert.note:
        _add(root, "note", alert.note)
    if references := _references(alert):
        _add(root, "references", references)
    areas = list(alert.areas.all())
    admin = schools.areas_by_id([i for a in areas for i in a.admin_area_ids])
    for info in alert.infos.all():
        _info(root, info, areas, admin)
    return root


def cap_document(alert: Alert) -> bytes:
    return ET.tostring(alert_element(alert), encoding="UTF-8", xml_declaration=True)


def atom_feed(
    alerts: list[Alert], *, feed_url: str, cap_url, title: str, updated: dt.datetime
) -> bytes:
    """An Atom feed (RFC 4287) with one entry per alert linking to its CAP document;
    `cap_url(alert)` gives that document's absolute address."""
    feed = _root(ATOM_NS, "feed")
    _add(feed, "id", feed_url)
    _add(feed, "title", title)
    _add(feed, "updated", cap_time(updated))
    ET.SubElement(feed, "link", rel="self", href=feed_url)
    author = _add(feed, "author")
    _add(author, "name", alerts[0].sender if alerts else title)
    for alert in alerts:
        if alert.sent is None:
            continue
        infos = list(alert.infos.all())
        first = infos[0] if infos else None
        url = cap_url(alert)
        entry = _add(feed, "entry")
        _add(entry, "id", url)
        _add(entry, "title", (first.headline or first.event) if first else alert.identifier)
        _add(entry, "updated", cap_time(alert.sent))
        entry_author = _add(entry, "author")
        _add(entry_author, "name", (first.sender_name if first else "") or alert.sender)
        ET.SubElement(entry, "link", rel="alternate", type=CAP_CONTENT_TYPE, href=url)
        if first and first.description:
            _add(entry, "summary", first.description[:500])
    return ET.tostring(feed, encoding="UTF-8", xml_declaration=True)
