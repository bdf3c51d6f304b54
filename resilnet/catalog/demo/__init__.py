"""Demo catalog: a few hundred realistic but fictional records, loaded through the services.

Every text is composed from phrases written for this demo in the six UN languages, one
file per language in `phrases/`; no text comes from a real source and no real person is
named. Links point to example.org, DOIs use the reserved test prefix 10.5555 and ISBNs the
visibly made-up registrant 978-0-0000.

Record `demo:{n}` is always planned the same way for a given seed, whatever `size` is
(see `generate`). So loading 120 records and later 300 extends the same catalog, and a
second run with the same arguments creates nothing.

    phrases.py   reads the phrase files        content.py  what records are about
    places.py    which countries, how often    compose.py  one record's content
    generate.py  what record n is              load.py     writing records through services
"""

from resilnet.catalog.demo.generate import Plan, plan_record
from resilnet.catalog.demo.load import demo_records, load_demo_catalog
from resilnet.catalog.demo.places import Gazetteer

__all__ = ["Gazetteer", "Plan", "demo_records", "load_demo_catalog", "plan_record"]
