"""Demo schools: real countries' boundaries, synthetic schools and measurements.

topojson.py      reads TopoJSON            world_atlas.py   Natural Earth's countries
synthetic.py     schools inside a polygon  synthetic_measurements.py  their speed tests
world.py         2.1 million for benches   load.py          the demo countries
writes.py        where the demo writes (to switch to the services)
"""


def load() -> str:
    from resilnet.schools.demo.countries import load_demo_schools

    done = load_demo_schools()
    return (
        f"{done.schools_created} schools and {done.measurements_created} measurements "
        f"added in {done.countries} countries"
    )
