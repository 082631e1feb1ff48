"""Every ``ReleaseError`` subclass of the package, and every place the code builds one.

Classes are found by importing the package's modules and walking ``__subclasses__``. Places are
found by reading each module's source with ``ast``: every call whose callee is, at run time, a
``ReleaseError`` subclass or ``Problem`` (``raise X(...)``, ``return X(...)``, ``e = X(...)``).
Its message and hint become templates (``py_release.docs.templates``), through the class's
own constructor when it has one (``InputError(input_name, message, hint)``).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import sys
import textwrap
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from types import ModuleType

import py_release
from py_release.docs.templates import (
    Scope,
    Template,
    concatenate,
    function_scope,
    module_scope,
    render,
)
from py_release.errors import Problem, ReleaseError

# Stand-ins for the tests raise errors no user sees; running __main__ runs the CLI.
SKIPPED_MODULES = ("py_release.sandbox", "py_release.__main__")


@dataclass(frozen=True)
class Site:
    """One place the code builds an error (or a check ``Problem``)."""

    built: type
    location: str  # module:line
    messages: tuple[Template, ...]
    hints: tuple[Template, ...]


@dataclass(frozen=True)
class ErrorClass:
    error: type[ReleaseError]
    doc: str
    sites: tuple[Site, ...]
    # For an error that lists several others (CheckFailed lists Problems): their type.
    aggregates: type | None
    subclasses: tuple[type[ReleaseError], ...]


def package_modules() -> list[ModuleType]:
    """Every module of py_release but the sandbox and ``__main__``, imported."""
    return [importlib.import_module(name) for name in _module_names("py_release", py_release)]


def _module_names(prefix: str, package: ModuleType) -> Iterator[str]:
    for info in pkgutil.iter_modules(package.__path__, prefix + "."):
        if any(info.name == s or info.name.startswith(s + ".") for s in SKIPPED_MODULES):
            continue
        yield info.name
        if info.ispkg:
            yield from _module_names(info.name, importlib.import_module(info.name))


def all_sites(modules: Sequence[ModuleType]) -> list[Site]:
    return [site for module in modules for site in find_sites(module)]


def error_classes(modules: Sequence[ModuleType], sites: Sequence[Site]) -> list[ErrorClass]:
    """``ReleaseError`` and its subclasses defined in ``modules``, each with its sites."""
    names = {module.__name__ for module in modules}
    found: list[type[ReleaseError]] = []

    def walk(base: type[ReleaseError]) -> None:
        for subclass in base.__subclasses__():
            if subclass.__module__ in names and subclass not in found:
                found.append(subclass)
                walk(subclass)

    walk(ReleaseError)
    found.sort(key=_definition_order)
    classes = []
    every: list[type[ReleaseError]] = [ReleaseError, *found]
    for error in every:
        aggregates = aggregated_type(error)
        classes.append(
            ErrorClass(
                error=error,
                doc=inspect.cleandoc(vars(error).get("__doc__") or ""),
                sites=tuple(site for site in sites if site.built is error),
                aggregates=aggregates,
                subclasses=tuple(c for c in found if error in c.__bases__),
            )
        )
    return classes


def problem_sites(sites: Sequence[Site]) -> list[Site]:
    """Every check ``Problem`` built with a fix (those without one only word other errors)."""
    return [
        site for site in sites if site.built is Problem and any(hint.text for hint in site.hints)
    ]


def _definition_order(error: type) -> tuple[bool, str, int]:
    return error.__module__ != "py_release.errors", error.__module__, _line(error)


def _line(error: type) -> int:
    try:
        return inspect.getsourcelines(error)[1]
    except (OSError, TypeError):
        return 0


def aggregated_type(error: type) -> type | None:
    """The element type of a constructor parameter ``Sequence[X]`` (CheckFailed: Problem)."""
    owner = _constructor_owner(error)
    if owner is ReleaseError:
        return None
    for annotation in typing.get_type_hints(vars(owner)["__init__"]).values():
        origin = typing.get_origin(annotation)
        arguments = typing.get_args(annotation)
        if origin in (Sequence, list, tuple) and arguments and isinstance(arguments[0], type):
            return arguments[0]
    return None


def find_sites(module: ModuleType) -> list[Site]:
    tree, scope = _module_tree(module.__name__)
    sites = []
    for call, where in _calls(tree, scope):
        built = _resolve(call.func, module)
        if not isinstance(built, type):
            continue
        if built is not Problem and not issubclass(built, ReleaseError):
            continue
        location = f"{module.__name__}:{call.lineno}"
        if aggregated_type(built) is not None:  # its lines are the sites of what it lists
            sites.append(Site(built, location, (), ()))
            continue
        messages, hints = _message_and_hint(built, call, where)
        sites.append(Site(built, location, tuple(messages), tuple(hints)))
    return sites


@cache
def _module_tree(name: str) -> tuple[ast.Module, Scope]:
    module = sys.modules[name]
    tree = ast.parse(inspect.getsource(module))
    return tree, module_scope(module, tree)


def _calls(node: ast.AST, scope: Scope) -> Iterator[tuple[ast.Call, Scope]]:
    """Every call under ``node`` with the scope of the function it stands in."""
    outer = scope
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _calls(child, function_scope(outer, child))
            continue
        if isinstance(child, ast.Call):
            yield child, scope
        yield from _calls(child, scope)


def _resolve(expr: ast.expr, module: ModuleType) -> object:
    """What a callee names at run time: a global of the module, or an attribute of one."""
    if isinstance(expr, ast.Name):
        return vars(module).get(expr.id)
    if isinstance(expr, ast.Attribute):
        base = _resolve(expr.value, module)
        if isinstance(base, ModuleType | type):
            return getattr(base, expr.attr, None)
    return None


def _bind(built: type, call: ast.Call) -> dict[str, ast.expr]:
    """The call's arguments by the constructor's parameter names."""
    return _bind_arguments(list(inspect.signature(built).parameters), call)


def _bind_arguments(parameters: Sequence[str], call: ast.Call) -> dict[str, ast.expr]:
    return _bind_list(parameters, call.args, call.keywords)


def _bind_list(
    parameters: Sequence[str], positional: Sequence[ast.expr], keywords: Sequence[ast.keyword]
) -> dict[str, ast.expr]:
    bound: dict[str, ast.expr] = {}
    for name, argument in zip(parameters, positional, strict=False):
        if isinstance(argument, ast.Starred):
            break
        bound[name] = argument
    for keyword in keywords:
        if keyword.arg is not None:
            bound[keyword.arg] = keyword.value
    return bound


def _message_and_hint(
    built: type, call: ast.Call, scope: Scope
) -> tuple[list[Template], list[Template]]:
    bound = _bind(built, call)

    def argument(name: str) -> list[Template]:
        if name not in bound:
            return [Template(f"<{name}>")]
        return render(bound[name], scope)

    if built is Problem:  # printed as "<file>: <message>"
        return concatenate([argument("file"), [Template(": ")], argument("message")]), argument(
            "hint"
        )
    owner = _constructor_owner(built)
    if owner is ReleaseError:
        return argument("message"), argument("hint")
    # A constructor of its own: what it passes to ReleaseError.__init__, with its parameters
    # bound to this call's arguments.
    init = _parse_function(owner)
    passed = _base_init_arguments(init)
    if passed is None:
        return [Template("<message>")], [Template("<hint>")]
    owner_scope = _module_tree(owner.__module__)[1]
    inside = function_scope(
        owner_scope, init, {name: (expr, scope) for name, expr in bound.items()}
    )
    passed_bound = _bind_arguments(["message", "hint"], passed)
    return (
        render(passed_bound["message"], inside) if "message" in passed_bound else [],
        render(passed_bound["hint"], inside) if "hint" in passed_bound else [],
    )


def _constructor_owner(error: type) -> type:
    return next(c for c in error.__mro__ if "__init__" in vars(c))


def _parse_function(owner: type) -> ast.FunctionDef:
    source = textwrap.dedent(inspect.getsource(vars(owner)["__init__"]))
    function = ast.parse(source).body[0]
    assert isinstance(function, ast.FunctionDef)
    return function


def _base_init_arguments(init: ast.FunctionDef) -> ast.Call | None:
    """The call a constructor makes to its base's: ``super().__init__(message, hint)`` or
    ``Base.__init__(self, message, hint)`` (returned without ``self``)."""
    for node in ast.walk(init):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "__init__"
        ):
            continue
        base = node.func.value
        if (
            isinstance(base, ast.Call)
            and isinstance(base.func, ast.Name)
            and base.func.id == "super"
        ):
            return node
        if isinstance(base, ast.Name | ast.Attribute) and node.args:
            return ast.Call(func=node.func, args=node.args[1:], keywords=node.keywords)
    return None
