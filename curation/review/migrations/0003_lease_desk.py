from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0002_default_policies_and_queue_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="lease",
            name="desk",
            field=models.CharField(
                blank=True,
                default="",
                help_text="The review page holding the image.",
                max_length=64,
            ),
        ),
    ]
