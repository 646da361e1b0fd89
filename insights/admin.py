"""Django admin of the insights app.

# --- insights: delivery events (inevents) ---
Webhook sources are managed here by platform admins: the secret is typed once, sealed with
PAVED_SECRETS_ENCRYPTION_KEY by the service (which also checks who may and audits it) and never
shown again. Deliveries are listed read-only, to see what a tool sent and why it was ignored.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied

from core.access import is_platform_admin
from insights.lib.webhooks.sealing import seal
from insights.models import Delivery, WebhookSource
from insights.services.events import webhook_source_save, webhook_sources_forget


class WebhookSourceForm(forms.ModelForm):
    secret = forms.CharField(widget=forms.PasswordInput(render_value=False), required=False, min_length=16,
                             help_text="The shared secret the tool signs or sends with. Leave empty to keep the "
                                       "current one. It is stored encrypted and never shown again.")

    class Meta:
        model = WebhookSource
        fields = ["name", "kind", "enabled", "incident_label"]

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and not data.get("secret"):
            self.add_error("secret", "A new source needs a secret.")
        if data.get("secret"):
            try:
                seal("check")
            except ImproperlyConfigured as exc:  # say so on the form, not as a server error
                self.add_error("secret", str(exc))
        return data


@admin.register(WebhookSource)
class WebhookSourceAdmin(admin.ModelAdmin):
    form = WebhookSourceForm
    list_display = ["name", "kind", "enabled", "created_at"]

    def has_module_permission(self, request):
        return is_platform_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_platform_admin(request.user)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission

    def save_model(self, request, obj, form, change):
        if not is_platform_admin(request.user):
            raise PermissionDenied
        secret = form.cleaned_data.get("secret")
        if not secret and change:
            obj.save(update_fields=["kind", "enabled", "incident_label"])
            webhook_sources_forget()
            return
        saved = webhook_source_save(actor=request.user, name=obj.name, kind=obj.kind, secret=secret,
                                    incident_label=obj.incident_label, enabled=obj.enabled)
        obj.pk, obj.secret_sealed = saved.pk, saved.secret_sealed


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["received_at", "source", "event_type", "delivery_id", "status", "note"]
    list_filter = ["status", "source"]
    search_fields = ["delivery_id", "note"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_module_permission(self, request):
        return is_platform_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_platform_admin(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

# --- end insights: delivery events ---
