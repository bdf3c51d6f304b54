"""A plan on the schools map: the size and build time of the overlay's GeoJSON (a point per
site with its id and technology, a line per fibre or microwave link) for a synthetic plan,
beside the baseline measured in the same run: the plan's full GeoJSON export, every
site's figures in every feature.

    .venv/bin/python bench/planning_overlay.py --sites 20000
    nice -n 10 .venv/bin/python bench/planning_overlay.py          # 200,000 sites

A fresh SQLite database in a temporary folder; times are medians of three builds.
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TECHNOLOGIES = ("fibre", "cellular", "microwave", "satellite", "existing", "none")


def setup(sites: int):
    import numpy as np
    from django.core.management import call_command

    from resilnet.core.models import Country, Region
    from resilnet.core.reference_data import load_reference_data
    from resilnet.planning.models import ScenarioState, SiteResult
    from resilnet.planning.services.datasets import do_upload_dataset
    from resilnet.planning.services.scenarios import default_costs_json, do_create_scenario

    call_command("migrate", verbosity=0)
    load_reference_data(Region, Country)
    fibre = do_upload_dataset(
        None,
        kind="fibre",
        name="f",
        file_name="f.csv",
        data=b"node_id,latitude,longitude\nF1,0.1,37.1\n",
    )
    towers = do_upload_dataset(
        None,
        kind="towers",
        name="t",
        file_name="t.csv",
        data=b"tower_id,latitude,longitude,technology,range_km\nT1,0.1,37.1,4G,5\n",
    )
    sites_file = do_upload_dataset(
        None,
        kind="sites",
        name="s",
        file_name="s.csv",
        data=b"site_id,latitude,longitude,num_students,has_electricity\nS1,0.1,37.1,10,true\n",
    )
    scenario = do_create_scenario(
        None,
        name="Synthetic",
        country=Country.objects.get(iso3="KEN"),
        sites_source="dataset",
        sites=sites_file,
        fibre=fibre,
        towers=towers,
        roads=None,
        costs=default_costs_json(),
        budget=None,
        objective="schools",
    )
    rng = np.random.default_rng(12)
    lat = rng.uniform(-4.5, 4.5, sites)
    lon = rng.uniform(34, 41.5, sites)
    tech = rng.choice(TECHNOLOGIES, sites, p=[0.3, 0.3, 0.1, 0.15, 0.05, 0.1])
    rows = []
    for i in range(sites):
        linked = tech[i] in ("fibre", "microwave")
        rows.append(
            SiteResult(
                scenario=scenario,
                site_id=f"S{i}",
                name=f"School {i}",
                admin1="Region",
                latitude=lat[i],
                longitude=lon[i],
                num_students=300,
                technology=tech[i],
                connected=tech[i] not in ("existing", "none"),
                capex=12000,
                opex_per_year=900,
                npv=18000,
                demand_mbps=20.0,
                reason="fibre_node",
                via_kind="node" if linked else "",
                via_id="F1" if linked else "",
                via_latitude=lat[i] + 0.02 if linked else None,
                via_longitude=lon[i] + 0.02 if linked else None,
                link_km=3.1,
            )
        )
    SiteResult.objects.bulk_create(rows, batch_size=5000)
    scenario.state = ScenarioState.DONE
    scenario.totals = {"total": {"sites": sites}}
    scenario.save()
    return scenario


def measure(build) -> tuple[float, int, int]:
    times, body = [], b""
    for _ in range(3):
        start = time.perf_counter()
        body = "".join(build()).encode()
        times.append(time.perf_counter() - start)
    return statistics.median(times), len(body), len(gzip.compress(body, 6))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-overlay-") as tmp:
        os.environ["RESILNET_VAR_DIR"] = tmp
        os.environ["RESILNET_DATABASE_URL"] = ""
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resilnet.settings")
        import django

        django.setup()
        from resilnet.planning.exports import geojson_chunks
        from resilnet.planning.map_views import _geojson

        scenario = setup(args.sites)
        overlay = measure(lambda: _geojson(scenario))
        export = measure(lambda: geojson_chunks(scenario))
    print(f"{args.sites:,} sites, SQLite, median of 3 builds")
    for label, (seconds, raw, packed) in (("overlay", overlay), ("full export", export)):
        print(
            f"  {label:12} {seconds:6.2f} s  {raw / 1e6:7.1f} MB raw  {packed / 1e6:6.2f} MB gzip"
        )
    print(
        f"  overlay / export: {overlay[1] / export[1]:.2f} of the bytes, "
        f"{overlay[2] / export[2]:.2f} gzipped, {overlay[0] / export[0]:.2f} of the time"
    )


if __name__ == "__main__":
    main()
