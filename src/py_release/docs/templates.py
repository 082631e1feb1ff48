"""A message or hint as a template, read from the source of the expression that builds it.

String literals are shown as they are. What is known only when the error is raised becomes a
placeholder: ``f"tag {options.tag}"`` reads ``tag <tag>``. Simple indirections are followed:
local variables (each assignment is one alternative), string constants and dicts of hints of
the module, conditional expressions, and functions of the module that return the text (each
``return`` is one alternative). ``if code == "not-enabled": return ...`` and a dict's keys say
when an alternative applies.
"""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType

# Past this many alternatives an expression is shown as one placeholder.
MAX_ALTERNATIVES = 16
# How deep calls to the module's functions are followed.
MAX_DEPTH = 4
# Placeholder names that read better than the variable that holds the value.
ALIASES = {
    "spec_name": "input",
    "spec.name": "input",
    "dist.name": "file",
    "path.name": "file",
    "member.name": "member",
    "exc": "error",
    "err": "error",
    "hints": "the fix of each",
}
_EXCEPTION_NAMES = frozenset({"exc", "err", "error"})
# Methods that return (nearly) the text they are called on.
_TEXT_METHODS = frozenset(
    {"strip", "lstrip", "rstrip", "lower", "upper", "casefold", "removeprefix", "removesuffix"}
)


# A case an alternative is for: what is compared, and the value (("code", "not-enabled")).
Case = tuple[str, str]
OTHERWISE = "otherwise"


@dataclass(frozen=True)
class Template:
    """One way a message or hint reads; ``when`` names the cases it is for, if known."""

    text: str
    when: tuple[Case, ...] = ()

    def for_cases(self, cases: Sequence[Case]) -> Template | None:
        """This alternative narrowed to ``cases`` too; None when they contradict its own."""
        merged = merge_cases([*cases, *self.when])
        return None if merged is None else Template(self.text, merged)


def merge_cases(cases: Sequence[Case]) -> tuple[Case, ...] | None:
    """The cases together, or None when one subject is given two values."""
    values: dict[str, str] = {}
    for subject, value in cases:
        if values.setdefault(subject, value) != value:
            return None
    return tuple(dict.fromkeys(cases))


@dataclass(frozen=True)
class Scope:
    """What a name means where an expression stands."""

    module: ModuleType
    functions: Mapping[str, ast.FunctionDef]
    # Values assigned to each local name; names assigned otherwise (loops, tuples) are listed
    # in ``local_names`` only, and so are never mistaken for a module constant.
    assigned: Mapping[str, tuple[ast.expr, ...]] = field(default_factory=dict)
    extended: frozenset[str] = frozenset()
    local_names: frozenset[str] = frozenset()
    bindings: Mapping[str, tuple[ast.expr, Scope]] = field(default_factory=dict)
    depth: int = 0


def module_scope(module: ModuleType, tree: ast.Module) -> Scope:
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    return Scope(module=module, functions=functions)


def function_scope(
    outer: Scope,
    function: ast.FunctionDef | ast.AsyncFunctionDef,
    bindings: Mapping[str, tuple[ast.expr, Scope]] | None = None,
) -> Scope:
    """The scope inside ``function``; ``bindings`` gives parameters the caller's arguments."""
    assigned: dict[str, list[ast.expr]] = {}
    extended: set[str] = set()
    local_names = {arg.arg for arg in _parameters(function)}
    for node in _own_nodes(function.body):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                assigned.setdefault(target.id, []).append(node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            assigned.setdefault(node.target.id, []).append(node.value)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            extended.add(node.target.id)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            local_names.add(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            local_names.add(node.name)
    return Scope(
        module=outer.module,
        functions=outer.functions,
        assigned={name: tuple(values) for name, values in assigned.items()},
        extended=frozenset(extended),
        local_names=frozenset(local_names | assigned.keys()),
        bindings=dict(bindings or {}),
        depth=outer.depth + 1 if bindings is not None else outer.depth,
    )


def render(expr: ast.expr, scope: Scope) -> list[Template]:
    """Every way ``expr`` can read (deduplicated, in source order)."""
    alternatives = _render(expr, scope)
    if len(alternatives) > MAX_ALTERNATIVES:
        return [Template(placeholder(expr))]
    return list(dict.fromkeys(alternatives))


def placeholder(expr: ast.expr) -> str:
    """``<what>`` for a value known only when the error is raised."""
    return f"<{_describe(expr)}>"


def concatenate(parts: Sequence[list[Template]]) -> list[Template]:
    """Every combination of one alternative from each part, joined."""
    combined = []
    for choice in itertools.product(*parts):
        when = merge_cases([case for part in choice for case in part.when])
        if when is not None:  # a dict looked up twice with one key gives one value
            combined.append(Template("".join(part.text for part in choice), when))
    return combined


def _render(expr: ast.expr, scope: Scope) -> list[Template]:
    if isinstance(expr, ast.Constant):
        return [] if expr.value is None else [Template(str(expr.value))]
    if isinstance(expr, ast.JoinedStr):
        return concatenate([_render_part(part, scope) for part in expr.values])
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add) and not _is_number(expr):
        return concatenate([render(expr.left, scope), render(expr.right, scope)])
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):  # a path joined
        return concatenate([render(expr.left, scope), [Template("/")], render(expr.right, scope)])
    if isinstance(expr, ast.IfExp):
        return render(expr.body, scope) + render(expr.orelse, scope)
    if isinstance(expr, ast.BoolOp) and isinstance(expr.op, ast.Or):
        return render(expr.values[0], scope)  # the value shown when there is one
    if isinstance(expr, ast.Name):
        return _render_name(expr, scope)
    if isinstance(expr, ast.Call):
        return _render_call(expr, scope)
    if isinstance(expr, ast.Subscript):
        entries = _dict_entries(expr.value, scope)
        if entries is not None:
            return _render_entries(entries, ast.unparse(expr.slice), scope)
    return [Template(placeholder(expr))]


def _render_part(part: ast.expr, scope: Scope) -> list[Template]:
    if not isinstance(part, ast.FormattedValue):
        return render(part, scope)
    alternatives = render(part.value, scope)
    if part.conversion == ord("r"):
        alternatives = [Template(f"'{t.text}'", t.when) for t in alternatives]
    # Several values for one slot read well only when each is a plain phrase ("symlink" or
    # "hard link"); variants of a computed value (URLs of several indexes) are one value.
    computed = any("<" in t.text for t in alternatives)
    if not alternatives or (len(alternatives) > 1 and computed and not _cased(alternatives)):
        return [Template(placeholder(part.value))]
    return alternatives


def _cased(alternatives: Sequence[Template]) -> bool:
    return all(t.when for t in alternatives)


def _is_number(expr: ast.BinOp) -> bool:
    return any(
        isinstance(side, ast.Constant) and isinstance(side.value, int | float)
        for side in (expr.left, expr.right)
    )


def _render_name(name: ast.Name, scope: Scope) -> list[Template]:
    if name.id in scope.assigned:
        alternatives = [t for value in scope.assigned[name.id] for t in render(value, scope)]
        if all(_is_placeholder(t.text) for t in alternatives):
            return [Template(placeholder(name))]  # the variable's name says more
        if name.id in scope.extended:  # `x += ...` adds detail known only at run time
            alternatives = [Template(t.text + " …", t.when) for t in alternatives]
        return alternatives
    if name.id in scope.bindings:
        argument, caller = scope.bindings[name.id]
        return render(argument, caller)
    if name.id not in scope.local_names:
        value = vars(scope.module).get(name.id)
        if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
            return [Template(str(value))]
    return [Template(placeholder(name))]


def _render_call(call: ast.Call, scope: Scope) -> list[Template]:
    function = call.func
    if isinstance(function, ast.Attribute):
        if function.attr in _TEXT_METHODS:
            return render(function.value, scope)
        if function.attr == "replace" and _constant_strings(call.args, 2):
            old, new = (str(a.value) for a in call.args if isinstance(a, ast.Constant))
            replaced = render(function.value, scope)
            return [Template(t.text.replace(old, new), t.when) for t in replaced]
        if function.attr == "join" and len(call.args) == 1:
            joined = _render_join(function.value, call.args[0], scope)
            if joined is not None:
                return joined
        if function.attr == "get" and call.args:
            entries = _dict_entries(function.value, scope)
            if entries is not None:
                subject = ast.unparse(call.args[0])
                found = _render_entries(entries, subject, scope)
                if len(call.args) > 1:
                    default = render(call.args[1], scope)
                    found += _narrowed(default, [(subject, OTHERWISE)])
                return found
    if isinstance(function, ast.Name):
        if function.id == "str" and len(call.args) == 1:
            return render(call.args[0], scope)
        defined = scope.functions.get(function.id)
        if defined is not None and scope.depth < MAX_DEPTH:
            return _render_returns(defined, call, scope)
    return [Template(placeholder(call))]


def _render_join(separator: ast.expr, items: ast.expr, scope: Scope) -> list[Template] | None:
    """``sep.join(lines)`` of a local list literal: its items, then `…` if it grows later."""
    if not (isinstance(separator, ast.Constant) and isinstance(separator.value, str)):
        return None
    if not isinstance(items, ast.Name):
        return None
    values = scope.assigned.get(items.id, ())
    if len(values) != 1 or not isinstance(values[0], ast.List | ast.Tuple) or not values[0].elts:
        return None
    parts: list[list[Template]] = []
    for element in values[0].elts:
        if parts:
            parts.append([Template(separator.value)])
        parts.append(render(element, scope))
    if items.id in scope.extended:
        parts.append([Template(separator.value + "…")])
    return concatenate(parts)


def _render_returns(function: ast.FunctionDef, call: ast.Call, caller: Scope) -> list[Template]:
    """What a module function returns, with its parameters bound to the call's arguments."""
    parameters = [arg.arg for arg in (*function.args.posonlyargs, *function.args.args)]
    bindings: dict[str, tuple[ast.expr, Scope]] = {}
    for name, argument in zip(parameters, call.args, strict=False):
        if isinstance(argument, ast.Starred):
            break
        bindings[name] = (argument, caller)
    for keyword in call.keywords:
        if keyword.arg is not None:
            bindings[keyword.arg] = (keyword.value, caller)
    inside = function_scope(caller, function, bindings)
    alternatives = []
    for value, when in _returns(function.body, ()):
        alternatives += _narrowed(render(value, inside), when)
    if not any(has_words(t.text) for t in alternatives):
        return [Template(placeholder(call))]  # nothing literal to show: name the call instead
    return alternatives


def _is_placeholder(text: str) -> bool:
    return re.fullmatch(r"<[^<>]*>", text) is not None


def has_words(text: str) -> bool:
    """Whether ``text`` says something beyond its placeholders."""
    return any(c.isalpha() for c in re.sub(r"<[^<>]*>", "", text))


def _constant_strings(arguments: Sequence[ast.expr], count: int) -> bool:
    return len(arguments) == count and all(
        isinstance(a, ast.Constant) and isinstance(a.value, str) for a in arguments
    )


def _narrowed(alternatives: Sequence[Template], cases: Sequence[Case]) -> list[Template]:
    narrowed = (t.for_cases(cases) for t in alternatives)
    return [t for t in narrowed if t is not None]


def _returns(
    body: Sequence[ast.stmt], when: tuple[Case, ...]
) -> Iterator[tuple[ast.expr, tuple[Case, ...]]]:
    """Each ``return`` value with the ``==`` tests that lead to it."""
    for statement in body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        if isinstance(statement, ast.Return) and statement.value is not None:
            yield statement.value, when
        elif isinstance(statement, ast.If):
            yield from _returns(statement.body, when + _cases(statement.test))
            yield from _returns(statement.orelse, when)
        else:
            for block in ("body", "orelse", "finalbody"):
                yield from _returns(getattr(statement, block, []), when)
            for handler in getattr(statement, "handlers", []):
                yield from _returns(handler.body, when)


def _cases(test: ast.expr) -> tuple[Case, ...]:
    """``x == "a"`` -> (("x", "a"),); ``x in ("a", "b")`` -> (("x", "a or b"),); else ()."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return ()
    subject, compared = ast.unparse(test.left), test.comparators[0]
    if isinstance(test.ops[0], ast.Eq) and isinstance(compared, ast.Constant):
        return ((subject, str(compared.value)),)
    if isinstance(test.ops[0], ast.In) and isinstance(compared, ast.Tuple | ast.List | ast.Set):
        values = [str(e.value) for e in compared.elts if isinstance(e, ast.Constant)]
        return ((subject, " or ".join(values)),) if values else ()
    return ()


DictEntries = list[tuple[str, "ast.expr | str"]]


def _dict_entries(expr: ast.expr, scope: Scope) -> DictEntries | None:
    """The entries of a dict of texts: a local dict literal, or a module constant."""
    if not isinstance(expr, ast.Name):
        return None
    values = scope.assigned.get(expr.id, ())
    if len(values) == 1 and isinstance(values[0], ast.Dict):
        literal = values[0]
        entries: DictEntries = []
        for key, value in zip(literal.keys, literal.values, strict=True):
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                return None
            entries.append((key.value, value))
        return entries
    if expr.id in scope.local_names:
        return None
    constant = vars(scope.module).get(expr.id)
    if isinstance(constant, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in constant.items()
    ):
        return list(constant.items())
    return None


def _render_entries(entries: DictEntries, subject: str, scope: Scope) -> list[Template]:
    """Each value of a dict, for the case that ``subject`` is its key."""
    alternatives = []
    for key, value in entries:
        rendered = [Template(value)] if isinstance(value, str) else render(value, scope)
        alternatives += _narrowed(rendered, [(subject, key)])
    return alternatives


def _describe(expr: ast.expr) -> str:
    """A short readable name for what ``expr`` holds."""
    if isinstance(expr, ast.Name):
        described = ALIASES.get(expr.id, expr.id)
    elif isinstance(expr, ast.Attribute):
        dotted = ast.unparse(expr)
        if dotted in ALIASES:
            described = ALIASES[dotted]
        elif expr.attr == "__name__":
            described = "error type" if _is_type_of_exception(expr.value) else "name"
        elif isinstance(expr.value, ast.Name) and expr.value.id in _EXCEPTION_NAMES:
            described = "error"
        else:
            described = expr.attr
    elif isinstance(expr, ast.Call):
        described = _describe_call(expr)
    elif isinstance(expr, ast.Subscript):
        described = _describe(expr.value)
    elif isinstance(expr, ast.BoolOp):
        described = _describe(expr.values[0])
    elif isinstance(expr, ast.BinOp):
        described = _describe(expr.left)
    elif isinstance(expr, ast.GeneratorExp | ast.ListComp | ast.SetComp):
        element = expr.elt
        # `f.fix for f in failed` holds fixes; `str(p) for p in problems` holds problems.
        if isinstance(element, ast.Attribute):
            described = element.attr
        else:
            described = _describe(expr.generators[0].iter)
    else:
        described = ast.unparse(expr)
    return described.strip("_").replace("_", "-")


def _describe_call(call: ast.Call) -> str:
    function = call.func
    if isinstance(function, ast.Name):
        if function.id == "len":
            return "count"
        # A wrapper of one value (str, sorted, canonicalize_name, ...) shows that value.
        if len(call.args) == 1 or (function.id == "getattr" and call.args):
            return _describe(call.args[0])
        return function.id
    if isinstance(function, ast.Attribute):
        if function.attr == "join" and call.args:
            return _describe(call.args[0])
        if function.attr in _TEXT_METHODS or function.attr in ("replace", "format"):
            return _describe(function.value)
        if len(call.args) == 1:  # dict.fromkeys(fixes), sorted-like helpers
            return _describe(call.args[0])
        key = call.args[0] if call.args else None
        if function.attr == "get" and isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value
        return function.attr
    return ast.unparse(call)


def _is_type_of_exception(expr: ast.expr) -> bool:
    return (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Name)
        and expr.func.id == "type"
        and len(expr.args) == 1
        and isinstance(expr.args[0], ast.Name)
        and expr.args[0].id in _EXCEPTION_NAMES
    )


def _parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.arg]:
    arguments = function.args
    extra = [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
    return [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, *extra]


def _own_nodes(body: Sequence[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of ``body``, leaving out nested functions and classes."""
    pending: list[ast.AST] = list(reversed(body))  # a stack: source order comes out first
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        yield node
        pending.extend(reversed(list(ast.iter_child_nodes(node))))
