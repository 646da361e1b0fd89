"""The roles that make sense on day one (issue 9): everyone reads and creates; owners change what
they own; platform admins do everything; survey readers see results. Admins edit them afterwards."""

from django.db import migrations

from core.defaults import default_roles_ensure

def create(apps, schema_editor):
    default_roles_ensure(apps.get_model("core", "Role"), apps.get_model("core", "Grant"))


def remove(apps, schema_editor):
    apps.get_model("core", "Role").objects.filter(builtin=True).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
