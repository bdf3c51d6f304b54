import pytest


@pytest.fixture(autouse=True)
def _fresh_area_cache():
    """Each test's areas are rolled back with it: so are the shapes cached from them."""
    from resilnet.schools.services.areas import forget_cached_areas

    forget_cached_areas()
    yield
    forget_cached_areas()
