"""Task secrets (issue 9): opaque in templates, encrypted at rest, wiped when a run ends, asked again on retry.

The attacks: a template that transforms a secret (`| upper`, `| reverse`, `[1:]`, `| list | join(' ')`,
`~`, `==`) got the transformed value past the literal-only redactor into task events anyone can read,
and failed runs kept their secrets in plaintext in the database.
"""

import json
from datetime import timedelta
from unittest import mock

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from scaffolding import runner, services
from scaffolding.actions.base import Action
from scaffolding.lib.expressions import ExpressionError, render_input
from scaffolding.lib.sealed import SETTING, SecretsUnreadable, seal, unseal
from scaffolding.models import ScaffoldEvent, ScaffoldRun, ScaffoldStep
from scaffolding.progress import DatabaseProgress
from scaffolding.tests.helpers import bearer

pytestmark = pytest.mark.django_db

SECRET = "Sup3rS3cret-value"
# What the leaking templates turned the secret into; none of these may be written anywhere.
TRANSFORMS = [SECRET, SECRET.upper(), SECRET.lower(), SECRET[::-1], SECRET[1:], " ".join(SECRET), SECRET + "x"]

LEAKS = [
    "${{ secrets.token | upper }}",
    "${{ secrets.token | list | join(' ') }}",
    "${{ secrets.token[1:] }}",
    "${{ secrets.token | reverse }}",
    "${{ secrets.token ~ 'x' }}",
    "${{ secrets.token == 'a' }}",
    "token=${{ secrets.token }}",
    "${{ secrets.token | lower }}",
    "${{ secrets.token is defined }}",
    "${{ 'yes' if secrets.token else 'no' }}",
    "${{ '%s' % secrets.token }}",
    "${{ '{}'.format(secrets.token) }}",
    "{% for c in secrets.token %}${{ c }}{% endfor %}",
    "${{ secrets | dump }}",
    "${{ [secrets.token] }}",
    "${{ secrets.token.upper() }}",
    "${{ secrets.token | default('x') }}",
]


def _no_leak(text: str) -> None:
    for form in TRANSFORMS:
        assert form not in text, f"{form!r} leaked into {text[:300]!r}"


# --- the expression sandbox --------------------------------------------------------------------


@pytest.mark.parametrize("expression", LEAKS)
def test_every_use_of_a_secret_but_passing_it_whole_is_an_error_naming_the_input(expression):
    with pytest.raises(ExpressionError) as caught:
        render_input({"token": expression}, {"parameters": {}}, secrets={"token": SECRET})
    message = str(caught.value)
    assert message.startswith("token: ") and "secrets.token is a secret" in message
    _no_leak(message.replace(expression, ""))  # the template's own text is quoted, never the value


def test_a_secret_is_handed_whole_to_a_top_level_input():
    rendered = render_input({"token": "${{ secrets.token }}", "other": " ${{ secrets['token'] }} ", "n": "x"},
                            {}, secrets={"token": SECRET})
    assert rendered == {"token": SECRET, "other": SECRET, "n": "x"}


def test_a_secret_nested_in_an_input_is_refused_so_fetch_template_values_never_get_one():
    with pytest.raises(ExpressionError, match=r"^values\.token: .*nested value"):
        render_input({"values": {"token": "${{ secrets.token }}"}}, {}, secrets={"token": SECRET})


def test_private_slots_of_a_secret_are_out_of_reach():
    for expression in ("${{ secrets.token._value }}", "${{ secrets.token.__class__ }}",
                       "${{ secrets.token['_value'] }}"):
        with pytest.raises(ExpressionError) as caught:
            render_input({"a": expression}, {}, secrets={"token": SECRET})
        _no_leak(str(caught.value))


# --- the runner ---------------------------------------------------------------------------------


class Echo(Action):
    id = "test:echo"
    input_schema = {"type": "object", "additionalProperties": True}
    output_schema = {"type": "object"}
    supports_dry_run = True

    def __init__(self):
        self.seen = []

    def run(self, ctx):
        self.seen.append(ctx.input)
        ctx.log(f"echo {ctx.input.get('value')!r}")
        ctx.output("value", ctx.input.get("value"))


class Wait(Action):
    id = "test:wait"

    def run(self, ctx):
        for _ in range(200):
            ctx.check_cancelled()
            ctx.cancel_event.wait(0.02)


@pytest.fixture
def workspace_dir(settings, tmp_path):
    settings.PAVED_SCAFFOLDER_WORKSPACE_DIR = tmp_path / "ws"
    return settings.PAVED_SCAFFOLDER_WORKSPACE_DIR


class _Progress(DatabaseProgress):
    """The real rows, without the watchdog's reads from its own connection."""

    cancel = False

    def heartbeat(self) -> None:
        pass

    def cancel_requested(self) -> bool:
        return self.cancel


def make_run(steps, *, secrets=None, status=ScaffoldRun.Status.PROCESSING, output=None, user=None) -> ScaffoldRun:
    secrets = {"token": SECRET} if secrets is None else secrets
    run = ScaffoldRun.objects.create(
        template_ref="template:default/t", template_title="T", spec={"steps": steps, "output": output or {}},
        values={}, secrets=secrets, secret_names=sorted(secrets), status=status, created_by=user,
    )
    for index, step in enumerate(steps):
        ScaffoldStep.objects.create(run=run, index=index, step_id=step["id"], name=step.get("name", step["id"]),
                                    action=step["action"])
    return run


def stored_column(run: ScaffoldRun) -> str:
    """The secrets column as stored (values_list reads it without opening the token)."""
    value = ScaffoldRun.objects.filter(pk=run.pk).values_list("secrets", flat=True).get()
    return value if isinstance(value, str) else ""


def everything_written(run: ScaffoldRun) -> str:
    run = ScaffoldRun.objects.get(pk=run.pk)
    events = [event.body for event in ScaffoldEvent.objects.filter(run=run)]
    checkpoints = list(ScaffoldStep.objects.filter(run=run).values_list("checkpoint", flat=True))
    return json.dumps([events, run.error, run.output, run.step_outputs, checkpoints, stored_column(run)])


def execute(run: ScaffoldRun, actions: dict, report=None) -> str:
    return runner.run_execute(run_id=run.pk, report=report or _Progress(run), actions=actions)


@pytest.mark.parametrize("expression", LEAKS)
def test_a_leaking_template_fails_its_step_and_writes_no_form_of_the_secret(workspace_dir, expression):
    actions = {"test:echo": Echo()}
    run = make_run([{"id": "leak", "name": "Leak it", "action": "test:echo", "input": {"value": expression}}],
                   output={"v": "${{ steps.leak.output.value }}"})
    assert execute(run, actions) == "failed"
    run.refresh_from_db()
    assert run.error.startswith("Step 'Leak it' (leak, test:echo): input: value: ")
    assert "secrets.token is a secret" in run.error
    assert actions["test:echo"].seen == []
    _no_leak(everything_written(run).replace(json.dumps(expression)[1:-1], ""))


def test_a_secret_passed_whole_reaches_the_action_and_is_masked_in_its_log_and_outputs(workspace_dir):
    actions = {"test:echo": Echo()}
    run = make_run([{"id": "a", "action": "test:echo", "input": {"value": "${{ secrets.token }}"}}],
                   output={"v": "${{ steps.a.output.value }}"})
    assert execute(run, actions) == "completed"
    assert actions["test:echo"].seen == [{"value": SECRET}]
    written = everything_written(run)
    _no_leak(written)
    assert "echo '***'" in written


def test_secrets_are_not_available_to_conditions_or_the_output(workspace_dir):
    actions = {"test:echo": Echo()}
    run = make_run([{"id": "a", "action": "test:echo", "if": "${{ secrets.token }}", "input": {"value": 1}}],
                   output={"leak": "${{ secrets.token }}"})
    assert execute(run, actions) == "completed"
    run.refresh_from_db()
    assert actions["test:echo"].seen == [] and run.output == {}


# --- encrypted at rest, wiped at the end -----------------------------------------------------------


def test_the_column_holds_a_fernet_token_while_the_run_is_open(settings):
    run = make_run([], status=ScaffoldRun.Status.OPEN)
    column = stored_column(run)
    assert column and SECRET not in column and "token" not in column
    assert json.loads(Fernet(settings.PAVED_SECRETS_ENCRYPTION_KEY).decrypt(column.encode())) == {"token": SECRET}
    assert ScaffoldRun.objects.get(pk=run.pk).secrets == {"token": SECRET}


def test_loading_a_run_does_not_open_its_secrets():
    run = make_run([], status=ScaffoldRun.Status.OPEN)
    with mock.patch("scaffolding.models.unseal") as opened:
        loaded = ScaffoldRun.objects.get(pk=run.pk)
        loaded.status = "failed"
        loaded.save()  # saved again unopened
        opened.assert_not_called()
    assert ScaffoldRun.objects.get(pk=run.pk).secrets == {"token": SECRET}


@pytest.mark.parametrize(("steps", "expected"), [
    ([{"id": "a", "action": "test:echo", "input": {"value": "${{ secrets.token }}"}}], "completed"),
    ([{"id": "a", "action": "test:echo", "input": {"value": "${{ secrets.token | upper }}"}}], "failed"),
])
def test_the_secrets_are_wiped_when_the_run_ends(workspace_dir, steps, expected):
    run = make_run(steps)
    assert execute(run, {"test:echo": Echo()}) == expected
    assert stored_column(run) == ""
    run.refresh_from_db()
    assert run.secrets == {} and run.secret_names == ["token"]


def test_the_secrets_are_wiped_when_a_running_task_is_cancelled(workspace_dir):
    run = make_run([{"id": "w", "action": "test:wait"}])
    report = _Progress(run)
    report.cancel = True
    assert execute(run, {"test:wait": Wait()}, report) == "cancelled"
    assert stored_column(run) == ""


def test_the_secrets_are_wiped_when_an_open_task_is_cancelled():
    run = make_run([], status=ScaffoldRun.Status.OPEN)
    services.run_cancel(run=run)
    assert ScaffoldRun.objects.get(pk=run.pk).status == "cancelled" and stored_column(run) == ""


def test_the_secrets_are_wiped_when_the_sweep_finds_the_worker_lost():
    run = make_run([{"id": "a", "action": "test:echo"}])
    ScaffoldRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert services.runs_sweep()["failed"] == 1
    assert ScaffoldRun.objects.get(pk=run.pk).status == "failed" and stored_column(run) == ""


def test_a_token_the_key_does_not_open_fails_the_run_clearly(workspace_dir, settings):
    run = make_run([{"id": "a", "action": "test:echo", "input": {"value": "${{ secrets.token }}"}}])
    settings.PAVED_SECRETS_ENCRYPTION_KEY = Fernet.generate_key().decode()
    assert execute(run, {"test:echo": Echo()}) == "failed"
    run.refresh_from_db()
    assert "cannot be decrypted with PAVED_SECRETS_ENCRYPTION_KEY" in run.error and stored_column(run) == ""


# --- the key ------------------------------------------------------------------------------------


@override_settings(PAVED_SECRETS_ENCRYPTION_KEY="")
def test_without_a_key_runs_without_secrets_work_and_runs_with_secrets_are_refused():
    make_run([], secrets={})
    with pytest.raises(ImproperlyConfigured, match=SETTING):
        make_run([])
    with pytest.raises(ImproperlyConfigured, match=SETTING):
        services._secrets_check({"token": SECRET})


def test_keys_rotate_and_long_non_fernet_keys_are_accepted(settings):
    old = settings.PAVED_SECRETS_ENCRYPTION_KEY
    token = seal({"a": "b"})
    settings.PAVED_SECRETS_ENCRYPTION_KEY = f"{Fernet.generate_key().decode()} {old}"
    assert unseal(token) == {"a": "b"}
    settings.PAVED_SECRETS_ENCRYPTION_KEY = "x" * 40 + "+/="
    assert unseal(seal({"a": "b"})) == {"a": "b"}
    with pytest.raises(SecretsUnreadable):
        unseal(token)
    settings.PAVED_SECRETS_ENCRYPTION_KEY = "short"
    with pytest.raises(ImproperlyConfigured, match=SETTING):
        seal({"a": "b"})


# --- retry asks for the secrets again -------------------------------------------------------------

SECRET_SPEC = {
    "parameters": [{"properties": {
        "name": {"type": "string"},
        "token": {"type": "string", "title": "Deploy token", "ui:field": "Secret"},
        "extra": {"type": "string", "ui:widget": "password"},
    }}],
    "steps": [{"id": "a", "action": "debug:log", "input": {"message": "hi"}}],
}


def failed_run(user) -> ScaffoldRun:
    run = make_run([{"id": "a", "action": "debug:log"}], user=user)
    ScaffoldRun.objects.filter(pk=run.pk).update(status="failed", error="boom", spec=SECRET_SPEC, secrets={})
    return ScaffoldRun.objects.get(pk=run.pk)


def test_service_retry_without_the_secrets_names_them_and_with_them_seals_them(owner):
    run = failed_run(owner)
    with pytest.raises(services.SecretsRequired, match="token"):
        services.run_retry(run=run, secrets={"extra": "x"})
    assert ScaffoldRun.objects.get(pk=run.pk).status == "failed"
    with mock.patch("scaffolding.tasks.run_execute.delay"):
        services.run_retry(run=run, secrets={"token": "again-1234"})
    run = ScaffoldRun.objects.get(pk=run.pk)
    assert run.status == "open" and run.secrets == {"token": "again-1234"}
    assert "again-1234" not in stored_column(run)


def test_the_retry_page_asks_for_the_template_s_secret_fields(client_owner, owner):
    run = failed_run(owner)
    body = client_owner.get(reverse("scaffolding:run_retry", args=[run.pk])).content.decode()
    assert 'type="password"' in body and 'name="secret:token"' in body and 'name="secret:extra"' in body
    assert "Deploy token" in body and SECRET not in body


def test_the_retry_button_leads_to_the_page_when_secrets_are_needed(client_owner, owner):
    run = failed_run(owner)
    page = reverse("scaffolding:run_retry", args=[run.pk])
    response = client_owner.post(page, {"after": "0"}, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == page
    response = client_owner.post(page, follow=True)
    assert response.redirect_chain[-1][0] == page and "needs its secrets again" in response.content.decode()
    assert ScaffoldRun.objects.get(pk=run.pk).status == "failed"


def test_the_retry_page_refuses_missing_secrets_and_retries_with_them(client_owner, owner):
    run = failed_run(owner)
    page = reverse("scaffolding:run_retry", args=[run.pk])
    response = client_owner.post(page, {"from_retry_page": "1", "secret:extra": "e"})
    assert response.status_code == 400 and "needs its secrets again" in response.content.decode()
    with mock.patch("scaffolding.tasks.run_execute.delay"):
        response = client_owner.post(page, {"from_retry_page": "1", "secret:token": "fresh-token"})
    assert response.status_code == 302
    run = ScaffoldRun.objects.get(pk=run.pk)
    assert run.status == "open" and run.secrets == {"token": "fresh-token"}


def test_others_may_not_open_the_retry_page(owner, teammate):
    run = failed_run(owner)
    other = Client()
    other.force_login(teammate)
    assert other.get(reverse("scaffolding:run_retry", args=[run.pk])).status_code == 403


def test_api_retry_takes_the_secrets_in_its_body_as_backstage_does(owner, api_token):
    run = failed_run(owner)
    url = f"/api/scaffolder/v2/tasks/{run.pk}/retry"
    response = bearer(api_token).post(url)
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "needs its secrets again" in message and '{"secrets": {"token": "..."}}' in message
    response = bearer(api_token).post(url, json.dumps({"secrets": {"token": 5}}), content_type="application/json")
    assert response.status_code == 400
    with mock.patch("scaffolding.tasks.run_execute.delay"):
        response = bearer(api_token).post(url, json.dumps({"secrets": {"token": "api-token-1"}}),
                                          content_type="application/json")
    assert response.status_code == 201
    assert ScaffoldRun.objects.get(pk=run.pk).secrets == {"token": "api-token-1"}
