"""The alerts module's models, one domain per file: the alerts people write and approve
(`alerts.py`), the operators and subscribers they reach (`audiences.py`), and the campaigns
and messages that reach them (`delivery.py`)."""

from resilnet.alerts.models.alerts import *  # noqa: F403
from resilnet.alerts.models.audiences import *  # noqa: F403
from resilnet.alerts.models.delivery import *  # noqa: F403
