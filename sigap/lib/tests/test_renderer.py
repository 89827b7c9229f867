from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

import pytest

from sigap.lib.renderer import FormRenderer


class Sample(forms.Form):
    plain = forms.ChoiceField(choices=[("", "All"), ("a", "Alpha"), ("b", 'Beta & "Gamma" <x>')], required=False)
    grouped = forms.ChoiceField(
        choices=[("", "---"), ("Roads <&>", [("r1", "Potholes"), ("r2", "Lamps")]), ("Water", [("w1", "PDAM")]), ("z", "Other")]
    )
    many = forms.MultipleChoiceField(choices=[(1, "One"), (2, "Two"), (3, "Three")], required=False)
    lazy = forms.ChoiceField(choices=[("x", gettext_lazy("Agency")), ("y", mark_safe("<b>safe</b>"))], required=False)
    numbers = forms.ChoiceField(choices=[(1000, 1000), (2, 2.5)], required=False)
    attrs = forms.ChoiceField(
        choices=[("1", "one")],
        widget=forms.Select(attrs={"class": "wide", "data-x": 'a"b', "disabled": True, "hidden": False, "size": 3}),
    )
    radio = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect, required=False)


def rendered(renderer, data) -> dict[str, str]:
    form = Sample(data, renderer=renderer)
    form.is_valid()
    return {name: str(form[name]) for name in form.fields}


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"plain": "b", "grouped": "r2", "many": ["1", "3"], "lazy": "y", "numbers": "1000", "attrs": "1", "radio": "b"},
        {"plain": "nope", "grouped": "w1", "many": ["9"]},
    ],
)
def test_drop_down_lists_come_out_exactly_as_djangos_templates_write_them(data):
    with override("id"):
        ours, theirs = rendered(FormRenderer(), data), rendered(DjangoTemplates(), data)
    assert ours == theirs
    assert "&lt;&amp;&gt;" in ours["grouped"] and "<b>safe</b>" in ours["lazy"] and "Beta &amp; &quot;Gamma&quot;" in ours["plain"]


def test_the_project_renders_forms_with_it():
    assert isinstance(get_default_renderer(), FormRenderer)
