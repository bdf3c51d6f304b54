"""The schools API at /api/v1/schools/: a public read-only part and a keyed part for
speed-test clients. Each file of this package has its own router, added here."""

from ninja import Router

router = Router(tags=["schools"])

from resilnet.schools.api import public  # noqa: E402

router.add_router("", public.router)
