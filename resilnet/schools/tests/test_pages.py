import datetime as dt

import pytest

from resilnet.core.models import AuditEvent, Role
from resilnet.schools import palette
from resilnet.schools.models import CountrySettings, School, SchoolWeeklyStatus
from resilnet.schools.tests.readside import kenya_fixture, weekly_counts  # noqa: F401 (a fixture)


@pytest.fixture
def rolled_up(kenya):
    monday = dt.date(2024, 12, 30)
    coast = kenya["coast"]
    weekly_counts(kenya["country"], monday, "national", {"good": 2, "bad": 1, "no_internet": 1})
    weekly_counts(kenya["country"], monday, "global", {"good": 1, "moderate": 1, "bad": 2})
    weekly_counts(kenya["country"], monday, "national", {"bad": 1, "no_internet": 1}, area=coast)
    weekly_counts(
        kenya["country"], monday - dt.timedelta(days=7), "national", {"bad": 3}, area=coast
    )
    return kenya


def test_start_page_lists_countries_for_visitors(client, kenya):
    html = client.get("/schools/").content.decode()
    assert "/schools/countries/KEN/" in html
    assert "/schools/map/" in html
    assert "/schools/import/" not in html


def test_start_page_links_import_for_analysts(client, kenya, make_user):
    client.force_login(make_user("ana", Role.ANALYST))
    assert "/schools/import/" in client.get("/schools/").content.decode()


def test_country_page_shows_provinces_below_national_benchmark(client, rolled_up):
    response = client.get("/schools/countries/KEN/?week=2025-W01")
    assert response.status_code == 200
    html = response.content.decode()
    assert "2025-W01" in html
    assert "2024-W52" in html
    row = html.split(">Mombasa</a>")[1].split("</tr>")[0]
    cells = [cell.split(">")[-1] for cell in row.split("</td>")[:-1]]
    assert cells == ["2", "2", "3", "-1"]  # schools, this week, last week, change
    assert "10 Mbit/s" in html  # national benchmark
    assert "export.csv?country=KEN&amp;bom=1" in html


def test_country_page_unknown_country_and_bad_week(client, kenya):
    assert client.get("/schools/countries/XXX/").status_code == 404
    assert client.get("/schools/countries/%3Cscript%3E/").status_code == 404
    response = client.get("/schools/countries/KEN/?week=%27%20OR%201%3D1")
    assert response.status_code == 200
    assert "neither an ISO week" in response.content.decode()


def test_school_list_filters_and_reports_bad_values(client, kenya):
    html = client.get("/schools/list/?country=KEN&status=bad&benchmark=national").content.decode()
    assert "Likoni Primary" in html
    assert "Moi Avenue Primary" not in html
    html = client.get("/schools/list/?country=XX%27&status=evil&q=" + "x" * 200).content.decode()
    assert "No country has this" in html
    assert "Likoni Primary" not in html


def test_school_profile_draws_its_speed_chart(client, kenya):
    from resilnet.schools.selectors import current_week

    school = School.objects.get(school_id_giga="ke-1")
    for back, speed in ((3, 8_000_000), (2, 25_000_000), (1, None)):
        monday = current_week() - dt.timedelta(weeks=back)
        iso = monday.isocalendar()
        SchoolWeeklyStatus.objects.create(
            school=school,
            week_start=monday,
            iso_year=iso.year,
            iso_week=iso.week,
            download_bps=speed,
            connectivity_global="good",
            connectivity_national="good",
        )
    html = client.get(f"/schools/{school.pk}/").content.decode()
    svg = html.split('<svg class="chart"')[1].split("</svg>")[0]
    assert "Weekly median download speed of Moi Avenue Primary</title>" in svg
    assert "between 8.0 and 25 Mbit/s" in svg
    assert svg.count('<circle class="point"') == 2  # the week without data has no point
    assert '<line class="benchmark"' in svg
    assert '<td class="num">25</td>' in html  # the table fallback
    assert client.get("/schools/999999/").status_code == 404


def test_school_page_renders_right_to_left_in_arabic(client, rolled_up):
    school = School.objects.get(school_id_giga="ke-3")
    for url in ("/schools/", "/schools/countries/KEN/", "/schools/list/", f"/schools/{school.pk}/"):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="ar")
        assert response.status_code == 200, url
        assert 'dir="rtl"' in response.content.decode()


def test_palette_and_stylesheet_agree():
    from pathlib import Path

    css = (Path(palette.__file__).parent / "static/schools/schools.css").read_text()
    for status, colour in palette.CONNECTIVITY_COLOURS.items():
        assert f".s-{status} {{ --s: {colour}; }}" in css


def test_an_analyst_sets_the_national_benchmark_from_the_country_page(client, kenya, make_user):
    client.force_login(make_user("ana", Role.ANALYST))
    assert (
        'action="/schools/countries/KEN/benchmark"'
        in client.get("/schools/countries/KEN/").content.decode()
    )
    response = client.post("/schools/countries/KEN/benchmark", {"mbps": "25"}, follow=True)
    assert response.redirect_chain[-1][0] == "/schools/countries/KEN/"
    settings_row = CountrySettings.objects.get(country=kenya["country"])
    assert settings_row.national_benchmark_bps == 25_000_000
    assert AuditEvent.objects.filter(object_type="schools.countrysettings").exists()


@pytest.mark.parametrize("value", ["0", "-3", "abc", "1e9", "'; DROP TABLE schools_school;--"])
def test_a_bad_benchmark_changes_nothing_and_says_why(client, kenya, make_user, value):
    client.force_login(make_user("ana", Role.ANALYST))
    response = client.post("/schools/countries/KEN/benchmark", {"mbps": value}, follow=True)
    assert response.status_code == 200
    assert '<li class="error">' in response.content.decode()
    settings_row = CountrySettings.objects.get(country=kenya["country"])
    assert settings_row.national_benchmark_bps == 10_000_000


def test_only_analysts_set_the_benchmark(client, kenya, make_user):
    assert client.post("/schools/countries/KEN/benchmark", {"mbps": "5"}).status_code == 302
    client.force_login(make_user("carla", Role.CONTRIBUTOR))
    assert "benchmark_form" not in client.get("/schools/countries/KEN/").content.decode()
    assert client.post("/schools/countries/KEN/benchmark", {"mbps": "5"}).status_code == 403
    settings_row = CountrySettings.objects.get(country=kenya["country"])
    assert settings_row.national_benchmark_bps == 10_000_000
