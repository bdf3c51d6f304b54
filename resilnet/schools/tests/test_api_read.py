import datetime as dt

import pytest

from resilnet.schools.models import Measurement, School, SchoolWeeklyStatus
from resilnet.schools.services.counts import refresh_counts
from resilnet.schools.tests.readside import (  # noqa: F401 (a fixture)
    kenya_fixture,
    make_school,
    weekly_counts,
)

NEW_YEAR_WEEK = dt.date(2024, 12, 30)  # Monday of ISO week 2025-W01
PREVIOUS = dt.date(2024, 12, 23)  # 2024-W52


@pytest.fixture
def rolled_up(kenya):
    country, coast = kenya["country"], kenya["coast"]
    weekly_counts(country, NEW_YEAR_WEEK, "global", {"good": 1, "moderate": 1, "bad": 2})
    weekly_counts(country, NEW_YEAR_WEEK, "national", {"good": 2, "bad": 1, "no_internet": 1})
    weekly_counts(country, PREVIOUS, "global", {"good": 1, "bad": 3})
    weekly_counts(country, PREVIOUS, "national", {"good": 1, "moderate": 1, "bad": 2})
    weekly_counts(country, NEW_YEAR_WEEK, "national", {"bad": 1, "no_internet": 1}, area=coast)
    weekly_counts(country, PREVIOUS, "national", {"moderate": 1, "bad": 2}, area=coast)
    weekly_counts(country, NEW_YEAR_WEEK, "global", {"bad": 2}, area=coast)
    return kenya


def test_country_stats_give_both_benchmarks_this_week_and_last_across_new_year(client, rolled_up):
    body = client.get("/api/v1/schools/countries/ken/stats?week=2025-W01").json()
    assert body["country"] == "KEN"
    assert body["benchmarks"] == {"global_bps": 20_000_000, "national_bps": 10_000_000}
    assert body["schools"] == 4  # the deleted school is not counted
    assert body["realtime"] == 2
    assert body["coverage"] == {"good": 1, "moderate": 1, "bad": 1, "unknown": 1}
    this, last = body["this_week"], body["last_week"]
    assert (this["week"], this["start"], this["source"]) == ("2025-W01", "2024-12-30", "rollup")
    assert this["global"] == {"good": 1, "moderate": 1, "bad": 2, "no_internet": 0, "unknown": 0}
    assert this["national"]["no_internet"] == 1
    assert (last["week"], last["iso_year"], last["iso_week"]) == ("2024-W52", 2024, 52)
    assert last["global"]["bad"] == 3
    # Any day of the week names it: 2025-01-05 is the Sunday of 2025-W01.
    same = client.get("/api/v1/schools/countries/KEN/stats?week=2025-01-05").json()
    assert same["this_week"] == this


def test_a_week_without_roll_up_has_no_counts(client, rolled_up):
    body = client.get("/api/v1/schools/countries/KEN/stats?week=2024-W52").json()
    assert body["this_week"]["global"]["bad"] == 3
    assert body["last_week"] == {
        "week": "2024-W51",
        "start": "2024-12-16",
        "iso_year": 2024,
        "iso_week": 51,
        "source": "none",
        "global": None,
        "national": None,
    }


def test_default_week_is_the_latest_rolled_up(client, rolled_up):
    body = client.get("/api/v1/schools/countries/KEN/stats").json()
    assert body["this_week"]["week"] == "2025-W01"


def test_without_roll_up_the_current_week_counts_current_status(client, kenya):
    body = client.get("/api/v1/schools/countries/KEN/stats").json()
    assert body["this_week"]["source"] == "current"
    assert body["this_week"]["global"] == {
        "good": 1,
        "moderate": 1,
        "bad": 1,
        "no_internet": 1,
        "unknown": 0,
    }
    assert body["this_week"]["national"]["good"] == 2
    assert body["last_week"]["source"] == "none"


def test_areas_give_below_national_benchmark_per_province(client, rolled_up):
    rows = client.get("/api/v1/schools/countries/KEN/areas?week=2025-W01&level=1").json()
    assert [row["name"] for row in rows] == ["Mombasa", "Nairobi"]
    coast = rows[0]
    assert coast["schools"] == 2
    assert coast["level"] == 1
    assert coast["this_week"]["national"]["bad"] == 1
    assert coast["last_week"]["national"]["bad"] == 2
    assert rows[1]["this_week"]["source"] == "none"  # no roll-up rows for Nairobi
    both = client.get("/api/v1/schools/countries/KEN/areas?week=2025-W01").json()
    assert {row["name"]: row["schools"] for row in both} == {
        "Mombasa": 2,
        "Nairobi": 2,
        "Westlands": 2,
    }


def test_countries_list_shows_latest_week(client, rolled_up, reference_data):
    from resilnet.core.models import Country

    uganda = Country.objects.get(iso3="UGA")
    make_school(uganda, "Kampala Primary", 0.3, 32.6)
    refresh_counts([uganda.pk])
    rows = {row["country"]: row for row in client.get("/api/v1/schools/countries").json()}
    assert set(rows) == {"KEN", "UGA"}
    assert rows["KEN"]["week"] == "2025-W01"
    assert rows["KEN"]["schools"] == 4
    assert rows["KEN"]["national"]["good"] == 2
    assert rows["UGA"]["source"] == "current"
    assert rows["UGA"]["global"]["unknown"] == 1


def test_country_weekly_series(client, rolled_up):
    rows = client.get("/api/v1/schools/countries/KEN/weekly?since=2024-12-01&until=2025-01-31")
    assert [r["week"] for r in rows.json()] == ["2024-W52", "2025-W01"]
    coast = rolled_up["coast"].pk
    rows = client.get(f"/api/v1/schools/countries/KEN/weekly?area={coast}&since=2024-12-01")
    assert rows.json()[-1]["national"]["no_internet"] == 1
    assert client.get("/api/v1/schools/countries/KEN/weekly?area=999999").status_code == 404


@pytest.mark.parametrize(
    ("query", "names"),
    [
        (
            "country=KEN",
            {"Moi Avenue Primary", "Westlands Secondary", "Likoni Primary", "Kisauni Primary"},
        ),
        ("country=KEN&status=good", {"Moi Avenue Primary"}),
        (
            "country=KEN&status=good&benchmark=national",
            {"Moi Avenue Primary", "Westlands Secondary"},
        ),
        ("education_level=secondary", {"Westlands Secondary"}),
        ("school_area_type=rural", {"Likoni Primary", "Kisauni Primary"}),
        ("coverage=moderate", {"Westlands Secondary"}),
        ("realtime=true", {"Moi Avenue Primary", "Westlands Secondary"}),
        ("q=likoni", {"Likoni Primary"}),
        ("q=GOV-1", {"Moi Avenue Primary"}),
        ("q=ke-4", {"Kisauni Primary"}),
        ("q=Closed", set()),
    ],
)
def test_school_filters(client, kenya, query, names):
    body = client.get(f"/api/v1/schools/?{query}").json()
    assert {row["school_name"] for row in body["results"]} == names
    assert body["count"] == len(names)


def test_area_and_source_filters(client, kenya):
    coast = kenya["coast"].pk
    body = client.get(f"/api/v1/schools/?area={coast}").json()
    assert {row["school_name"] for row in body["results"]} == {"Likoni Primary", "Kisauni Primary"}
    westlands = kenya["westlands"].pk
    assert client.get(f"/api/v1/schools/?area={westlands}").json()["count"] == 2
    school = School.objects.get(school_id_giga="ke-3")
    Measurement.objects.create(
        school=school,
        timestamp=dt.datetime(2025, 1, 2, tzinfo=dt.UTC),
        download_bps=5,
        source="qos",
    )
    body = client.get("/api/v1/schools/?source=qos").json()
    assert [row["school_name"] for row in body["results"]] == ["Likoni Primary"]
    assert client.get("/api/v1/schools/?source=ndt").json()["count"] == 0


def test_pagination_is_stable_by_id(client, kenya):
    first = client.get("/api/v1/schools/?page_size=3").json()
    second = client.get(first["next"]).json()
    assert first["count"] == 4
    assert first["pages"] == 2
    ids = [row["id"] for row in first["results"] + second["results"]]
    assert ids == sorted(ids)
    assert len(set(ids)) == 4
    assert second["next"] is None


HOSTILE = ["' OR 1=1 --", '"; DROP TABLE schools_school; --', "%", "_", "\\", "ke-1' --"]


@pytest.mark.parametrize("value", HOSTILE)
def test_sql_metacharacters_in_every_filter(client, kenya, value):
    for name in ("q", "education_level"):
        response = client.get("/api/v1/schools/", {name: value})
        assert response.status_code == 200
        assert response.json()["count"] == 0, name
    for name in (
        "country",
        "status",
        "benchmark",
        "coverage",
        "source",
        "school_area_type",
        "area",
        "realtime",
    ):
        response = client.get("/api/v1/schools/", {name: value})
        assert response.status_code == 422, name
        assert response.json()["errors"][0]["location"] == f"query.{name}"
    assert client.get("/api/v1/schools/countries/%27%20OR%201%3D1/stats").status_code == 404
    assert client.get("/api/v1/schools/countries/KEN/stats", {"week": value}).status_code == 422
    assert School.objects.count() == 5


def test_unknown_country_and_school_are_problems(client, kenya):
    response = client.get("/api/v1/schools/countries/XXX/stats")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "XXX"
    assert client.get("/api/v1/schools/?country=XXX").status_code == 404
    assert client.get("/api/v1/schools/countries/XXX/areas").status_code == 404
    assert client.get("/api/v1/schools/999999").status_code == 404
    deleted = School.objects.get(school_id_giga="ke-5")
    assert client.get(f"/api/v1/schools/{deleted.pk}").status_code == 404
    assert client.get("/api/v1/schools/abc").status_code == 422
    # The interface without the slash is redirected with its query.
    assert client.get("/api/v1/schools?country=KEN")["Location"] == "/api/v1/schools/?country=KEN"
    assert client.get(f"/api/v1/schools/{2**70}").status_code == 404
    assert client.get("/api/v1/schools/-1").status_code == 404


def test_oversized_and_malformed_parameters(client, kenya):
    response = client.get("/api/v1/schools/", {"q": "x" * 101})
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "query.q"
    assert client.get("/api/v1/schools/", {"page_size": 501}).status_code == 422
    assert client.get("/api/v1/schools/", {"page": 0}).status_code == 422
    assert client.get("/api/v1/schools/", {"area": 2**70}).status_code == 422
    response = client.get("/api/v1/schools/countries/KEN/stats", {"week": "2025-W54"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "query.week"
    assert client.get("/api/v1/schools/countries/KEN/areas", {"level": 3}).status_code == 422
    bad_range = {"since": "2025-02-01", "until": "2025-01-01"}
    assert client.get("/api/v1/schools/countries/KEN/weekly", bad_range).status_code == 422
    assert client.get("/api/v1/schools/", {"q": "a\x00b"}).status_code == 422


def test_school_profile_measurements_and_weekly(client, kenya):
    school = School.objects.get(school_id_giga="ke-1")
    for day, speed, source in (
        (1, 30_000_000, "ndt"),
        (2, 5_000_000, "qos"),
        (9, 25_000_000, "ndt"),
    ):
        Measurement.objects.create(
            school=school,
            timestamp=dt.datetime(2025, 1, day, 10, tzinfo=dt.UTC),
            download_bps=speed,
            source=source,
        )
    for monday, speed, status in (
        (PREVIOUS, 12_000_000, "moderate"),
        (NEW_YEAR_WEEK, 30_000_000, "good"),
    ):
        SchoolWeeklyStatus.objects.create(
            school=school,
            week_start=monday,
            iso_year=monday.isocalendar().year,
            iso_week=monday.isocalendar().week,
            download_bps=speed,
            num_measurements=2,
            connectivity_global=status,
            connectivity_national="good",
        )
    profile = client.get(f"/api/v1/schools/{school.pk}").json()
    assert profile["school_id_giga"] == "ke-1"
    assert profile["country"] == "KEN"
    assert profile["fields"]["coverage"]["cellular_coverage_type"] == "4G"
    assert profile["benchmarks"]["national_bps"] == 10_000_000
    assert profile["latest_week"]["week"] == "2025-W01"
    assert profile["url"].endswith(f"/schools/{school.pk}/")
    body = client.get(f"/api/v1/schools/{school.pk}/measurements").json()
    assert [m["download_bps"] for m in body["results"]] == [25_000_000, 5_000_000, 30_000_000]
    body = client.get(
        f"/api/v1/schools/{school.pk}/measurements",
        {"source": "ndt", "since": "2025-01-01T12:00:00Z"},
    ).json()
    assert [m["download_bps"] for m in body["results"]] == [25_000_000]
    weeks = client.get(
        f"/api/v1/schools/{school.pk}/weekly", {"since": "2024-12-01", "until": "2025-01-10"}
    ).json()
    assert [(w["week"], w["connectivity_global"]) for w in weeks] == [
        ("2024-W52", "moderate"),
        ("2025-W01", "good"),
    ]
