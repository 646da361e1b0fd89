"""Hostile input: every case gives a clear message and loses nothing already stored."""

import http.server
import threading

import pytest

from catalog import services
from catalog.ingest.readers import ReadError, read_target
from catalog.lib.safe_yaml import YamlError, load_documents
from catalog.models import Entity, Location, ProcessingError
from catalog.tests.factories import component_yaml, documents_yaml

from .test_ingest import SERVICE

pytestmark = pytest.mark.django_db


def only_error(location) -> str:
    return ProcessingError.objects.get(location=location).message


BOMB = b"""a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
"""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (BOMB, "aliases"),
        (b"a: 1\nb: 2\na: 3\n", "duplicate key 'a'"),
        (b"name: \xff\xfe\n", "not valid UTF-8"),
        (b"\x00\x01\x02binary", "binary"),
        (b"a: " + b"[" * 200 + b"]" * 200, "nesting deeper"),
        (b"a: [1, 2\n", "YAML syntax error"),
        (b"<<<<<<< HEAD\nkind: Component\n=======\n", "YAML syntax error"),
    ],
)
def test_hostile_yaml_is_refused_with_a_message(raw, expected):
    with pytest.raises(YamlError) as info:
        load_documents(raw)
    assert expected in info.value.message


def test_hostile_yaml_in_a_location_is_reported_with_the_file(write_yaml, ingest):
    path = write_yaml("bomb.yaml", BOMB)
    location = ingest(path)
    assert location.status == Location.Status.FAILED
    error = ProcessingError.objects.get(location=location)
    assert error.source == f"file:{path}" and "aliases" in error.message


def test_files_over_the_size_limit_are_refused(write_yaml, ingest, settings):
    settings.PAVED_MAX_FILE_BYTES = 2048
    location = ingest(write_yaml("big.yaml", SERVICE + "#" + "x" * 4096 + "\n"))
    assert "over the limit of 2048 bytes" in only_error(location)
    assert not Entity.objects.filter(kind="Component").exists()


def test_paths_outside_the_allowed_roots_are_refused(write_yaml, settings, tmp_path):
    settings.PAVED_FILE_ROOTS = [str(tmp_path / "allowed")]
    outside = write_yaml("secret.yaml", SERVICE)
    with pytest.raises(ReadError, match="outside the directories the catalog may read"):
        read_target("file", str(outside))


def test_a_symlink_out_of_the_allowed_roots_is_refused(write_yaml, settings, tmp_path):
    outside = write_yaml("secret.yaml", SERVICE)
    (tmp_path / "allowed").mkdir()
    (tmp_path / "allowed" / "link.yaml").symlink_to(outside)
    settings.PAVED_FILE_ROOTS = [str(tmp_path / "allowed")]
    with pytest.raises(ReadError, match="outside"):
        read_target("file", str(tmp_path / "allowed" / "link.yaml"))


def test_a_location_entity_pointing_outside_the_roots_is_an_error_not_a_read(write_yaml, ingest, settings, tmp_path):
    write_yaml("secret.yaml", SERVICE)
    root = write_yaml("allowed/all.yaml", """
        apiVersion: backstage.io/v1alpha1
        kind: Location
        metadata: {name: sneaky}
        spec: {targets: [../secret.yaml]}
    """)
    settings.PAVED_FILE_ROOTS = [str(tmp_path / "allowed")]
    location = ingest(root)
    assert "outside the directories" in only_error(location)
    assert not Entity.objects.filter(kind="Component").exists()


def test_a_missing_file_is_reported(tmp_path, ingest):
    location = ingest(tmp_path / "nope.yaml")
    assert location.status == Location.Status.FAILED
    assert "does not exist" in location.message


def test_v1beta2_templates_are_refused_with_migration_advice(write_yaml, ingest):
    location = ingest(write_yaml("t.yaml", """
        apiVersion: backstage.io/v1beta2
        kind: Template
        metadata: {name: old}
        spec: {type: service, steps: []}
    """))
    assert "scaffolder.backstage.io/v1beta3" in only_error(location)


def test_unknown_kinds_are_refused(write_yaml, ingest):
    location = ingest(write_yaml("x.yaml", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"))
    assert "Unhandled entity of kind 'Widget'" in only_error(location)


def test_invalid_names_are_refused_naming_the_field(write_yaml, ingest):
    location = ingest(write_yaml("x.yaml", SERVICE.replace("name: payment-service", "name: " + "a" * 64)))
    error = ProcessingError.objects.get(location=location)
    assert error.field == "metadata.name"
    assert "at most 63 characters" in error.message


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict = {}

    def do_GET(self):  # noqa: N802 (http.server's naming)
        status, headers, body = self.routes.get(self.path, (404, {}, b"missing"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def test_url_locations_read_from_allowed_hosts(http_server, settings):
    port = http_server.server_address[1]
    settings.PAVED_READ_ALLOW = [f"127.0.0.1:{port}"]
    _Handler.routes = {"/catalog-info.yaml": (200, {}, SERVICE.encode())}
    location = Location.objects.create(type="url", target=f"http://127.0.0.1:{port}/catalog-info.yaml")
    services.location_refresh(location_id=location.pk)
    entity = Entity.objects.get(ref="component:default/payment-service")
    assert entity.body["metadata"]["annotations"]["backstage.io/source-location"] == f"url:http://127.0.0.1:{port}/"


def test_url_locations_on_hosts_not_allowed_are_refused(settings):
    settings.PAVED_READ_ALLOW = ["example.com"]
    with pytest.raises(ReadError, match="not in PAVED_READ_ALLOW"):
        read_target("url", "http://127.0.0.1:9/catalog-info.yaml")


def test_redirects_to_hosts_not_allowed_are_refused(http_server, settings):
    port = http_server.server_address[1]
    settings.PAVED_READ_ALLOW = [f"127.0.0.1:{port}"]
    _Handler.routes = {"/c.yaml": (302, {"Location": "http://169.254.169.254/latest/meta-data"}, b"")}
    with pytest.raises(ReadError, match="redirects to http://169.254.169.254"):
        read_target("url", f"http://127.0.0.1:{port}/c.yaml")


def test_http_errors_are_reported(http_server, settings):
    port = http_server.server_address[1]
    settings.PAVED_READ_ALLOW = [f"127.0.0.1:{port}"]
    _Handler.routes = {}
    with pytest.raises(ReadError, match="HTTP 404"):
        read_target("url", f"http://127.0.0.1:{port}/gone.yaml")


def test_yaml_dates_and_integer_keys_are_stored_as_json(write_yaml, ingest):
    ingest(write_yaml("svc.yaml", SERVICE + "  since: 2024-01-31\n  codes: {200: ok}\n"))
    spec = Entity.objects.get(ref="component:default/payment-service").body["spec"]
    assert spec["since"] == "2024-01-31" and spec["codes"] == {"200": "ok"}


def test_binary_values_are_refused_with_a_message(write_yaml, ingest):
    location = ingest(write_yaml("svc.yaml", SERVICE + "  blob: !!binary aGVsbG8=\n"))
    assert "unsupported tag 'tag:yaml.org,2002:binary'" in only_error(location)


def test_yaml_is_read_with_the_yaml_1_2_core_schema_like_backstage():
    (document,) = load_documents(b"a: on\nb: yes\nc: 2024-01-31\nd: 0x1f\ne: true\nf: ~\ng: 012\n")
    assert document.data == {"a": "on", "b": "yes", "c": "2024-01-31", "d": 31, "e": True, "f": None, "g": 12}


def test_merge_keys_are_supported_and_explicit_keys_win():
    (document,) = load_documents(b"base: &base {a: 1, b: 2}\nm:\n  <<: *base\n  b: 3\n")
    assert document.data["m"] == {"a": 1, "b": 3}


@pytest.mark.parametrize("raw", [b"a: !!python/name:os.system ''\n", b"a: !!binary aGVsbG8=\n", b"a: !Ref foo\n",
                                 b"- &x [*x]\n"])
def test_tags_and_recursive_aliases_are_refused(raw):
    with pytest.raises(YamlError):
        load_documents(raw)


INVALID_BESIDE_VALID = documents_yaml(component_yaml("good"), component_yaml("Bad Name!"))


def test_errors_of_an_unchanged_file_stay_until_the_file_is_fixed(tmp_path, settings):
    """A refresh skips an unchanged file by its hash; its errors must not vanish with the skip."""
    from catalog import services
    from catalog.models import Location, ProcessingError

    settings.PAVED_FILE_ROOTS = [str(tmp_path)]
    path = tmp_path / "catalog-info.yaml"
    path.write_text(INVALID_BESIDE_VALID)
    location = Location.objects.create(type="file", target=str(path))
    for _ in range(3):  # registration, then two refreshes of the same bytes
        services.location_refresh(location_id=location.pk)
        location.refresh_from_db()
        assert location.error_count == 1 and location.status == Location.Status.WARNING
        assert ProcessingError.objects.filter(location=location).count() == 1
    path.write_text(component_yaml("good"))
    services.location_refresh(location_id=location.pk)
    location.refresh_from_db()
    assert location.error_count == 0 and not ProcessingError.objects.filter(location=location).exists()
