"""`notification:send` (Backstage's scaffolder-backend-module-notifications): notify people from a template.

`recipients: broadcast` reaches everyone signed up; `recipients: entity` reaches the catalog Users
named in `entityRefs` and the members of the Groups named there (child groups included). `optional`
makes a failure to send a log line instead of a failed step. A retry does not send twice.
"""

from __future__ import annotations

from catalog.selectors import accounts_for_refs
from core.notifications import SEVERITIES, NotificationError, active_users, notify
from scaffolding.actions.base import Action, ActionContext, ActionError, ActionInputError


class NotificationSend(Action):
    id = "notification:send"
    description = "Sends a notification using the notification service"
    supports_dry_run = False
    input_schema = {"type": "object", "required": ["recipients", "title"], "properties": {
        "recipients": {"type": "string", "enum": ["broadcast", "entity"], "title": "Recipient",
                       "description": "The recipient of the notification, either broadcast or entity. If using "
                                      "entity, also entityRef must be provided"},
        "entityRefs": {"type": "array", "items": {"type": "string"}, "title": "Entity references",
                       "description": "The entity references to send the notification to, required if using "
                                      "recipient of entity"},
        "title": {"type": "string", "title": "Title", "description": "Notification title"},
        "info": {"type": "string", "title": "Description", "description": "Notification description"},
        "link": {"type": "string", "title": "Link", "description": "Notification link"},
        "severity": {"type": "string", "enum": SEVERITIES, "title": "Severity"},
        "scope": {"type": "string", "title": "Scope", "description": "Notification scope"},
        "optional": {"type": "boolean", "title": "Optional",
                     "description": "Do not fail the step if the notification cannot be sent"},
    }}
    output_schema = {"type": "object", "properties": {}}
    examples = [{"description": "Tell the owning team their service is ready.", "example": (
        "steps:\n  - id: notify\n    action: notification:send\n    input:\n      recipients: entity\n"
        "      entityRefs: ['${{ parameters.owner }}']\n      title: '${{ parameters.name }} is ready'\n")}]

    def run(self, ctx: ActionContext) -> None:
        if ctx.checkpoint.get("sent"):
            ctx.log("the notification was already sent by this step; not sending it twice")
            return
        try:
            people = self._recipients(ctx)
            count = notify(users=people, title=str(ctx.input.get("title") or ""),
                           description=str(ctx.input.get("info") or ""), link=str(ctx.input.get("link") or ""),
                           severity=str(ctx.input.get("severity") or "normal"),
                           topic=str(ctx.input.get("scope") or ""), origin=f"scaffolder:task:{ctx.task_id}")
        except (NotificationError, ActionInputError) as exc:
            if ctx.input.get("optional"):
                ctx.log(f"notification not sent (optional): {exc}")
                return
            raise ActionInputError(str(exc)) from None
        ctx.checkpoint["sent"] = True
        ctx.log(f"Sent the notification to {count} people")

    @staticmethod
    def _recipients(ctx: ActionContext):
        kind = ctx.input.get("recipients")
        if kind == "broadcast":
            return active_users()
        if kind != "entity":
            raise ActionInputError("recipients: expected broadcast or entity")
        refs = ctx.input.get("entityRefs")
        if not isinstance(refs, list) or not refs or not all(isinstance(r, str) and r.strip() for r in refs):
            raise ActionInputError("entityRefs: recipients: entity needs a list of User or Group refs")
        if len(refs) > 100:
            raise ActionError("entityRefs: at most 100 refs")
        return accounts_for_refs(refs)


ACTIONS = [NotificationSend()]
