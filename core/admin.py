"""Roles in the admin: who may do what is data, bound to catalog Groups; the audit log is read-only."""

from django.contrib import admin

from core.audit import audit_record
from core.models import AuditEntry, Grant, Role, RoleBinding


class GrantInline(admin.TabularInline):
    model = Grant
    extra = 1


class BindingInline(admin.TabularInline):
    model = RoleBinding
    extra = 1


def _audit_change(request, action: str, obj) -> None:
    audit_record(actor=request.user, action=action, target=str(obj))


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "everyone", "builtin", "description"]
    inlines = [GrantInline, BindingInline]

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.builtin)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _audit_change(request, "paved.role.update" if change else "paved.role.create", obj)

    def save_formset(self, request, form, formset, change):
        instances = formset.save()
        for obj in formset.deleted_objects:
            _audit_change(request, f"paved.{obj._meta.model_name}.delete", f"{form.instance}: {obj}")
        for obj in instances:
            _audit_change(request, f"paved.{obj._meta.model_name}.save", f"{form.instance}: {obj}")

    def delete_model(self, request, obj):
        _audit_change(request, "paved.role.delete", obj)
        super().delete_model(request, obj)


@admin.register(RoleBinding)
class RoleBindingAdmin(admin.ModelAdmin):
    list_display = ["subject", "role"]
    list_filter = ["role"]
    search_fields = ["subject"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _audit_change(request, "paved.rolebinding.save", obj)

    def delete_model(self, request, obj):
        _audit_change(request, "paved.rolebinding.delete", obj)
        super().delete_model(request, obj)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is browsed and exported at /audit/, and never edited."""

    list_display = ["created_at", "actor_name", "action", "target", "outcome", "source_address"]
    list_filter = ["outcome", "action"]
    search_fields = ["actor_name", "action", "target", "request_id"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
