"""The five real doc sets in ../shared/corpus/techdocs build, or fail naming what they lack."""


import pytest

from core.testing import CORPUS_DIR
from techdocs.builder import BuildError, build_site

CORPUS = CORPUS_DIR / "techdocs"
EXPECTED = {
    "benwilcock__systems-techdocs__tanzu-application-platform-system": 16,
    "benwilcock__systems-techdocs__where-for-dinner-system": 4,
    "benwilcock__systems-techdocs__where-for-dinner-ui": 1,
    # A page embeds a PlantUML diagram and the plantuml binary is not installed on the worker.
    "benwilcock__systems-techdocs__tanzu-developer-portal-system": "plantuml",
    # ezlinks is a plugin outside the allow-list (and mkpatcher would run patcher.py).
    "usingtechnology__common-hosted-form-service-techdocs": "plugin ezlinks is not allowed",
}

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"{CORPUS} not present")


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus")
    results = {}
    for name in EXPECTED:
        try:
            results[name] = build_site(source_dir=CORPUS / name, output_dir=out / name, site_name=name,
                                       page_prefix="/docs/x/", file_prefix="/static/x/")
        except BuildError as exc:
            results[name] = str(exc)
    return results


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_set_builds_or_names_what_it_lacks(outcomes, name):
    expected, got = EXPECTED[name], outcomes[name]
    if isinstance(expected, int):
        assert not isinstance(got, str), got
        assert len(got.pages) == expected
        assert all(p.title and "<script" not in p.html for p in got.pages)
    else:
        assert isinstance(got, str) and expected in got
