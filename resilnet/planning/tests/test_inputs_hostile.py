"""Files made to hurt: too big, too many rows, not text, broken quoting, deep JSON."""

import io

import pytest

from resilnet.planning.engine.inputs import (
    InputError,
    read_fibre_nodes,
    read_roads,
    read_sites,
    read_towers,
)

HEADER = b"site_id,latitude,longitude,num_students,has_electricity\n"


def message(call) -> InputError:
    with pytest.raises(InputError) as caught:
        call()
    return caught.value


def test_an_oversized_path_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(HEADER + b"a,1,2,3,yes\n" * 100)
    exc = message(lambda: read_sites(path, name="big.csv", max_bytes=1000))
    assert exc.file == "big.csv"
    assert f"{path.stat().st_size:,} bytes; the limit is 1,000" in str(exc)


def test_an_oversized_stream_is_read_only_up_to_the_limit():
    stream = io.BytesIO(HEADER + b"a,1,2,3,yes\n" * 10_000)
    exc = message(lambda: read_fibre_nodes(stream, max_bytes=5000))
    assert "more than 5,001 bytes; the limit is 5,000" in str(exc)
    assert stream.tell() == 5001


def test_a_text_mode_stream_is_a_plain_programming_error():
    with pytest.raises(TypeError, match="binary mode"):
        read_sites(io.StringIO("site_id\n"))


def test_too_many_rows_names_the_first_row_over():
    data = HEADER + b"".join(b"s%d,1,2,3,yes\n" % i for i in range(20))
    exc = message(lambda: read_sites(data, max_rows=10))
    assert exc.row == 12
    assert "more than 10 rows" in str(exc)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ("site_id,latitude\n".encode("utf-16"), "UTF-16"),
        (HEADER + "é,1,2,3,yes\n".encode("latin-1"), f"byte {len(HEADER)} "),
        (HEADER + b"a,1,2\x00,3,yes\n", "NUL"),
        (b"PK\x03\x04rest-of-a-workbook", "ZIP"),
    ],
)
def test_files_that_are_not_utf8_text_are_refused_clearly(data, words):
    exc = message(lambda: read_sites(data, name="s.csv"))
    assert exc.file == "s.csv"
    assert words in str(exc)


def test_an_unclosed_quote_cannot_swallow_the_file():
    data = HEADER + b'a,1,2,3,yes\n"b,1,2,3,yes\n' + b"c,1,2,3,yes\n" * 5000
    exc = message(lambda: read_sites(data))
    assert exc.row == 3
    assert "not readable as CSV" in str(exc)


def test_a_header_of_thousands_of_columns_is_refused():
    header = ",".join(f"c{i}" for i in range(5000)).encode()
    exc = message(lambda: read_sites(HEADER.rstrip() + b"," + header + b"\n"))
    assert exc.row == 1
    assert "5,005 columns; the limit is 500" in str(exc)


def test_a_header_naming_a_column_twice():
    exc = message(lambda: read_sites(HEADER.rstrip() + b",Latitude\na,1,2,3,yes,4\n"))
    assert (exc.row, exc.field) == (1, "latitude")
    assert "twice" in str(exc)


def test_an_overlong_id_is_refused():
    exc = message(lambda: read_sites(HEADER + b"x" * 5000 + b",1,2,3,yes\n"))
    assert (exc.row, exc.field) == (2, "site_id")
    assert "5,000 characters" in str(exc)


def test_formula_like_ids_are_kept_as_text_exactly():
    sites = read_sites(HEADER + b"=HYPERLINK(1),1,2,3,yes\n+41,1,3,3,no\n")
    assert list(sites.site_id) == ["=HYPERLINK(1)", "+41"]


@pytest.mark.parametrize("value", [b"1e999", b"-inf", b"1_000", b"0x1F"])
def test_numbers_python_would_accept_but_a_file_should_not_carry(value):
    exc = message(lambda: read_towers(b"tower_id,latitude,longitude,technology,range_km\nT,1,2,4G,"
                                      + value + b"\n"))  # fmt: skip
    assert exc.field == "range_km"


def test_deeply_nested_json_is_refused_not_crashed():
    deep = b"[" * 100_000 + b"]" * 100_000
    assert "nested too deeply" in str(message(lambda: read_roads(deep)))
    assert "nested too deeply" in str(message(lambda: read_sites(deep)))


def test_json_that_is_not_a_feature_collection():
    assert "FeatureCollection" in str(message(lambda: read_sites(b"[1, 2]")))
    assert "not valid JSON at line 1" in str(message(lambda: read_sites(b'{"type": ')))
    exc = message(lambda: read_sites(b'{"type": "FeatureCollection", "features": [7]}'))
    assert (exc.row, exc.field) == (1, "type")


def test_a_missing_file():
    exc = message(lambda: read_sites("/nonexistent/schools.csv", name="schools.csv"))
    assert "cannot be read" in str(exc)
