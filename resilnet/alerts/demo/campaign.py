"""The alerts demo: the simulator-backed operator and its subscribers (subscribers.py),
and a cholera alert in English, French and Arabic for two Kenyan provinces, written by
the demo author, approved by the demo approver, and its SMS campaign already sent:
the demo loader runs the SMSC simulator and a dispatcher in-process until the campaign
and its receipts are done (bounded in time).

`services()` gives the processes `resilnet demo` runs beside the web server: the
simulator on 127.0.0.1:2775 with receipts on, and a dispatcher.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sys

from django.utils import timezone

from resilnet.alerts import selectors
from resilnet.alerts.demo import subscribers
from resilnet.alerts.models import Alert, Campaign
from resilnet.alerts.services import authoring
from resilnet.core.models import User
from resilnet.schools import selectors as school_selectors

log = logging.getLogger(__name__)

IDENTIFIER = "resilnet-demo-cholera-1"
SEND_TIMEOUT = 120.0  # seconds: the demo campaign (a few thousand SMS) takes a few
SMS = {
    "en": "Ministry of Health: cholera cases in Nairobi and Mombasa. Boil or chlorinate "
    "drinking water, wash hands with soap, go to a clinic at once if you have diarrhoea.",
    "fr": "Ministère de la Santé : cas de choléra à Nairobi et Mombasa. Faites bouillir ou "
    "chlorez l'eau, lavez-vous les mains au savon, consultez vite en cas de diarrhée.",
    "ar": "وزارة الصحة: حالات كوليرا في نيروبي ومومباسا. اغلوا ماء الشرب أو عقموه، واغسلوا "
    "أيديكم بالصابون، وتوجهوا فوراً إلى عيادة عند الإسهال.",
}
HEADLINE = {
    "en": ("Cholera outbreak", "Cholera in Nairobi and Mombasa"),
    "fr": ("Épidémie de choléra", "Choléra à Nairobi et Mombasa"),
    "ar": ("تفشي الكوليرا", "الكوليرا في نيروبي ومومباسا"),
}
PROVINCES = ("KEN-R1", "KEN-R2")  # two of the demo's Kenyan areas


def services() -> dict[str, list[str]]:
    run = [sys.executable, "-c", "from resilnet.cli import main; raise SystemExit(main())"]
    return {
        "smsc-sim": [*run, "smsc-sim", "--port", "2775", "--accounts", "demo:demo"],
        "dispatcher": [*run, "dispatcher", "--worker-id", "demo-dispatcher"],
    }


def load() -> str:
    line = subscribers.load()
    if Alert.objects.filter(identifier=IDENTIFIER).exists():
        return f"{line}; the demo cholera alert was sent before"
    _publish_alert()
    sent = send_in_process(SEND_TIMEOUT)
    return f"{line}; cholera alert published in en, fr, ar, {sent}"


def _publish_alert() -> Alert:
    author = User.objects.get(username="author")
    approver = User.objects.get(username="approver")
    codes = school_selectors.area_ids_by_code()
    area_ids = [i for i in (codes.get(c) for c in PROVINCES) if i is not None]
    expires = timezone.now() + dt.timedelta(days=7)
    infos = [
        authoring.InfoInput(
            language=lang,
            event=HEADLINE[lang][0],
            urgency="Immediate",
            severity="Severe",
            certainty="Observed",
            expires=expires,
            headline=HEADLINE[lang][1],
            description=HEADLINE[lang][1] + ".",
            instruction=SMS[lang],
            sms_text=SMS[lang],
        )
        for lang in ("en", "fr", "ar")
    ]
    area = authoring.AreaInput(
        area_desc="Nairobi and Mombasa", admin_area_ids=area_ids, geocodes=[]
    )
    data = authoring.AlertInput(
        identifier=IDENTIFIER, status="Actual", audience="live", infos=infos, areas=[area]
    )
    alert = authoring.do_create_alert(author, data)
    authoring.do_submit_alert(author, alert)
    # Approved without a publication time, it is published at once, and publication
    # starts its campaign.
    alert = authoring.do_approve_alert(approver, alert, authoring.fingerprint(alert))
    if Campaign.objects.filter(alert=alert).exists():
        return alert
    raise RuntimeError(f"the demo alert {alert.identifier} was published without a campaign")


def send_in_process(timeout: float) -> str:
    """Send what is queued for the demo operator through an in-process simulator."""
    from resilnet.alerts.dispatch.engine import Dispatcher, DispatcherOptions
    from resilnet.alerts.smsc.simulator import SimulatorConfig, SmscSimulator

    operator = selectors.operator_by_name(subscribers.OPERATOR)
    assert operator is not None

    async def run() -> str:
        # A free port: the demo's own simulator may already be listening on 2775.
        sim = SmscSimulator(
            SimulatorConfig(accounts={"demo": "demo"}, dlr_delay=0.2, control_port=None)
        )
        await sim.start()
        options = DispatcherOptions(
            worker="demo-loader",
            operator=operator.name,
            until_idle=True,
            receipt_timeout=10.0,
            endpoints={operator.pk: ("127.0.0.1", sim.port)},
        )
        dispatcher = Dispatcher(options)
        try:
            await asyncio.wait_for(dispatcher.run(), timeout)
        except TimeoutError:
            return f"campaign still sending after {timeout:.0f} s (the dispatcher finishes it)"
        finally:
            await sim.stop()
        return f"{sim.counters['accepted']:,} SMS sent, {sim.counters['receipts_sent']:,} receipts"

    return asyncio.run(run())
