"""The three role groups exist after `migrate`, so an operator can hand out roles at once."""

from django.db import migrations

ROLES = ("annotator", "maintainer", "volunteer")


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("core", "0005_jobrun_host_pid"),
    ]

    # Going back keeps the groups: members may have been added since.
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
