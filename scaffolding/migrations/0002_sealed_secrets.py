"""Task secrets move from a plaintext JSON column to a Fernet token (scaffolding/lib/sealed.py).

Rows written before this kept the secrets of failed and cancelled runs in plaintext. Those of
finished runs are wiped (a retry asks for them again); those of runs still open or processing
are encrypted when PAVED_SECRETS_ENCRYPTION_KEY is set, and wiped when it is not. Every run keeps
the names of its secrets, so a retry knows which to ask for.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db import migrations, models

import scaffolding.models

UNFINISHED = ("open", "processing")


def seal_or_wipe(apps, schema_editor):
    from scaffolding.lib.sealed import key_check

    run_model = apps.get_model("scaffolding", "ScaffoldRun")
    try:
        key_check()
        can_seal = True
    except ImproperlyConfigured:
        can_seal = False
    for pk, status, plain in list(run_model.objects.values_list("pk", "status", "secrets")):
        if not isinstance(plain, dict) or not plain:
            continue
        keep = can_seal and status in UNFINISHED
        run_model.objects.filter(pk=pk).update(secret_names=sorted(plain),
                                               sealed_secrets=plain if keep else {})


class Migration(migrations.Migration):

    dependencies = [
        ("scaffolding", "0001_runs"),
    ]

    operations = [
        migrations.AddField(
            model_name="scaffoldrun",
            name="secret_names",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="scaffoldrun",
            name="sealed_secrets",
            field=scaffolding.models.SealedSecretsField(blank=True, default=dict),
        ),
        migrations.RunPython(seal_or_wipe, migrations.RunPython.noop),
        migrations.RemoveField(model_name="scaffoldrun", name="secrets"),
        migrations.RenameField(model_name="scaffoldrun", old_name="sealed_secrets", new_name="secrets"),
    ]
