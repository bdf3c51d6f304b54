"""The alerts module's models, one domain per file: the alerts people write and approve
(`alerts.py`), and the operators and subscribers they reach (`audiences.py`)."""

from resilnet.alerts.models.alerts import *  # noqa: F403
from resilnet.alerts.models.audiences import *  # noqa: F403
