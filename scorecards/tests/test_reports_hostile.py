"""Hostile and broken reports: each is refused with a message naming the file, the line or field and
what was expected; nothing is fetched, nothing expands, nothing is read past the size limit."""

import io
from pathlib import Path

import orjson
import pytest

from scorecards.lib.reports import ReportError, ReportTooLarge, parse_report

CORPUS = Path(__file__).parent / "reports"
SECRET = "root:x:0:0"


def refused(fmt, data, filename="report.xml", **kwargs) -> str:
    with pytest.raises(ReportError) as caught:
        parse_report(format=fmt, data=data, filename=filename, **kwargs)
    message = str(caught.value)
    assert message.startswith(filename), message
    assert SECRET not in message
    return message


# --- XML: entities, DTDs, external references -----------------------------------------------------


def test_xxe_external_entity_is_refused():
    xml = b"""<?xml version="1.0"?>
<!DOCTYPE coverage [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<coverage line-rate="1" lines-valid="1" lines-covered="1"><sources><source>&xxe;</source></sources></coverage>"""
    message = refused("cobertura", xml, "coverage.xml")
    assert "line 2" in message and "internal subset" in message


def test_xxe_in_jacoco_with_its_doctype_is_refused():
    xml = b"""<?xml version="1.0"?><!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "report.dtd" [
<!ENTITY xxe SYSTEM "file:///etc/passwd">]><report name="&xxe;"/>"""
    assert "internal subset" in refused("jacoco", xml, "jacoco.xml")


def test_external_dtd_is_never_read(tmp_path):
    # Were the DTD read, &leak; would expand to "integration" and the case would count as one.
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY leak "integration">')
    xml = f"""<?xml version="1.0"?>
<!DOCTYPE testsuites SYSTEM "{dtd.as_uri()}">
<testsuites><testsuite name="&leak;"><testcase classname="a.B" name="x"/></testsuite></testsuites>""".encode()
    try:
        facts = parse_report(format="junit", data=xml, filename="junit.xml").facts
    except ReportError as exc:  # expat may also call the undefined entity an error: fine too
        assert "integration" not in str(exc)
    else:
        assert facts["tests.total"] == 1 and facts["tests.integration"] == 0


def test_billion_laughs_is_refused_at_once():
    lols = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    xml = f"""<?xml version="1.0"?>
<!DOCTYPE testsuites [<!ENTITY lol0 "lol">{lols}]>
<testsuites><testsuite name="&lol9;"/></testsuites>""".encode()
    assert "internal subset" in refused("junit", xml, "junit.xml")


def test_dtd_with_declarations_is_refused():
    xml = b'<?xml version="1.0"?>\n<!DOCTYPE coverage [<!ELEMENT coverage ANY>]>\n<coverage/>'
    assert "line 2" in refused("cobertura", xml, "coverage.xml")


def test_entity_declared_without_doctype_subset_cannot_sneak_in():
    # A parameter-entity trick needs an internal subset as well.
    xml = b'<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><report/>'
    refused("jacoco", xml, "jacoco.xml")


def test_nesting_bomb_is_refused():
    xml = b"<testsuites>" + b"<a>" * 300 + b"</a>" * 300 + b"</testsuites>"
    assert "nested deeper" in refused("junit", xml, "junit.xml")


# --- Broken files -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "fmt"), [("cobertura-coveragepy.xml", "cobertura"), ("jacoco.xml", "jacoco"),
                                           ("junit-maven.xml", "junit")])
def test_truncated_xml_names_the_line(name, fmt):
    data = (CORPUS / name).read_bytes()
    message = refused(fmt, data[: len(data) * 2 // 3], name)
    assert "malformed XML" in message and "line " in message


@pytest.mark.parametrize(("name", "fmt"), [("codeql.sarif", "sarif"), ("trivy.json", "trivy"),
                                           ("grype.json", "grype"), ("facts.json", "json")])
def test_truncated_json_names_the_line(name, fmt):
    data = (CORPUS / name).read_bytes()
    message = refused(fmt, data[: len(data) // 2], name)
    assert "malformed JSON" in message and "line " in message


def test_truncated_lcov_is_refused():
    data = (CORPUS / "lcov.info").read_bytes()
    assert "end_of_record" in refused("lcov", data[: data.index(b"LF:5")], "lcov.info")


@pytest.mark.parametrize("fmt", ["cobertura", "jacoco", "lcov", "sarif", "trivy", "grype", "junit", "openslo", "json"])
@pytest.mark.parametrize("data", [b"", b"   \n"])
def test_empty_report(fmt, data):
    assert "empty report" in refused(fmt, data, "report.txt")


def test_binary_garbage_is_refused():
    refused("cobertura", b"\x00\x01\x02<coverage", "coverage.xml")
    refused("lcov", b"SF:\xff\xfe\n", "lcov.info")
    refused("openslo", b"\x00\x00apiVersion", "slo.yaml")


# --- Wrong format for the declared type ------------------------------------------------------------


@pytest.mark.parametrize(("declared", "name", "looks"), [
    ("cobertura", "jacoco.xml", "jacoco"), ("jacoco", "cobertura-coveragepy.xml", "cobertura"),
    ("junit", "cobertura-coveragepy.xml", "cobertura"), ("sarif", "trivy.json", "trivy"),
    ("trivy", "grype.json", "grype"), ("grype", "codeql.sarif", "sarif"), ("cobertura", "lcov.info", "lcov"),
    ("lcov", "codeql.sarif", "sarif"), ("json", "junit-pytest.xml", "junit"), ("openslo", "facts.json", "json"),
])
def test_wrong_format_says_what_it_looks_like(declared, name, looks):
    message = refused(declared, (CORPUS / name).read_bytes(), name)
    assert f"declared as {declared}" in message and f"looks like a {looks}" in message


def test_unknown_xml_root_and_unknown_format():
    assert "root element <coverage>, found <project>" in refused("cobertura", b"<project/>", "pom.xml")
    assert "unknown format 'pdf'" in refused("pdf", b"%PDF", "x.pdf")


def test_json_of_the_wrong_shape():
    assert "SARIF 2.1.0" in refused("sarif", b'{"version": "1.0.0"}', "x.sarif")
    assert "list of results" in refused("trivy", b'{"SchemaVersion": 2, "Results": {"a": 1}}', "t.json")
    assert "Severity" in refused("trivy", b'{"Results": [{"Vulnerabilities": [{"Severity": "SEVERE"}]}]}', "t.json")
    assert "a JSON list" in refused("grype", b"[1, 2]", "g.json")
    assert "Results[0].Vulnerabilities[0].Severity" in refused(
        "trivy", b'{"Results": [{"Vulnerabilities": [{"Severity": 5}]}]}', "t.json")


# --- Numbers out of range ---------------------------------------------------------------------------


@pytest.mark.parametrize(("attrs", "field"), [
    ('line-rate="1.5"', "<coverage> line-rate"), ('line-rate="-0.1"', "<coverage> line-rate"),
    ('line-rate="NaN"', "<coverage> line-rate"), ('lines-valid="10" lines-covered="-1"', "<coverage> lines-covered"),
    ('lines-valid="10" lines-covered="11"', "<coverage> lines-covered"),
    ('lines-valid="1e400" lines-covered="1"', "<coverage> lines-valid"),
    ('branches-valid="2" branches-covered="3" lines-valid="1" lines-covered="1"', "<coverage> branches-covered"),
])
def test_cobertura_numbers_out_of_range(attrs, field):
    message = refused("cobertura", f"<coverage {attrs}><packages/></coverage>".encode(), "coverage.xml")
    assert field in message and "line 1" in message


def test_cobertura_negative_hits_names_the_line():
    xml = b'<coverage>\n<packages><package><classes><class>\n<lines>\n<line number="1" hits="-3"/></lines>' \
          b"</class></classes></package></packages></coverage>"
    message = refused("cobertura", xml, "coverage.xml")
    assert "line 4" in message and "<line> hits" in message and "at least 0" in message


def test_jacoco_negative_counter_and_missing_totals():
    assert "missed" in refused("jacoco", b'<report><counter type="LINE" missed="-2" covered="3"/></report>', "j.xml")
    assert 'counter type="LINE"' in refused("jacoco", b'<report name="x"/>', "j.xml")


@pytest.mark.parametrize(("text", "field"), [
    ("SF:a\nLF:5\nLH:6\nend_of_record\n", "LH"), ("SF:a\nLF:-1\nend_of_record\n", "LF"),
    ("SF:a\nDA:1,NaN\nend_of_record\n", "DA hits"), ("DA:1,1\n", "DA"), ("SF:a\nBRDA:1,0\nend_of_record\n", "BRDA"),
    ("hello\n", ""),
])
def test_lcov_bad_records(text, field):
    message = refused("lcov", text.encode(), "lcov.info")
    assert field in message and "line " in message


def test_sarif_security_severity_out_of_range():
    for bad in ('"11"', '"-1"', '"NaN"', '"high"'):
        log = f'{{"version": "2.1.0", "runs": [{{"tool": {{"driver": {{"name": "x"}}}}, "results": [{{"ruleId": "a", ' \
              f'"properties": {{"security-severity": {bad}}}}}]}}]}}'
        assert "runs[0].results[0].properties.security-severity" in refused("sarif", log.encode(), "x.sarif")


def test_nan_and_deep_nesting_in_json():
    assert "malformed JSON" in refused("json", b'{"facts": {"coverage.line_percent": NaN}}', "f.json")
    assert "malformed JSON" in refused("json", b'{"facts": {"x": Infinity}}', "f.json")
    assert "malformed JSON" in refused("sarif", b"[" * 100_000 + b"]" * 100_000, "deep.sarif")
    nested = {"facts": {"deep": {"a": {"b": {"c": {"d": {"e": 1}}}}}}}
    assert "nest at most 4 deep" in refused("json", orjson.dumps(nested), "f.json")


@pytest.mark.parametrize("key", ["../etc/passwd", "has space", "UPPER", "a..b", ".lead", "trail.", "", "x" * 201,
                                 "a/b", "ключ"])
def test_bad_fact_keys(key):
    message = refused("json", orjson.dumps({"facts": {key: 1}}), "f.json")
    assert "fact key" in message and "expected a dotted lower-case name" in message


def test_openslo_hostile_yaml():
    rows = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    rows += [f"{b}: &{b} [{','.join([f'*{a}'] * 9)}]" for a, b in zip("abcde", "bcdef", strict=True)]
    bomb = ("\n".join(rows) + "\ng: [" + ",".join(["*f"] * 9) + "]\n").encode()
    refused("openslo", bomb, "slo.yaml")
    assert "line 1" in refused("openslo", b"!!python/object/apply:os.system ['id']\n", "slo.yaml")
    assert "apiVersion" in refused("openslo", b"apiVersion: backstage.io/v1alpha1\nkind: Component\n", "slo.yaml")
    bad_target = b"apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\nspec:\n  objectives:\n    - target: 1.5\n"
    assert "spec.objectives[0].target" in refused("openslo", bad_target, "slo.yaml")
    assert "spec.objectives" in refused("openslo", b"apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\n",
                                        "slo.yaml")


# --- Size ------------------------------------------------------------------------------------------


class CountingReader(io.BytesIO):
    """A file that counts what was read from it."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def _big_sarif(target_bytes: int) -> bytes:
    result = (b'{"ruleId": "py/sql-injection", "ruleIndex": 0, "level": "error", "message": {"text": "This SQL '
              b'query depends on a user-provided value."}, "locations": [{"physicalLocation": {"artifactLocation": '
              b'{"uri": "payments/api.py"}, "region": {"startLine": 42, "startColumn": 9}}}]}')
    count = target_bytes // (len(result) + 1)
    head = (b'{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "CodeQL", "rules": [{"id": '
            b'"py/sql-injection", "properties": {"security-severity": "8.8"}}]}}, "results": [')
    return head + b",".join([result] * count) + b"]}]}", count


def test_fifty_megabyte_sarif_is_refused_by_size_without_reading_it_all():
    data, _ = _big_sarif(50 * 1024 * 1024)
    reader = CountingReader(data)
    with pytest.raises(ReportTooLarge) as caught:
        parse_report(format="sarif", data=reader, filename="huge.sarif", max_bytes=10 * 1024 * 1024)
    assert "PAVED_FACTS_MAX_REPORT_BYTES" in str(caught.value) and "huge.sarif" in str(caught.value)
    assert reader.bytes_read <= 11 * 1024 * 1024
    with pytest.raises(ReportTooLarge):  # bytes over the limit are refused before any parsing
        parse_report(format="sarif", data=data, filename="huge.sarif", max_bytes=10 * 1024 * 1024)


def test_fifty_megabyte_sarif_within_the_limit_is_read_once(settings):
    data, count = _big_sarif(50 * 1024 * 1024)
    assert len(data) >= 49 * 1024 * 1024
    settings.PAVED_FACTS_MAX_REPORT_BYTES = 64 * 1024 * 1024
    reader = CountingReader(data)
    facts = parse_report(data=reader, filename="huge.sarif").facts
    assert facts["vulnerabilities.high"] == count and facts["vulnerabilities.total"] == count
    assert reader.bytes_read == len(data)  # read once, in chunks


def test_streamed_xml_over_the_limit_stops_reading():
    lines = b"".join(b'<line number="%d" hits="1"/>' % i for i in range(200_000))
    xml = b"<coverage><packages><package><classes><class><lines>" + lines + b"</lines></class></classes>" \
          b"</package></packages></coverage>"
    reader = CountingReader(xml)
    with pytest.raises(ReportTooLarge):
        parse_report(format="cobertura", data=reader, filename="coverage.xml", max_bytes=2 * 1024 * 1024)
    assert reader.bytes_read <= 3 * 1024 * 1024
    assert parse_report(format="cobertura", data=CountingReader(xml), filename="c.xml").facts[
        "coverage.lines_total"] == 200_000
