from django.contrib.auth.management import create_permissions
from django.db import migrations, models


def create_role_groups(apps, schema_editor):
    """Create the role groups (担当者, 調査担当, 管理者) with their permissions.

    post_migrate, which normally creates permissions, has not run yet on a new
    database, so the permissions of both apps are created here first.
    """
    from registry.accounts.roles import sync_role_groups

    for app_label in ("auth", "registry"):
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_role_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"), require_all=False)


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0001_initial'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.CreateModel(
            name='RoleChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('user_name', models.CharField(db_index=True, max_length=150, verbose_name='user name')),
                ('role', models.CharField(blank=True, choices=[('clerk', 'Clerk'), ('coordinator', 'Survey coordinator'), ('supervisor', 'Supervisor')], max_length=20, verbose_name='role')),
                ('organization_code', models.CharField(blank=True, db_index=True, max_length=6, verbose_name='organization code')),
                ('organization_name', models.CharField(blank=True, max_length=50, verbose_name='organization')),
                ('action', models.CharField(choices=[('granted', 'Granted'), ('revoked', 'Revoked')], max_length=10, verbose_name='action')),
                ('actor_name', models.CharField(blank=True, max_length=150, verbose_name='changed by')),
                ('changed_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='changed at')),
            ],
            options={
                'verbose_name': 'role change',
                'verbose_name_plural': 'role changes',
                'ordering': ['-changed_at', '-id'],
                'permissions': [('view_changelog', 'Can view the change log of all records'), ('revert_change', 'Can revert recorded changes')],
                'default_permissions': ['view'],
            },
        ),
        migrations.AlterModelOptions(
            name='agreement',
            options={'ordering': ['organization__code', 'signed_on'], 'permissions': [('import_agreement', 'Can import partnership agreements'), ('export_agreement', 'Can export partnership agreements')], 'verbose_name': 'partnership agreement', 'verbose_name_plural': 'partnership agreements'},
        ),
        migrations.AlterModelOptions(
            name='base',
            options={'ordering': ['organization__code', 'number'], 'permissions': [('import_base', 'Can import survey rounds'), ('export_base', 'Can export overseas bases')], 'verbose_name': 'overseas base', 'verbose_name_plural': 'overseas bases'},
        ),
        migrations.RunPython(create_role_groups, migrations.RunPython.noop),
    ]
