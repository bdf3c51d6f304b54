"""What the dispatcher asks of the database: the delivery services, by name.

The engine calls these in its single database thread (engine.Store).
"""

from __future__ import annotations

from resilnet.alerts.services.delivery import (  # noqa: F401 (re-exported for the engine)
    Outbound,
    PartOutcome,
    claim,
    halted_campaign_ids,
    handle_mobile_originated,
    operators_with_work,
    record_outcomes,
    record_receipts,
    release,
    renew,
)
