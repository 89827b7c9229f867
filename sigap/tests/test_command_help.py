"""Every `sigap` command explains itself: `sigap <command> --help` prints its usage, in any language."""

import pytest
from django.core.management import get_commands, load_command_class
from django.utils import translation

SIGAP_COMMANDS = sorted(name for name, app in get_commands().items() if app.startswith("sigap"))


def test_sigap_has_its_own_commands():
    assert {"worker", "recap", "demo", "account"} <= set(SIGAP_COMMANDS)


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("name", SIGAP_COMMANDS)
def test_every_command_prints_its_help(name, language, capsys):
    command = load_command_class(get_commands()[name], name)
    with translation.override(language):
        parser = command.create_parser("sigap", name)
        help_text = parser.format_help()
    assert f"sigap {name}" in help_text
