"""`sigap connector add|list|remove|test`: where forwarded complaints go, and who hears about events.

Secrets (an Open311 api_key, a webhook signing secret) are never stored or printed: a connector
names the environment variable or the file that holds it, as `sigap account` does for tokens.
"""

import json
import os
import re
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from sigap.agencies.models import Agency
from sigap.connectors import webhooks
from sigap.connectors.georeport import Client
from sigap.connectors.models import Connector, ForwardLink, WebhookDelivery
from sigap.connectors.remote import ConnectorError

_CODE = re.compile(r"^[^=\s]{1,100}=[^=\s]{1,100}$")


class Command(BaseCommand):
    help = "Manage connectors to other complaint systems (Open311) and signed webhooks."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Add a connector.")
        add.add_argument("name")
        add.add_argument("--kind", choices=Connector.Kind.values, required=True)
        add.add_argument("--url", default="", help="Open311: the endpoint base (…/open311/v2). Webhook: the URL to post to.")
        secret = add.add_mutually_exclusive_group()
        secret.add_argument(
            "--secret-env", "--api-key-env", dest="secret_env", default="",
            help="Environment variable holding the Open311 api_key or the webhook signing secret.",
        )
        secret.add_argument("--secret-file", "--api-key-file", dest="secret_file", default="", help="File holding it.")
        add.add_argument("--timeout", type=int, default=15, metavar="SECONDS")
        add.add_argument("--jurisdiction", default="", help="Open311 jurisdiction_id, if the server wants one.")
        add.add_argument(
            "--service-code", action="append", default=[], metavar="OURS=THEIRS",
            help="Map one of our service codes to theirs (repeatable); unmapped codes are sent as they are.",
        )
        add.add_argument("--default-service-code", default="", help="For complaints without a category.")
        add.add_argument("--agency", action="append", default=[], metavar="CODE", help="Only these agencies' complaints (repeatable).")
        add.add_argument("--poll", type=int, default=300, metavar="SECONDS", help="Check for answers this often (default 300).")
        add.add_argument("--auto-approve", action="store_true", help="Answers from there complete step 4 without a reviewer.")
        add.add_argument("--full-text", action="store_true", help="Send the complaint's text unmasked (never for confidential ones).")
        add.add_argument("--include-confidential", action="store_true", help="Forward confidential complaints too (masked).")
        add.add_argument("--no-updates", action="store_true", help="The server lacks servicerequestupdates.json.")
        add.add_argument("--events", default="", help="Webhook: comma-separated event kinds (default: every event).")
        sub.add_parser("list", help="List the connectors with what waits and what failed.")
        remove = sub.add_parser("remove", help="Remove a connector (switched off instead if it has forwarded complaints).")
        remove.add_argument("name")
        test = sub.add_parser("test", help="Call the connector's server once and say what happened.")
        test.add_argument("name")

    def handle(self, *args, action: str, **options):
        getattr(self, f"_{action}")(**options)

    # add ------------------------------------------------------------------------------------

    def _add(self, *, name, kind, url, secret_env, secret_file, service_code, agency, events, **o):
        name = name.strip()
        if not 1 <= len(name) <= 80:
            raise CommandError("The name must be 1 to 80 characters.")
        if Connector.objects.filter(name=name).exists():
            raise CommandError(f"A connector named {name} already exists.")
        if secret_file and not Path(secret_file).is_file():
            raise CommandError(f"The secret file {secret_file} does not exist.")
        if secret_env and secret_env not in os.environ:
            self.stderr.write(f"Warning: {secret_env} is not set in this environment; set it where the worker runs.")
        codes = {}
        for pair in service_code:
            if not _CODE.match(pair):
                raise CommandError(f"--service-code {pair!r}: write it as OURS=THEIRS, without spaces.")
            ours, theirs = pair.split("=")
            codes[ours] = theirs
        agencies = []
        for code in agency:
            found = Agency.objects.filter(code__iexact=code).first()
            if found is None:
                raise CommandError(f"No agency with code {code}.")
            agencies.append(found)
        if o["poll"] < 10:
            raise CommandError("--poll must be at least 10 seconds.")
        connector = Connector(
            name=name, kind=kind, url=url.strip(), secret_env=secret_env, secret_file=secret_file, timeout=o["timeout"],
            jurisdiction_id=o["jurisdiction"], service_codes=codes, default_service_code=o["default_service_code"],
            poll_interval=o["poll"], auto_approve=o["auto_approve"], share_full_text=o["full_text"],
            include_confidential=o["include_confidential"], use_updates=not o["no_updates"], event_kinds=events.strip(),
        )
        try:
            connector.full_clean()
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
        with transaction.atomic():
            connector.save()
            connector.agencies.set(agencies)
        self.stdout.write(self.style.SUCCESS(f"Added {kind} connector {name} ({connector.secret_source()})."))

    # list -----------------------------------------------------------------------------------

    def _list(self, **_):
        connectors = list(Connector.objects.prefetch_related("agencies"))
        if not connectors:
            self.stdout.write("No connectors: agencies answer inside Sigap (built-in).")
        for c in connectors:
            if c.kind == Connector.Kind.WEBHOOK:
                rows = c.deliveries.values_list("status", flat=True)
                waiting = sum(1 for s in rows if s == WebhookDelivery.Status.PENDING)
                failed = sum(1 for s in rows if s == WebhookDelivery.Status.FAILED)
            else:
                rows = c.links.values_list("state", flat=True)
                waiting = sum(1 for s in rows if s in (ForwardLink.State.PENDING, ForwardLink.State.SENT))
                failed = sum(1 for s in rows if s == ForwardLink.State.FAILED)
            state = "" if c.active else " (off)"
            scope = ",".join(a.code for a in c.agencies.all())
            scope = f"  agencies {scope}" if scope else ""
            error = f"\n    last error: {c.last_error}" if c.last_error else ""
            self.stdout.write(
                f"{c.name:<20} {c.kind:<8} {c.url or '-'}{state}  [{c.secret_source()}]{scope}  waiting {waiting}, failed {failed}{error}"
            )

    # remove ---------------------------------------------------------------------------------

    def _remove(self, *, name, **_):
        connector = Connector.objects.filter(name=name).first()
        if connector is None:
            raise CommandError(f"No connector named {name}.")
        if connector.links.exists():
            # Its forwarded complaints keep their link, so their answers can still be looked up.
            Connector.objects.filter(pk=connector.pk).update(active=False)
            self.stdout.write(f"{name} has forwarded complaints: switched off instead of removed.")
            return
        connector.delete()
        self.stdout.write(f"Removed {name}.")

    # test -----------------------------------------------------------------------------------

    def _test(self, *, name, **_):
        connector = Connector.objects.filter(name=name).first()
        if connector is None:
            raise CommandError(f"No connector named {name}.")
        if connector.kind == Connector.Kind.BUILTIN:
            self.stdout.write("Built-in: nothing to call.")
            return
        self.stdout.write(f"Calling {connector.url} ({connector.secret_source()}) …")
        try:
            if connector.kind == Connector.Kind.OPEN311:
                self._test_open311(connector)
            else:
                self._test_webhook(connector)
        except ConnectorError as exc:
            raise CommandError(f"{name}: {exc.message}") from None

    def _test_open311(self, connector):
        services = Client(connector).services()
        theirs = {str(s.get("service_code")) for s in services}
        self.stdout.write(f"services.json: {len(services)} services.")
        from sigap.open311.models import ServiceCode
        from sigap.open311.services import ensure_codes

        ensure_codes()
        ours = ServiceCode.objects.filter(category__active=True).values_list("code", flat=True)
        missing = sorted({connector.service_code_for(code) for code in ours} - theirs)
        if missing:
            self.stdout.write(f"Not offered there ({len(missing)}): {', '.join(missing[:10])}{' …' if len(missing) > 10 else ''}")
            self.stdout.write("Map them with --service-code OURS=THEIRS (or in the admin), or they will be refused.")
        else:
            self.stdout.write(self.style.SUCCESS("Every category's service code is offered there."))

    def _test_webhook(self, connector):
        body = json.dumps({"id": 0, "kind": "ping", "at": timezone.now().isoformat()}, separators=(",", ":")).encode()
        status = webhooks.deliver(connector, body, event_id=0, kind="ping")
        self.stdout.write(self.style.SUCCESS(f"Signed ping delivered: HTTP {status}."))
