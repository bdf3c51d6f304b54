from typing import Any

from django.http import HttpRequest

from resilnet.core import modules


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the base template needs on every page: the module navigation."""
    return {"modules": modules.navigation()}
