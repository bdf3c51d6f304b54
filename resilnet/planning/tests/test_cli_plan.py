"""`resilnet plan run` and `costs-template`: the file out, the totals, and exit 2 on bad input."""

import csv
import json

import pytest

from resilnet.cli import main
from resilnet.planning.engine.costs import costs_from_json, costs_to_json, default_costs
from resilnet.planning.engine.data import PLAN_COLUMNS

SITES = """site_id,latitude,longitude,num_students,has_electricity,district
S1,0.01,30.01,100,yes,a
S2,0.2,30.2,300,no,b
S3,1.5,31.5,50,yes,c
007,0.011,30.011,10,yes,d
"""
FIBRE = "node_id,latitude,longitude\nN1,0,30\n"
TOWERS = "tower_id,latitude,longitude,technology,range_km\nT1,0.2,30.21,4G,5\n"


@pytest.fixture
def files(tmp_path):
    def write(name, text):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    paths = {
        "sites": write("sites.csv", SITES),
        "fibre": write("fibre.csv", FIBRE),
        "towers": write("towers.csv", TOWERS),
        "out": str(tmp_path / "plan.csv"),
    }
    paths["write"] = write
    return paths


def run(files, *extra, **replace):
    paths = {**files, **replace}
    argv = ["plan", "run", "--sites", paths["sites"], "--fibre", paths["fibre"],
            "--towers", paths["towers"], "--out", paths["out"], *extra]  # fmt: skip
    return main(argv)


def read_out(path):
    with open(path, newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def totals_table(out: str) -> dict[str, list[str]]:
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("technology"))
    rows = {}
    for line in lines[start + 1 :]:
        cells = line.split()
        if not cells or not cells[1].replace(",", "").isdigit():
            break
        rows[cells[0]] = cells[1:]
    return rows


def test_run_writes_one_row_per_site_and_prints_totals_that_add_up(files, capsys):
    assert run(files) == 0
    out = capsys.readouterr().out
    with open(files["out"], newline="", encoding="utf-8") as stream:
        assert next(csv.reader(stream)) == list(PLAN_COLUMNS)
    rows = read_out(files["out"])
    assert [r["site_id"] for r in rows] == ["S1", "S2", "S3", "007"]  # the sites' order, as text
    assert {r["connected"] for r in rows} == {"true"}  # no budget: every site is connected
    table = totals_table(out)
    for tech in {r["technology"] for r in rows}:
        mine = [r for r in rows if r["technology"] == tech]
        assert int(table[tech][0]) == len(mine)
        assert int(table[tech][1].replace(",", "")) == sum(
            int(line.split(",")[3]) for line in SITES.splitlines()[1:]
            if line.split(",")[0] in {r["site_id"] for r in mine}
        )  # fmt: skip
    npv = sum(float(r["npv"]) for r in rows)
    assert int(table["total"][4].replace(",", "")) == round(npv)
    assert "4 sites written" in out


def test_a_cost_file_changes_the_answer(files, capsys):
    assert run(files) == 0
    before = {r["site_id"]: r for r in read_out(files["out"])}
    doc = costs_to_json(default_costs())
    doc["technologies"]["satellite"]["capex"] *= 2
    costs = files["write"]("costs.json", json.dumps(doc))
    assert run(files, "--costs", costs) == 0
    after = {r["site_id"]: r for r in read_out(files["out"])}
    # S3 is far from every tower and fibre node: satellite stays its only option.
    assert before["S3"]["technology"] == after["S3"]["technology"] == "satellite"
    added = default_costs().technologies["satellite"].capex
    assert float(after["S3"]["capex"]) == pytest.approx(float(before["S3"]["capex"]) + added)


def test_a_budget_leaves_sites_unconnected(files, capsys):
    assert run(files) == 0
    full = read_out(files["out"])
    cheapest = min(float(r["npv"]) for r in full)
    assert run(files, "--budget", f"{cheapest:.2f}", "--objective", "students") == 0
    rows = read_out(files["out"])
    funded = [r for r in rows if r["connected"] == "true"]
    assert 1 <= len(funded) < len(rows)
    assert sum(float(r["npv"]) for r in funded) <= cheapest + 0.01
    assert {r["technology"] for r in rows if r["connected"] == "false"} == {"none"}
    assert "budget" in capsys.readouterr().out


@pytest.mark.parametrize("budget", ["0", "-5", "lots", "1e999", "1_000"])
def test_a_budget_of_zero_or_nonsense_is_refused(files, capsys, budget):
    with pytest.raises(SystemExit) as caught:
        run(files, f"--budget={budget}")
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "--budget" in err
    if budget == "0":
        assert "leave --budget out" in err


@pytest.mark.parametrize(
    ("which", "text", "expected"),
    [
        ("towers", TOWERS + "T2,1,2,4G,-3\n", "towers.csv, row 3, range_km: must be more than 0"),
        ("sites", SITES + "S9,,30,1,yes,x\n", "sites.csv, row 6, latitude: no coordinates"),
        ("sites", SITES.replace("num_students", "pupils"), "sites.csv, row 1, num_students"),
        ("fibre", "", "fibre.csv: the file is empty"),
    ],
)
def test_bad_input_exits_2_naming_file_row_and_field_and_writes_nothing(
    files, capsys, which, text, expected
):
    files["write"]("plan.csv", "the previous plan\n")
    path = files["write"](f"{which}.csv", text)
    assert run(files, **{which: path}) == 2
    assert expected in capsys.readouterr().err
    with open(files["out"], encoding="utf-8") as stream:
        assert stream.read() == "the previous plan\n"  # nothing half-written


def test_a_bad_cost_file_exits_2_naming_the_key(files, capsys):
    doc = costs_to_json(default_costs())
    del doc["technologies"]["fibre"]["capex"]
    costs = files["write"]("kenya.json", json.dumps(doc))
    assert run(files, "--costs", costs) == 2
    assert "kenya.json, technologies.fibre.capex: missing" in capsys.readouterr().err
    big = files["write"]("big.json", " " * (2 * 1024 * 1024))
    assert run(files, "--costs", big) == 2
    assert "big.json: the file is" in capsys.readouterr().err
    assert run(files, "--costs", files["out"] + ".missing.json") == 2


def test_a_road_network_in_pieces_is_used_with_a_warning(files, capsys):
    def line(*points):
        geometry = {"type": "LineString", "coordinates": [list(p) for p in points]}
        return {"type": "Feature", "properties": {}, "geometry": geometry}

    doc = {"type": "FeatureCollection",
           "features": [line((30, 0), (30.01, 0.01)), line((31.5, 1.5), (31.6, 1.6))]}  # fmt: skip
    roads = files["write"]("roads.geojson", json.dumps(doc))
    assert run(files, "--roads", roads) == 0
    assert "the road network has 2 separate parts" in capsys.readouterr().err
    assert len(read_out(files["out"])) == 4


def test_an_out_folder_that_does_not_exist(files, tmp_path, capsys):
    assert run(files, out=str(tmp_path / "nowhere" / "plan.csv")) == 2
    assert "--out" in capsys.readouterr().err


def test_costs_template_prints_the_defaults_that_run_reads(capsys):
    assert main(["plan", "costs-template"]) == 0
    printed = capsys.readouterr().out
    assert costs_from_json(printed) == default_costs()
    assert "ITU" in json.loads(printed)["sources"]["discount_rate"]


def test_geojson_sites_and_a_site_already_connected(files, capsys):
    def point(site_id, lon, lat, connected):
        return {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"site_id": site_id, "num_students": 10, "has_electricity": True,
                           "already_connected": connected},
        }  # fmt: skip

    doc = {"type": "FeatureCollection",
           "features": [point("G1", 31.5, 1.5, False), point("G2", 30.2, 0.2, True)]}  # fmt: skip
    sites = files["write"]("sites.geojson", json.dumps(doc))
    assert run(files, sites=sites) == 0
    rows = {r["site_id"]: r for r in read_out(files["out"])}
    assert rows["G2"]["technology"] == "existing"
    assert rows["G2"]["connected"] == "false"  # connected before, not by this plan
    assert float(rows["G2"]["npv"]) == 0
    assert rows["G1"]["connected"] == "true"
    assert "existing" in totals_table(capsys.readouterr().out)
