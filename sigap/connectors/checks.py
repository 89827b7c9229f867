"""`sigap check --deploy`: an active connector must be able to read its secret and be reachable by URL."""

from django.core.checks import Warning, register
from django.db import DatabaseError


@register("sigap", deploy=True)
def connector_secrets(app_configs, **kwargs):
    from sigap.connectors.models import Connector

    try:
        connectors = list(Connector.objects.filter(active=True).exclude(kind=Connector.Kind.BUILTIN))
    except DatabaseError:
        return []  # not migrated yet: `sigap migrate` will say so
    problems = []
    for c in connectors:
        if (c.secret_env or c.secret_file) and not c.secret():
            problems.append(
                Warning(
                    f"Connector {c.name}: its secret cannot be read ({c.secret_source()}).",
                    hint="Set the environment variable or create the file named on the connector.",
                    id="sigap.W101",
                )
            )
        elif c.kind == Connector.Kind.WEBHOOK and not c.secret():
            problems.append(Warning(f"Connector {c.name} has no signing secret: nothing will be sent.", id="sigap.W102"))
        if not c.url:
            problems.append(Warning(f"Connector {c.name} has no URL.", id="sigap.W103"))
    return problems
