"""What the alerts module adds to the platform (the module contract: resilnet/core/modules.py)."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from resilnet.core.modules import Module, PeriodicTask

MODULE = Module(
    slug="alerts",
    title=_("Alerts"),
    summary=_("Multilingual health alerts by CAP feed and SMS."),
    urls="resilnet.alerts.urls",
    cli="resilnet.alerts.cli.register",
    demo="resilnet.alerts.demo.campaign.load",
    demo_services="resilnet.alerts.demo.campaign.services",
    periodic_tasks=(
        # Approved alerts with a publication time are published when it comes
        # (services/authoring.py); a minute is the scheduling's resolution.
        PeriodicTask("resilnet.alerts.tasks.publish_due_alerts", timedelta(minutes=1)),
        # Subscriber imports that stopped after their commit point (services/audiences.py).
        PeriodicTask("resilnet.alerts.tasks.finish_subscriber_imports", timedelta(minutes=2)),
        # Campaigns with nothing left to send are marked finished (services/delivery.py).
        PeriodicTask("resilnet.alerts.tasks.finish_campaigns", timedelta(minutes=1)),
    ),
)
