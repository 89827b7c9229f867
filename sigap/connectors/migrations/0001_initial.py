import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('agencies', '0003_category_keywords'),
        ('cases', '0004_message_triage_state'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Connector',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=80, unique=True, verbose_name='name')),
                ('kind', models.CharField(choices=[('builtin', 'Built-in: agencies answer inside Sigap'), ('open311', 'Open311 GeoReport v2 system'), ('webhook', 'Signed webhook')], default='builtin', max_length=10, verbose_name='kind')),
                ('active', models.BooleanField(default=True, verbose_name='active')),
                ('url', models.URLField(blank=True, help_text="Open311: the endpoint's base, e.g. https://ulas.example.id/open311/v2. Webhook: the URL to post to.", max_length=500, verbose_name='URL')),
                ('secret_env', models.CharField(blank=True, help_text='Holds the Open311 api_key or the webhook signing secret.', max_length=100, verbose_name='secret environment variable')),
                ('secret_file', models.CharField(blank=True, max_length=300, verbose_name='secret file')),
                ('timeout', models.PositiveSmallIntegerField(default=15, verbose_name='timeout (seconds)')),
                ('jurisdiction_id', models.CharField(blank=True, max_length=100, verbose_name='jurisdiction_id')),
                ('service_codes', models.JSONField(blank=True, default=dict, help_text='Our service code → theirs, e.g. {"penerangan-jalan-umum": "PJU"}. Unlisted codes are sent as they are.', verbose_name='service codes')),
                ('default_service_code', models.CharField(blank=True, max_length=100, verbose_name='service code for complaints without a category')),
                ('share_full_text', models.BooleanField(default=False, help_text='Off: the text is masked as on the public tracking page. Confidential complaints are always masked.', verbose_name='send the full text')),
                ('include_confidential', models.BooleanField(default=False, help_text='Off: confidential complaints stay inside Sigap.', verbose_name='forward confidential complaints')),
                ('auto_approve', models.BooleanField(default=False, help_text='On: an answer from this system completes step 4 at once. Off: a reviewer approves it as usual.', verbose_name='approve answers automatically')),
                ('poll_interval', models.PositiveIntegerField(default=300, verbose_name='check for answers every (seconds)')),
                ('use_updates', models.BooleanField(default=True, help_text="mySociety's servicerequestupdates extension; turned off by itself when the system lacks it.", verbose_name='read service-request updates')),
                ('event_kinds', models.CharField(blank=True, help_text='Comma-separated event kinds, e.g. forwarded,approved,closed. Empty: every event.', max_length=500, verbose_name='events')),
                ('next_poll_at', models.DateTimeField(blank=True, null=True, verbose_name='next check at')),
                ('updates_since', models.DateTimeField(blank=True, editable=False, null=True)),
                ('last_error', models.CharField(blank=True, max_length=300, verbose_name='last error')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('actor', models.OneToOneField(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('agencies', models.ManyToManyField(blank=True, help_text='Only complaints forwarded to these agencies go to this system; none selected: all of them.', to='agencies.agency', verbose_name='agencies')),
            ],
            options={
                'verbose_name': 'connector',
                'verbose_name_plural': 'connectors',
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='ForwardLink',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('round', models.PositiveSmallIntegerField(default=1)),
                ('state', models.CharField(choices=[('pending', 'Waiting to be sent'), ('sending', 'Being sent'), ('sent', 'Sent; waiting for the answer'), ('answered', 'Answer received'), ('failed', 'Failed: needs a person'), ('skipped', 'Not forwarded')], default='pending', max_length=10, verbose_name='state')),
                ('remote_id', models.CharField(blank=True, max_length=100, verbose_name='their service_request_id')),
                ('token', models.CharField(blank=True, max_length=100, verbose_name='their token')),
                ('remote_status', models.CharField(blank=True, max_length=40, verbose_name='their status')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                ('next_attempt_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='next attempt at')),
                ('claimed_at', models.DateTimeField(blank=True, null=True)),
                ('last_error', models.CharField(blank=True, max_length=300, verbose_name='last error')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent at')),
                ('answered_at', models.DateTimeField(blank=True, null=True, verbose_name='answer received at')),
                ('complaint', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='forward_links', to='cases.complaint')),
                ('connector', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='links', to='connectors.connector')),
            ],
            options={
                'verbose_name': 'forwarded complaint',
                'verbose_name_plural': 'forwarded complaints',
                'ordering': ['pk'],
            },
        ),
        migrations.CreateModel(
            name='RemoteUpdate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('update_id', models.CharField(max_length=120)),
                ('status', models.CharField(blank=True, max_length=40)),
                ('description', models.TextField(blank=True)),
                ('at', models.DateTimeField(blank=True, null=True)),
                ('applied', models.BooleanField(default=False, help_text="Recorded as the agency's answer.")),
                ('received_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('link', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='updates', to='connectors.forwardlink')),
            ],
            options={
                'ordering': ['at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('event_kind', models.CharField(max_length=40, verbose_name='event')),
                ('body', models.TextField()),
                ('status', models.CharField(choices=[('pending', 'Waiting to be sent'), ('sending', 'Being sent'), ('delivered', 'Delivered'), ('failed', 'Failed: needs a person')], default='pending', max_length=10, verbose_name='status')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                ('next_attempt_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='next attempt at')),
                ('claimed_at', models.DateTimeField(blank=True, null=True)),
                ('response_status', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='HTTP status')),
                ('last_error', models.CharField(blank=True, max_length=300, verbose_name='last error')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('delivered_at', models.DateTimeField(blank=True, null=True, verbose_name='delivered at')),
                ('complaint', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='webhook_deliveries', to='cases.complaint')),
                ('connector', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='connectors.connector')),
                ('event', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.event')),
            ],
            options={
                'verbose_name': 'outgoing webhook',
                'verbose_name_plural': 'outgoing webhooks',
                'ordering': ['pk'],
            },
        ),
        migrations.AddIndex(
            model_name='forwardlink',
            index=models.Index(condition=models.Q(('state', 'pending')), fields=['next_attempt_at'], name='forward_due'),
        ),
        migrations.AddIndex(
            model_name='forwardlink',
            index=models.Index(condition=models.Q(('state', 'sending')), fields=['claimed_at'], name='forward_sending'),
        ),
        migrations.AddIndex(
            model_name='forwardlink',
            index=models.Index(fields=['connector', 'remote_id'], name='forward_remote_id'),
        ),
        migrations.AddConstraint(
            model_name='forwardlink',
            constraint=models.UniqueConstraint(fields=('complaint', 'connector', 'round'), name='forward_once_per_round'),
        ),
        migrations.AddConstraint(
            model_name='remoteupdate',
            constraint=models.UniqueConstraint(fields=('link', 'update_id'), name='remote_update_once'),
        ),
        migrations.AddIndex(
            model_name='webhookdelivery',
            index=models.Index(condition=models.Q(('status', 'pending')), fields=['next_attempt_at'], name='webhook_due'),
        ),
        migrations.AddIndex(
            model_name='webhookdelivery',
            index=models.Index(condition=models.Q(('status', 'sending')), fields=['claimed_at'], name='webhook_sending'),
        ),
        migrations.AddConstraint(
            model_name='webhookdelivery',
            constraint=models.UniqueConstraint(fields=('connector', 'event'), name='webhook_once_per_event'),
        ),
    ]
