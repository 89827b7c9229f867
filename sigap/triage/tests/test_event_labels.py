"""Every kind of event Sigap records has a label on the complaint page's history.

The kinds are read from the source: each `record_event(...)` call under sigap/, so a new kind
without a label fails here rather than showing as "routing confirmed" in English on an
Indonesian page.
"""

import ast
from pathlib import Path

from django.utils import translation

from sigap.cases.templatetags.sigap import _event_kinds, event_label

SIGAP = Path(__file__).resolve().parents[2]
# Kinds built at run time, spelled out: WhatsApp's delivery statuses (platform-apis §3) give
# "reply_" + status in sigap.platforms.intake ("failed" has its own call).
DYNAMIC_KINDS = {
    "platforms/intake.py": {"reply_sent", "reply_delivered", "reply_read"},
}


class _Module:
    def __init__(self, path: Path):
        self.where = str(path.relative_to(SIGAP))
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        self.constants = {
            target.id: node.value.value
            for node in self.tree.body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        parents = {child: node for node in ast.walk(self.tree) for child in ast.iter_child_nodes(node)}
        self.calls = []  # (enclosing function or None, call)
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call):
                enclosing = parents.get(node)
                while enclosing is not None and not isinstance(enclosing, ast.FunctionDef | ast.AsyncFunctionDef):
                    enclosing = parents.get(enclosing)
                self.calls.append((enclosing, node))

    def strings(self, node) -> set[str]:
        """A literal, a module constant, or either branch of `"a" if … else "b"`."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.Name) and node.id in self.constants:
            return {self.constants[node.id]}
        if isinstance(node, ast.IfExp):
            left, right = self.strings(node.body), self.strings(node.orelse)
            return left | right if left and right else set()
        return set()


def _name(func) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def recorded_kinds() -> tuple[set[str], list[str]]:
    """The kinds passed to record_event, and the files where a kind could not be worked out.

    A kind is a literal, either branch of `"a" if … else "b"`, a module constant, or a parameter
    of a wrapper (`_record(kind, …)`, `disable(…, kind="…")`), followed to what its callers pass
    anywhere under sigap/ and to its default.
    """
    modules = [
        _Module(path) for path in SIGAP.rglob("*.py") if "tests" not in path.parts and "migrations" not in path.parts
    ]
    calls_to: dict[str, list[tuple[_Module, object, ast.Call]]] = {}
    for module in modules:
        for enclosing, call in module.calls:
            calls_to.setdefault(_name(call.func), []).append((module, enclosing, call))

    def through(module: _Module, function, parameter: str, depth: int) -> set[str]:
        if function is None or depth > 3:
            return set()
        arguments = function.args
        names = [arg.arg for arg in arguments.args] + [arg.arg for arg in arguments.kwonlyargs]
        if parameter not in names:
            return set()
        values: set[str] = set()
        positional = [arg.arg for arg in arguments.args]
        defaults = dict(zip(positional[len(positional) - len(arguments.defaults) :], arguments.defaults))
        defaults |= {arg.arg: d for arg, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is not None}
        if parameter in defaults:
            values |= module.strings(defaults[parameter])
        offset = 1 if positional and positional[0] in ("self", "cls") else 0
        for caller_module, enclosing, call in calls_to.get(function.name, []):
            given = [kw.value for kw in call.keywords if kw.arg == parameter]
            if parameter in positional:
                index = positional.index(parameter) - offset
                given += call.args[index : index + 1]
            for value in given:
                found = caller_module.strings(value)
                if not found and isinstance(value, ast.Name):
                    found = through(caller_module, enclosing, value.id, depth + 1)
                values |= found
        return values

    kinds: set[str] = set()
    dynamic: list[str] = []
    for module in modules:
        for enclosing, call in module.calls:
            if _name(call.func) != "record_event" or not call.args:
                continue
            found = module.strings(call.args[0])
            if not found and isinstance(call.args[0], ast.Name):
                found = through(module, enclosing, call.args[0].id, 0)
            if not found:
                found = DYNAMIC_KINDS.get(module.where, set())
                dynamic.append(module.where)
            kinds |= found
    return kinds, dynamic


def test_the_scan_finds_the_kinds_it_should():
    kinds, _dynamic = recorded_kinds()
    assert {"received", "overdue", "routed", "routing_confirmed", "routing_corrected", "duplicate_kept_apart"} <= kinds


def test_every_recorded_event_kind_has_a_label():
    kinds, _dynamic = recorded_kinds()
    missing = sorted(kinds - set(_event_kinds()))
    assert not missing, f"event kinds without a label in sigap/cases/templatetags/sigap.py: {missing}"


def test_a_kind_built_at_run_time_is_spelled_out_here():
    _kinds, dynamic = recorded_kinds()
    unknown = sorted(set(dynamic) - set(DYNAMIC_KINDS))
    assert not unknown, f"record_event with a computed kind in {unknown}: list its kinds in DYNAMIC_KINDS"


def test_every_event_label_is_translated_to_indonesian():
    with translation.override("en"):
        english = {kind: str(label) for kind, label in _event_kinds().items()}
    with translation.override("id"):
        untranslated = sorted(kind for kind in english if event_label(kind) == english[kind])
    assert not untranslated, f"no Indonesian label for {untranslated}"


def test_the_triage_events_read_in_indonesian():
    with translation.override("id"):
        assert event_label("routing_corrected") == "Rute dikoreksi"
        assert event_label("duplicate_kept_apart") == "Kemungkinan duplikat dibiarkan terpisah"
