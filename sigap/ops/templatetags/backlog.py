"""`{% reply_backlog as backlog %}`: the outbox's waiting replies and their reason, for the home page."""

from django import template

from sigap.ops.backlog import backlog

register = template.Library()


@register.simple_tag
def reply_backlog():
    return backlog()
