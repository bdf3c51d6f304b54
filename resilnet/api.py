"""The HTTP API at /api/v1/: core's routers, then each module's, found through the module
contract (resilnet/core/modules.py) and mounted at /api/v1/<slug>/."""

from resilnet.core import modules
from resilnet.core.api import account, new_api, reference

api = new_api()
api.add_router("/", reference)
api.add_router("/", account)
for module in modules.installed():
    if module.api_router:
        api.add_router(f"/{module.slug}/", module.api_router)
