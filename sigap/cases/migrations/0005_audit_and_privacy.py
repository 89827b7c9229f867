"""The event log's hash chain (sigap.ops.audit) and pseudonymisation marks (sigap.ops.privacy).

Events written before this migration are not sealed yet; before the chain starts, the personal
data they copied is taken out of them (the citizen's text and post link, which the Message and
Complaint rows keep, and any identifier in free text), so the sealed log never holds any.
"""

from django.db import migrations, models

# What events used to copy from the citizen; kept in Message / Complaint rows, which are pseudonymised.
_COPIED = {"follow_up": ("text",), "source_edited": ("text",), "source_deleted": ("text",), "received": ("permalink",)}


def start_chain(apps, schema_editor):
    from sigap.ops.audit import scrub  # identifiers masked as record_event masks them from now on

    Event = apps.get_model("cases", "Event")
    EventChainHead = apps.get_model("cases", "EventChainHead")
    EventChainHead.objects.get_or_create(pk=1)
    # The historical model has a plain manager: the append-only guard does not apply here, once.
    for event in Event.objects.filter(sequence=None).iterator(chunk_size=1000):
        data = {k: v for k, v in (event.data or {}).items() if k not in _COPIED.get(event.kind, ())}
        data = scrub(data)
        if data != event.data:
            Event.objects.filter(pk=event.pk).update(data=data)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0004_message_triage_state'),
    ]

    operations = [
        migrations.CreateModel(
            name='EventChainHead',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sequence', models.PositiveBigIntegerField(default=0)),
                ('entry_hash', models.CharField(default='0000000000000000000000000000000000000000000000000000000000000000', max_length=64)),
                ('sealed_at', models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.AddField(
            model_name='complaint',
            name='pseudonymised_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='pseudonymised at'),
        ),
        migrations.AddField(
            model_name='event',
            name='entry_hash',
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='event',
            name='previous_hash',
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='event',
            name='sequence',
            field=models.PositiveBigIntegerField(blank=True, editable=False, null=True, unique=True),
        ),
        migrations.AddField(
            model_name='message',
            name='pseudonymised_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='pseudonymised at'),
        ),
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(condition=models.Q(('pseudonymised_at', None)), fields=['closed_at'], name='complaint_to_pseudonymise'),
        ),
        migrations.AddIndex(
            model_name='event',
            index=models.Index(condition=models.Q(('sequence', None)), fields=['id'], name='event_unsealed'),
        ),
        migrations.RunPython(start_chain, migrations.RunPython.noop),
    ]
