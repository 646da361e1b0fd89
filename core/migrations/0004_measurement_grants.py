"""Everyone reads scorecards, insights and the maturity assessment; owners post facts and ask for
exemptions for what they own (the grants the measurement apps brought)."""

from django.db import migrations

from core.defaults import everyone_grants_add


def forwards(apps, schema_editor):
    everyone_grants_add(apps.get_model("core", "Role"), apps.get_model("core", "Grant"))


class Migration(migrations.Migration):
    dependencies = [("core", "0003_notifications")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
