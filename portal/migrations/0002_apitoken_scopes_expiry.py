from django.db import migrations, models


def existing_tokens_keep_their_rights(apps, schema_editor):
    # Tokens made before scopes existed could write; they keep doing so until revoked.
    apps.get_model("portal", "ApiToken").objects.update(scopes=["read", "write"])


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="scopes",
            field=models.JSONField(blank=True, default=list,
                                   help_text='What the token may do: ["read"] or ["read", "write"].'),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(blank=True, help_text="Empty: never expires.", null=True),
        ),
        migrations.RunPython(existing_tokens_keep_their_rights, migrations.RunPython.noop),
    ]
