from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("coaching", "0002_coaches_group"),
    ]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="mail_attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="invitation",
            name="mail_error",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name="invitation",
            name="mail_sent_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="invitation",
            name="mail_status",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "Not emailed"),
                    ("sending", "Sending…"),
                    ("sent", "Sent"),
                    ("failed", "Not sent"),
                ],
                default="",
                max_length=10,
            ),
        ),
    ]
