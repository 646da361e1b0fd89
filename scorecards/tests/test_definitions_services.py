"""Registering, refreshing and removing scorecard files: permission, audit, nothing half-stored."""

import pytest
from django.core.exceptions import PermissionDenied

from core.models import AuditEntry
from scorecards.models import Scorecard
from scorecards.services import definitions
from scorecards.tests.test_definitions_parse import GOOD


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", "pw")


@pytest.fixture
def card_file(tmp_path, settings):
    settings.PAVED_FILE_ROOTS = [tmp_path]
    path = tmp_path / "card.yaml"
    path.write_text(GOOD)
    return path


def test_register_reads_validates_stores_and_audits(admin, card_file, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        card = definitions.scorecard_register(actor=admin, target=str(card_file))
    assert card.slug == "tiny" and card.status == Scorecard.Status.OK and card.applies_to == "kind=component"
    assert card.definition["categories"][0]["key"] == "docs" and len(callbacks) == 1  # the compute task
    entry = AuditEntry.objects.get(action="scorecards.scorecard.register")
    assert entry.actor == admin and entry.target == "tiny"


def test_register_needs_the_manage_permission(owner, card_file):
    with pytest.raises(PermissionDenied):
        definitions.scorecard_register(actor=owner, target=str(card_file))
    assert not Scorecard.objects.exists()
    assert AuditEntry.objects.filter(action="scorecards.scorecard.manage", outcome="denied").exists()


@pytest.mark.parametrize("target", ["/etc/passwd", "relative/card.yaml", "ftp://x/card.yaml",
                                    "http://169.254.169.254/latest/meta-data", "builtin:../../settings.py", ""])
def test_targets_outside_the_allow_lists_are_refused(admin, card_file, target):
    with pytest.raises(definitions.ScorecardInvalid):
        definitions.scorecard_register(actor=admin, target=target)
    assert not Scorecard.objects.exists()


def test_an_invalid_file_is_refused_naming_file_line_and_field(admin, card_file):
    card_file.write_text(GOOD.replace("weight: 40", "weight: 45"))
    with pytest.raises(definitions.ScorecardInvalid) as caught:
        definitions.scorecard_register(actor=admin, target=str(card_file))
    assert "card.yaml:7: spec.categories: the category weights must sum to 100, found 105" in str(caught.value)
    assert not Scorecard.objects.exists()


def test_a_bad_applies_to_filter_is_refused(admin, card_file):
    card_file.write_text(GOOD.replace("appliesTo: kind=component", "appliesTo: '=x'"))
    with pytest.raises(definitions.ScorecardInvalid, match="spec.appliesTo"):
        definitions.scorecard_register(actor=admin, target=str(card_file))


def test_a_refresh_of_a_broken_file_keeps_the_last_good_definition(admin, card_file):
    card = definitions.scorecard_register(actor=admin, target=str(card_file))
    good = card.definition
    card_file.write_text(GOOD.replace("expr: docs.published", "expr: docs.published ==="))
    card = definitions.scorecard_refresh(actor=None, scorecard=card)
    assert card.status == Scorecard.Status.ERROR and card.definition == good
    assert "card.yaml:12: spec.categories[0].checks[0].expr: the expression does not parse" in card.message
    card_file.write_text(GOOD.replace("weight: 60", "weight: 50").replace("weight: 40", "weight: 50"))
    card = definitions.scorecard_refresh(actor=admin, scorecard=card)
    assert card.status == Scorecard.Status.OK and card.message == ""
    assert [c["weight"] for c in card.definition["categories"]] == [50, 50]


def test_a_vanished_file_is_an_error_not_a_crash(admin, card_file):
    card = definitions.scorecard_register(actor=admin, target=str(card_file))
    card_file.unlink()
    card = definitions.scorecard_refresh(actor=None, scorecard=card)
    assert card.status == Scorecard.Status.ERROR and card.definition["name"] == "tiny" and card.message


def test_delete_needs_the_permission_and_is_audited(admin, owner, card_file):
    card = definitions.scorecard_register(actor=admin, target=str(card_file))
    with pytest.raises(PermissionDenied):
        definitions.scorecard_delete(actor=owner, scorecard=card)
    definitions.scorecard_delete(actor=admin, scorecard=card)
    assert not Scorecard.objects.exists()
    assert AuditEntry.objects.filter(action="scorecards.scorecard.delete", target="tiny").exists()


def test_the_defaults_load_idempotently(db):
    from django.core.management import call_command

    call_command("scorecards_load_defaults")
    first = {c.slug: c.content_hash for c in Scorecard.objects.all()}
    assert set(first) == {"service-maturity", "documentation-standards"}
    call_command("scorecards_load_defaults")
    assert {c.slug: c.content_hash for c in Scorecard.objects.all()} == first
    assert Scorecard.objects.filter(builtin=True, status="ok").count() == 2


def test_a_push_refreshes_the_scorecards_in_that_repository(admin, card_file):
    card = definitions.scorecard_register(actor=admin, target=str(card_file))
    Scorecard.objects.filter(pk=card.pk).update(target="https://paved.example/git/acme/cards/blob/main/card.yaml")
    refreshed = definitions.scorecards_pushed(web_url="https://paved.example/git/acme/cards")
    assert [c.pk for c in refreshed] == [card.pk]
    assert definitions.scorecards_pushed(web_url="https://paved.example/git/acme/other") == []


def test_a_file_on_the_git_host_is_registered_and_refreshed_on_push(admin):
    from githost.services import repo_commit_files, repo_create, web_url

    repo_create(owner="acme", name="cards")

    def commit(text: str) -> None:
        repo_commit_files(owner="acme", name="cards", branch="main", message="card", author_name="A",
                          author_email="a@example.com", files={"cards/tiny.yaml": text.encode()})

    commit(GOOD)
    target = f"{web_url('acme', 'cards')}/blob/main/cards/tiny.yaml"
    card = definitions.scorecard_register(actor=admin, target=target)
    assert card.status == "ok" and card.target == target
    commit(GOOD.replace("weight: 60", "weight: 70"))
    [card] = definitions.scorecards_pushed(web_url=web_url("acme", "cards"))
    assert card.status == "error"
    assert "tiny.yaml:7: spec.categories: the category weights must sum to 100" in card.message
    assert card.definition["categories"][0]["weight"] == 60  # the last good definition stays


def test_the_register_command_reports_errors_plainly(admin, owner, card_file):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="not allowed"):
        call_command("scorecards_register", str(card_file), "--user", owner.username)
    card_file.write_text(GOOD.replace("weight: 40", "weight: 41"))
    with pytest.raises(CommandError, match=r"card.yaml:7: spec.categories: the category weights must sum to 100"):
        call_command("scorecards_register", str(card_file), "--user", admin.username)
    card_file.write_text(GOOD)
    call_command("scorecards_register", str(card_file), "--user", admin.username)
    assert Scorecard.objects.get().slug == "tiny"


def test_a_preview_validates_and_stores_nothing(admin, owner, card_file):
    assert definitions.scorecard_preview(actor=admin, target=str(card_file))["name"] == "tiny"
    card_file.write_text(GOOD.replace("docs.published", "docs.publised"))
    with pytest.raises(definitions.ScorecardInvalid, match="unknown fact 'docs.publised'"):
        definitions.scorecard_preview(actor=admin, target=str(card_file))
    with pytest.raises(PermissionDenied):
        definitions.scorecard_preview(actor=owner, target=str(card_file))
    assert not Scorecard.objects.exists()


def test_the_definition_selectors(db):
    from scorecards.selectors import definitions as selectors

    definitions.scorecards_load_defaults()
    card = selectors.scorecard_get(slug="SERVICE-MATURITY")
    assert card is not None and selectors.scorecard_get(slug="nope") is None
    checks = selectors.scorecard_checks(scorecard=card)
    assert checks[0]["key"] == "owner-defined" and checks[0]["category_title"] == "Ownership" and len(checks) == 12
    assert [level["title"] for level in selectors.scorecard_levels(scorecard=card)] == ["Bronze", "Silver", "Gold"]
    Scorecard.objects.filter(slug="documentation-standards").update(status="error")
    assert [c.slug for c in selectors.scorecard_list(enabled_only=True)] == ["service-maturity"]
