"""What core adds through the module contract (resilnet/core/modules.py): its periodic
tasks and health checks. Its pages, API and commands are the platform's own."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from resilnet.core.modules import Module, PeriodicTask

MODULE = Module(
    slug="core",
    title=_("Core"),
    summary=_("Countries, users, roles, the audit log and background jobs."),
    in_navigation=False,
    periodic_tasks=(
        # Failed sign-ins past the lockout window count for nothing; a spray of invented
        # user names would otherwise grow the table without bound.
        PeriodicTask("resilnet.core.tasks.prune_login_failures", timedelta(hours=1)),
    ),
)
