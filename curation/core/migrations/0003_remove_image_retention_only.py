from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0002_scenes_say_open")]

    operations = [migrations.RemoveField(model_name="image", name="retention_only")]
