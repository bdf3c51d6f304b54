"""The campaign report: its figures from real messages, the page with its timeline and
kill switch, the CSV export and the command line, numbers masked everywhere."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from resilnet.alerts import charts, reports
from resilnet.alerts.models import Campaign, Message
from resilnet.alerts.services import delivery
from resilnet.alerts.services.delivery import PartOutcome
from resilnet.alerts.smpp.receipts import Receipt
from resilnet.alerts.tests.conftest import add_subscribers
from resilnet.cli import main
from resilnet.core.models import Role

LEASE = timedelta(seconds=30)


@pytest.fixture
def sent(publish, areas, operators):
    """10 in Nairobi (8 English on the first operator, 2 French on the second): 5
    delivered, 1 undeliverable, 1 failed on submit, 1 taken over (maybe duplicate), 2 queued."""
    add_subscribers(operators[0], areas["Nairobi"], 8)
    add_subscribers(operators[1], areas["Nairobi"], 2, language="fr", start=100)
    alert = publish([areas["Nairobi"]])
    op = operators[0].pk
    ids = [o.message_id for o in delivery.claim(op, "w1", 7, LEASE)]
    delivery.record_outcomes(
        "w1",
        [PartOutcome(m, 1, "accepted", str(100 + i), "") for i, m in enumerate(ids[:6])]
        + [PartOutcome(ids[6], 1, "failed", None, "ESME_RINVDSTADR")],
    )
    receipts = [Receipt(str(100 + i), "DELIVRD", "delivered") for i in range(5)]
    receipts.append(Receipt("105", "UNDELIV", "undeliverable", "001"))
    delivery.record_receipts(op, receipts)
    delivery.claim(op, "w2", 1, timedelta(seconds=-1))
    delivery.claim(op, "w3", 1, LEASE)  # takes over the one w2 lost
    return alert


def test_the_report_counts_each_outcome(sent):
    report = reports.campaign_report(Campaign.objects.get(alert=sent))
    assert (report.targeted, report.submitted, report.delivered, report.failed) == (10, 6, 5, 2)
    assert (report.pending, report.maybe_duplicates) == (3, 1)
    assert {(r["state"], r["reason"], r["n"]) for r in report.failed_by_reason} == {
        ("undeliverable", "UNDELIV err:001", 1),
        ("failed", "ESME_RINVDSTADR", 1),
    }


def test_the_report_breaks_down_by_operator_and_language(sent):
    report = reports.campaign_report(Campaign.objects.get(alert=sent))
    by_operator = {
        r["label"]: (r["targeted"], r["delivered"]) for r in report.breakdowns["operator"]
    }
    by_language = {r["key"]: r["targeted"] for r in report.breakdowns["language"]}
    assert by_operator == {"Safaricom": (8, 5), "Airtel": (2, 0)}
    assert by_language == {"en": 8, "fr": 2}
    assert [r["label"] for r in report.breakdowns["area"]] == ["Kenya › Nairobi"]


def test_the_timeline_counts_per_minute(sent):
    report = reports.campaign_report(Campaign.objects.get(alert=sent))
    assert sum(s for _m, s, _d in report.timeline) == 6
    assert sum(d for _m, _s, d in report.timeline) == 5
    assert report.rate is not None


def test_the_chart_draws_a_bar_per_minute():
    minute = reports.dt.datetime(2026, 1, 1, 12, 0, tzinfo=reports.dt.UTC)
    points = [(minute + timedelta(minutes=i), 10 * i, 5 * i) for i in range(3)]
    svg = charts.timeline_chart(points)
    assert svg.count("<rect") == 3
    assert "12:00 UTC" in svg
    assert "12:02 UTC" in svg
    assert charts.timeline_chart([]) == ""


def test_the_csv_masks_numbers_and_has_a_row_per_message(sent):
    rows = list(csv.reader(io.StringIO(_csv(sent))))
    assert rows[0] == reports.CSV_HEADER
    assert len(rows) == 11
    numbers = set(Message.objects.values_list("msisdn", flat=True))
    assert not any(n in cell for row in rows for cell in row for n in numbers)
    assert {row[1][:6] for row in rows[1:]} == {"'+2547"}  # kept from formulas


def _csv(alert):
    out = io.StringIO()
    from resilnet.core.exports import write_csv

    write_csv(out, reports.CSV_HEADER, reports.csv_rows(Campaign.objects.get(alert=alert)))
    return out.getvalue()


def test_the_command_line_prints_the_report_and_the_csv(sent, capsys):
    assert main(["alerts", "report", str(sent.pk)]) == 0
    out = capsys.readouterr().out
    assert "targeted 10" in out
    assert "delivered 5" in out
    assert "maybe duplicates 1" in out
    assert main(["alerts", "report", str(sent.pk), "--csv"]) == 0
    assert capsys.readouterr().out.replace("\r\n", "\n") == _csv(sent).replace("\r\n", "\n")


def test_the_command_line_names_an_alert_without_campaign(published, capsys):
    assert main(["alerts", "report", str(published.pk)]) == 2
    assert f"alert {published.pk} has no SMS campaign" in capsys.readouterr().err


@pytest.fixture
def approver_client(client, approver):
    client.force_login(approver)
    return client


def test_the_report_page_shows_figures_chart_and_kill_switch(approver_client, sent):
    page = approver_client.get(f"/alerts/{sent.pk}/report/").content.decode()
    assert "<svg" in page
    assert "Halt sending now" in page
    assert "+254700000001" not in page


def test_the_kill_switch_button_halts_the_campaign(approver_client, sent):
    response = approver_client.post(f"/alerts/{sent.pk}/campaign/halt/", {"reason": "typo"})
    assert response.status_code == 302
    campaign = Campaign.objects.get(alert=sent)
    assert (campaign.state, campaign.halt_reason) == ("halted", "typo")
    approver_client.post(f"/alerts/{sent.pk}/campaign/resume/")
    campaign.refresh_from_db()
    assert campaign.state == "running"


def test_an_analyst_sees_the_report_but_cannot_halt(client, make_user, sent):
    analyst = make_user("ana", Role.ANALYST)
    client.force_login(analyst)
    assert "Halt sending now" not in client.get(f"/alerts/{sent.pk}/report/").content.decode()
    assert client.post(f"/alerts/{sent.pk}/campaign/halt/").status_code == 403
    assert Campaign.objects.get(alert=sent).state == "running"


def test_the_csv_download_is_masked(approver_client, sent):
    response = approver_client.get(f"/alerts/{sent.pk}/report.csv")
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines()[0].startswith("message,number,operator")
    assert "+254700000001" not in body


def test_the_review_page_counts_recipients_per_language_and_operator(
    client, author, approver, areas, operators, cholera_input
):
    from resilnet.alerts.services import authoring

    add_subscribers(operators[0], areas["Nairobi"], 3)
    add_subscribers(operators[1], areas["Nairobi"], 2, language="fr", start=100)
    data = cholera_input()
    data.areas[0].admin_area_ids = [areas["Nairobi"]]
    alert = authoring.do_create_alert(author, data)
    authoring.do_submit_alert(author, alert)
    client.force_login(approver)
    page = client.get(f"/alerts/{alert.pk}/review/").content.decode()
    assert "5 recipients" in page
    assert '<th scope="row">Safaricom</th><td>3</td>' in page
    assert '<th scope="row">French</th><td>2</td>' in page
