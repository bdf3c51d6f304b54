"""The schools API at /api/v1/schools/: a public read-only part and a keyed part for
speed-test clients. Each file of this package has its own router, added here."""

from ninja import Router

from resilnet.schools.api import public
from resilnet.schools.api.measurements import router as measurements_router

router = Router(tags=["schools"])
router.add_router("", measurements_router)
router.add_router("", public.router)
