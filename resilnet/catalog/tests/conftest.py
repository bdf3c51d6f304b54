import pytest

from resilnet.catalog import services
from resilnet.core.models import Role


def measure(title="Zero-rating of health information sites", **overrides):
    language = overrides.get("original_language", "en")
    content = {
        "collection": "measure",
        "original_language": "en",
        "title": {language: title},
        "summary": {"en": "Operators must not charge data for official health information sites."},
        "body": {"en": "The regulator ordered all mobile operators to zero-rate the sites."},
        "countries": ["KEN"],
        "tags": ["zero-rating"],
        "date": "2020-03-20",
        "fields": {
            "category": "consumer_protection",
            "phase": "emergency",
            "binding": "mandatory",
            "authority": "Communications Authority",
        },
    }
    content.update(overrides)
    return content


@pytest.fixture
def moderator(make_user):
    return make_user("mona", Role.MODERATOR)


@pytest.fixture
def publish(contributor, moderator):
    """Create, submit and publish a record; returns it."""

    def make(content=None, owner=None):
        record = services.do_create_record(owner or contributor, content or measure(), submit=True)
        services.do_publish(moderator, record)
        record.refresh_from_db()
        return record

    return make
