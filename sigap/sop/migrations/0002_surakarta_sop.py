from django.db import migrations


def install(apps, schema_editor):
    from sigap.sop.models import install_sop, load_sop_file

    SopVersion = apps.get_model("sop", "SopVersion")
    if SopVersion.objects.exists():
        return
    version = install_sop(load_sop_file(), SopVersion=SopVersion, SopStep=apps.get_model("sop", "SopStep"))
    version.active = True
    version.save()


class Migration(migrations.Migration):
    dependencies = [("sop", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
