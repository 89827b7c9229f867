"""Django's form renderer, with drop-down lists written in Python.

Django renders every <option> of a <select> through two templates (the option and its
attributes): a list of the city's ~90 agencies or ~50 categories cost more than the rest of a
page. This renderer writes exactly the HTML Django's own templates write (a test compares the
two) and leaves every other widget, and any select with a template of its own, to Django.
"""

from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget") if template_name == SELECT else None
        if widget is not None and _plain(widget):
            return mark_safe(_select(widget))
        return super().render(template_name, context, request=request)


def _plain(widget: dict) -> bool:
    """Only options that use Django's own option template, with text labels (a number would be localised)."""
    return all(
        option["template_name"] == OPTION and isinstance(option["label"], str | Promise)
        for _, options, _ in widget["optgroups"]
        for option in options
    )


def _attrs(attrs: dict) -> str:
    # As attrs.html: a False value leaves the attribute out, True writes its bare name.
    return "".join(
        f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{escape("%s" % value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _select(widget: dict) -> str:
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            parts.append(
                f'\n  <option value="{escape("%s" % option["value"])}"{_attrs(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)
