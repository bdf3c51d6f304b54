from typing import Any

from django.http import HttpRequest

from resilnet.core.modules import MODULES


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the base template needs on every page: the module navigation."""
    return {"modules": MODULES}
