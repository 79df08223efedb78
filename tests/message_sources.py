"""Every message an error response can carry, found statically in shared/ and functions/.

A message reaches a response as the `message` of a CrmError (any subclass), of a FieldError or of
`error_response`, or as the text of an exception an error message quotes (`except NotTabular as
refused: ... str(refused)`, `f"... {unreadable}."`). The walk follows each such argument back to its
string literals and f-strings: through conditional expressions and `or`, local and module constants
(tuples and loops over constant tuples included), imported constants, the returns of the functions
that build messages (elements of returned tuples included, as the validators return `(value,
error)`; dicts of validator functions, factories of them and the checks made once at the top of a
module too), and the parameters of helpers that pass a message on (each caller of such a helper is
followed in turn, and the parameter's default counts). Whatever it cannot follow is reported as a
problem, so no message hides from the catalogue's completeness test (tests/test_messages_ja.py).

A message is written as its template: an f-string's text with each placeholder as its source
(`{limit:,}`) and literal braces doubled, exactly as the f-string reads; a literal with its braces
doubled. shared.language reads templates the same way.
"""

from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("shared", "functions")
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)

# (module, name) -> position and name of the message parameter. Every subclass of CrmError is a
# sink too, and so becomes each helper whose message parameter reaches a sink.
_BASE_SINKS = {
    ("shared.errors", "CrmError"): (0, "message"),
    ("shared.errors", "FieldError"): (1, "message"),
    ("shared.http", "error_response"): (2, "message"),
    ("shared.domain.imports", "row_error"): (2, "message"),  # kept with the import, answered by GET
}
# Functions that hand their first argument on as the message (in another language, perhaps).
PASS_THROUGH = {("shared.language", "localised")}
# A request field (shared.domain.fields.Field) is called as its check, its first argument; a Body
# (and a Field's `read`) calls the fields of every Body, so its calls' messages are those of every Field made.
FIELD_CLASS = ("shared.domain.fields", "Field")
CALLS_ANY_FIELD = {("shared.domain.fields", "Body.parse"), ("shared.domain.fields", "Field.read")}
# Exceptions whose text is not ours to translate: an error message quotes it as it comes.
EXTERNAL_TEXTS = {("shared.cognito", "EmailRefused")}  # Cognito's own words on an email it refuses


def template_of(text: str) -> str:
    """A literal's template: its braces doubled, as an f-string writes them."""
    return text.replace("{", "{{").replace("}", "}}")


def placeholder(part: ast.FormattedValue) -> str:
    """A placeholder as the f-string writes it, without its braces: `source`, `source!r`, `source:,`."""
    text = ast.unparse(part.value)
    if part.conversion != -1:
        text += "!" + chr(part.conversion)
    if part.format_spec is not None:
        text += ":" + "".join(template_of(p.value) if isinstance(p, ast.Constant) else "{" + placeholder(p) + "}"
                              for p in part.format_spec.values)
    return text


class Walk:
    def __init__(self) -> None:
        self.modules: dict[str, ast.Module] = {}
        self.parents: dict[ast.AST, ast.AST] = {}
        self.module_of: dict[ast.AST, str] = {}
        self.scope_of: dict[ast.AST, ast.AST | None] = {}  # node -> innermost enclosing function
        self.bindings: dict[ast.AST, list[ast.AST]] = {}  # function -> statements binding names in it
        self.sinks: dict[ast.AST, tuple[int, str]] = {}  # def or class -> its message parameter
        self.fragment_sinks: dict[ast.AST, dict[str, int]] = {}  # helper -> its parameters a message quotes
        self.templates: dict[str, set[str]] = {}  # template -> "path:line" of each use
        self.fragments: dict[str, set[str]] = {}  # text of ours a message quotes in a placeholder
        self.problems: set[str] = set()
        self.by_sink: dict[tuple[ast.AST, str], set[str]] = {}  # (def or class, parameter) -> texts its callers pass
        # source -> per use: texts, sinks
        self.placeholders: dict[str, list[tuple[set[str], list[tuple[ast.AST, str]]]]] = {}
        self.quoting = False  # following a placeholder's value: what cannot be followed is a value, not a problem
        self.changed = False
        self.def_counts: Counter[str] = Counter()  # how many defs have each name
        self._returns: dict[tuple[int, tuple[int, ...]], set[str]] = {}
        self._module_bindings: dict[tuple[str, str], ast.AST | str | None] = {}

    # --- loading and naming ---------------------------------------------------------------

    def load(self) -> None:
        for package in PACKAGES:
            for path in sorted((ROOT / package).rglob("*.py")):
                relative = path.relative_to(ROOT).with_suffix("")
                name = ".".join(relative.parts[:-1] if relative.name == "__init__" else relative.parts)
                tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
                self.modules[name] = tree
                self._index(tree, name, None)
        self.def_counts = Counter(node.name for tree in self.modules.values() for node in ast.walk(tree)
                                  if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)))

    def _index(self, node: ast.AST, module: str, scope: ast.AST | None) -> None:
        for child in ast.iter_child_nodes(node):
            self.parents[child] = node
            self.module_of[child] = module
            self.scope_of[child] = scope
            if scope is not None and isinstance(child, (ast.Assign, ast.AnnAssign, ast.For, ast.ExceptHandler,
                                                        ast.With, ast.AugAssign, ast.NamedExpr)):
                self.bindings.setdefault(scope, []).append(child)
            inner = child if isinstance(child, _FUNCTIONS) else None
            if isinstance(child, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                inner = child  # a comprehension's names are its own
            self._index(child, module, inner or scope)

    def where(self, node: ast.AST) -> str:
        return f"{self.module_of[node].replace('.', '/')}.py:{getattr(node, 'lineno', '?')}"

    def module_binding(self, module: str, name: str) -> ast.AST | str | None:
        """What `name` means at the top of `module`: a def or class, an assigned value, or the
        dotted name of a module imported under that name."""
        if (module, name) not in self._module_bindings:
            self._module_bindings[module, name] = self._module_binding(module, name)
        return self._module_bindings[module, name]

    def _module_binding(self, module: str, name: str) -> ast.AST | str | None:
        tree = self.modules.get(module)
        if tree is None:
            return None
        for statement in tree.body:
            if isinstance(statement, _DEFINITIONS) and statement.name == name:
                return statement
            if isinstance(statement, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name
                                                         for t in statement.targets):
                return statement.value
            if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) \
                    and statement.target.id == name and statement.value is not None:
                return statement.value
        for statement in ast.walk(tree):  # imports, also those inside functions
            if isinstance(statement, ast.ImportFrom) and statement.module:
                for alias in statement.names:
                    if (alias.asname or alias.name) == name:
                        submodule = f"{statement.module}.{alias.name}"
                        return submodule if submodule in self.modules \
                            else self.module_binding(statement.module, alias.name)
            if isinstance(statement, ast.Import):
                for alias in statement.names:
                    if (alias.asname or alias.name) == name:
                        return alias.name
        return None

    def binding(self, name: str, at: ast.AST) -> ast.AST | str | None:
        """What `name` means at `at`: a def nested in an enclosing function, else the module's."""
        scope = self.scope_of.get(at)
        while scope is not None:
            for statement in ast.iter_child_nodes(scope) if not isinstance(scope, ast.Lambda) else ():
                if isinstance(statement, _DEFINITIONS) and statement.name == name:
                    return statement
            scope = self.scope_of.get(scope)
        return self.module_binding(self.module_of[at], name)

    def defined(self, expression: ast.expr) -> ast.AST | None:
        """The def or class a name, `module.name` or `self.method` refers to, where the walk can tell."""
        if isinstance(expression, ast.Name):
            bound = self.binding(expression.id, expression)
        elif isinstance(expression, ast.Attribute) and isinstance(expression.value, ast.Name):
            if expression.value.id == "self":
                owner = self.parents.get(self.scope_of.get(expression))
                while owner is not None and not isinstance(owner, ast.ClassDef):
                    owner = self.parents.get(owner)
                bound = next((item for item in (owner.body if owner else [])
                              if isinstance(item, ast.FunctionDef) and item.name == expression.attr), None)
            else:
                module = self.binding(expression.value.id, expression)
                bound = self.module_binding(module, expression.attr) if isinstance(module, str) else None
        else:
            return None
        return bound if isinstance(bound, _DEFINITIONS) else None

    def method(self, expression: ast.expr) -> ast.AST | None:
        """`anything.name(...)`: the method `name` passing a message on, when only one class has it
        (`principal.require_admin("manage API keys")`)."""
        if not isinstance(expression, ast.Attribute):
            return None
        found = [definition for definition in (*self.sinks, *self.fragment_sinks)
                 if isinstance(definition, ast.FunctionDef) and definition.name == expression.attr
                 and isinstance(self.parents.get(definition), ast.ClassDef)]
        return found[0] if len(found) == 1 and self.def_counts[expression.attr] == 1 else None

    def key(self, definition: ast.AST) -> tuple[str, str]:
        names, node = [], definition
        while node is not None and not isinstance(node, ast.Module):
            if isinstance(node, _DEFINITIONS):
                names.append(node.name)
            node = self.parents.get(node)
        return self.module_of[definition], ".".join(reversed(names))

    # --- sinks ----------------------------------------------------------------------------

    def sink_of(self, definition: ast.AST) -> tuple[int, str] | None:
        """The message parameter of a def, or of a class or the nearest base class that has one."""
        seen = set()
        while definition is not None and id(definition) not in seen:
            seen.add(id(definition))
            if definition in self.sinks:
                return self.sinks[definition]
            if not isinstance(definition, ast.ClassDef) or not definition.bases:
                return None
            definition = self.defined(definition.bases[0])
        return None

    def add_sink(self, definition: ast.AST, position: int, name: str) -> None:
        if self.quoting:
            if name not in self.fragment_sinks.setdefault(definition, {}):
                self.fragment_sinks[definition][name] = position
                self.changed = True
        elif definition not in self.sinks:
            self.sinks[definition] = (position, name)
            self.changed = True

    def problem(self, text: str) -> None:
        if not self.quoting:
            self.problems.add(text)

    def caught(self, handler: ast.ExceptHandler) -> ast.ClassDef | None:
        """An exception whose text a message quotes: its own messages are messages too."""
        exception = self.defined(handler.type) if handler.type is not None else None
        if isinstance(exception, ast.ClassDef):
            if self.key(exception) not in EXTERNAL_TEXTS:
                quoting, self.quoting = self.quoting, False
                self.add_sink(exception, 0, "message")
                self.quoting = quoting
                return exception
        elif handler.type is None or not (isinstance(handler.type, ast.Attribute) or
                                          isinstance(handler.type, ast.Name)):
            self.problem(f"{self.where(handler)}: cannot tell which exception {handler.name!r} is")
        return None

    @staticmethod
    def argument(call: ast.Call, position: int, name: str) -> tuple[ast.AST | None, tuple[int, ...]]:
        """The expression a call passes as parameter `position`/`name`, and the element of it when
        it comes from a starred tuple (`FieldError(field, *problem)`)."""
        for index, argument in enumerate(call.args):
            if isinstance(argument, ast.Starred):
                return (argument.value, (position - index,)) if index <= position else (None, ())
            if index == position:
                return argument, ()
        keyword = next((k for k in call.keywords if k.arg == name), None)
        return (keyword.value, ()) if keyword else (None, ())

    # --- following a value back to its text -----------------------------------------------

    def texts(self, node: ast.AST, path: tuple[int, ...] = ()) -> set[str]:
        """The templates `node` can evaluate to (its element at `path`, for nested tuples)."""
        if isinstance(node, ast.Constant):
            if node.value is None:
                return set()
            if isinstance(node.value, str) and not path:
                return {template_of(node.value)}
        elif isinstance(node, (ast.Tuple, ast.List)) and path:
            if path[0] < len(node.elts) and not any(isinstance(e, ast.Starred) for e in node.elts):
                return self.texts(node.elts[path[0]], path[1:])
        elif isinstance(node, ast.JoinedStr) and not path:
            return {self.template(node)}
        elif isinstance(node, ast.IfExp):
            return self.texts(node.body, path) | self.texts(node.orelse, path)
        elif isinstance(node, ast.BoolOp):
            return set().union(*(self.texts(value, path) for value in node.values))
        elif isinstance(node, ast.Attribute) and node.attr == "message" and not path:
            return set()  # an error's own message passed on: counted where that error is raised
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            module = self.binding(node.value.id, node)
            value = self.module_binding(module, node.attr) if isinstance(module, str) else None
            if isinstance(value, ast.expr):
                return self.texts(value, path)
        elif isinstance(node, ast.Subscript) and self.table(node.value) is not None:
            return set().union(*(self.texts(value, path) for value in self.table(node.value).values))
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id == "str" and len(node.args) == 1 and not path:
                return self.texts(node.args[0])
            definition = self.defined(node.func)
            if definition is not None and self.key(definition) in PASS_THROUGH and node.args:
                return self.texts(node.args[0], path)
            functions = self.callables(node.func)
            if functions is None and self.key_of_scope(node) in CALLS_ANY_FIELD:
                functions = [check for made in self.fields_made() for check in self.callables(made) or []]
            if functions is not None:
                return set().union(*(self.returns(function, path) for function in functions))
        elif isinstance(node, ast.Name):
            return self.name_texts(node, path)
        self.problem(f"{self.where(node)}: cannot follow message {ast.unparse(node)!r}")
        return set()

    def callables(self, node: ast.AST) -> list[ast.AST] | None:
        """The functions an expression can be: a def, a lambda, a factory's result, or any value of
        a dict of them (`WRITABLE[name](value)`); None when the walk cannot tell."""
        if isinstance(node, ast.Lambda):
            return [node]
        if isinstance(node, ast.Subscript):
            table = self.table(node.value)
            if table is not None:
                found = [self.callables(value) for value in table.values]
                return None if any(f is None for f in found) else [f for group in found for f in group]
            return None
        if isinstance(node, ast.Call) and self.makes_field(node):
            return self.callables(node.args[0])
        if isinstance(node, ast.Call):  # a factory: what it returns
            factories = self.callables(node.func)
            if factories is None:
                return None
            found = []
            for factory in factories:
                body = [factory.body] if isinstance(factory, ast.Lambda) else [
                    n.value for n in ast.walk(factory) if isinstance(n, ast.Return) and n.value is not None
                    and self.scope_of.get(n) is factory]
                for value in body:
                    inner = self.callables(value)
                    if inner is None:
                        return None
                    found += inner
            return found
        definition = self.defined(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
        if definition is None and isinstance(node, ast.Name):
            made = self.module_binding(self.module_of[node], node.id)
            if isinstance(made, ast.Call):  # a check made once at the top of its module (`_NAME = fields.name(...)`)
                return self.callables(made)
        return [definition] if isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)) else None

    def makes_field(self, call: ast.Call) -> bool:
        made = self.defined(call.func) if isinstance(call.func, (ast.Name, ast.Attribute)) else None
        return made is not None and bool(call.args) and self.key(made) == FIELD_CLASS

    def fields_made(self) -> list[ast.Call]:
        """Every `Field(check, ...)` in the code."""
        return [node for tree in self.modules.values() for node in ast.walk(tree)
                if isinstance(node, ast.Call) and self.makes_field(node)]

    def key_of_scope(self, node: ast.AST) -> tuple[str, str] | None:
        scope = self.scope_of.get(node)
        return self.key(scope) if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) else None

    def table(self, node: ast.AST) -> ast.Dict | None:
        """The dict literal an expression is, directly or as a constant of its function or module."""
        if isinstance(node, ast.Name):
            scope = self.scope_of.get(node)
            for statement in self.bindings.get(scope, []):
                if isinstance(statement, ast.Assign) and any(isinstance(t, ast.Name) and t.id == node.id
                                                             for t in statement.targets):
                    node = statement.value
                    break
            else:
                node = self.module_binding(self.module_of[node], node.id)
        return node if isinstance(node, ast.Dict) else None

    def returns(self, function: ast.AST, path: tuple[int, ...]) -> set[str]:
        memo = (id(function), path)
        if memo not in self._returns:
            self._returns[memo] = set()  # a recursive function adds nothing more through itself
            if isinstance(function, ast.Lambda):
                values = [function.body]
            else:
                values = [n.value for n in ast.walk(function)
                          if isinstance(n, ast.Return) and n.value is not None and self.scope_of.get(n) is function]
            self._returns[memo] = set().union(*(self.texts(value, path) for value in values))
        return self._returns[memo]

    def name_texts(self, node: ast.Name, path: tuple[int, ...]) -> set[str]:
        scope = self.scope_of.get(node)
        while scope is not None:
            found = self.local_texts(scope, node.id, path)
            if found is not None:
                return found
            scope = self.scope_of.get(scope)
        value = self.module_binding(self.module_of[node], node.id)
        if isinstance(value, ast.expr):
            return self.texts(value, path)
        self.problem(f"{self.where(node)}: cannot follow message {node.id!r}")
        return set()

    def local_texts(self, scope: ast.AST, name: str, path: tuple[int, ...]) -> set[str] | None:
        """The templates `name` holds in function `scope`, or None when `scope` does not bind it.
        A parameter makes the function a sink: its callers' arguments are followed instead."""
        if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            arguments = scope.args
            positional = [a.arg for a in arguments.posonlyargs + arguments.args]
            if name in positional or name in [a.arg for a in arguments.kwonlyargs]:
                method = positional[:1] == ["self"]
                position = positional.index(name) - int(method) if name in positional else 10_000
                self.add_sink(scope, position, name)
                return set()
        if isinstance(scope, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            if any(item == name for generator in scope.generators for _, item in self.names_in(generator.target)):
                self.problem(f"{self.where(scope)}: cannot follow message {name!r} bound by a comprehension")
                return set()
            return None
        found: set[str] | None = None
        for statement in self.bindings.get(scope, []):
            if isinstance(statement, ast.ExceptHandler):
                if statement.name == name:
                    self.caught(statement)
                    found = found or set()
                continue
            if isinstance(statement, (ast.Assign, ast.AnnAssign)):
                if statement.value is None:
                    continue
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                for target in targets:
                    for position, item in self.names_in(target):
                        if item == name:
                            found = (found or set()) | self.texts(statement.value, position + path)
            elif isinstance(statement, ast.For):
                for position, item in self.names_in(statement.target):
                    if item == name:
                        table = statement.iter
                        if isinstance(table, ast.Name):
                            table = self.module_binding(self.module_of[statement], table.id)
                        if isinstance(table, (ast.Tuple, ast.List)):
                            found = (found or set()).union(*(self.texts(row, position + path) for row in table.elts))
                        else:
                            self.problem(f"{self.where(statement)}: cannot follow message {name!r} of a loop")
                            found = found or set()
            else:
                targets = [statement.target] if not isinstance(statement, ast.With) else \
                    [item.optional_vars for item in statement.items if item.optional_vars is not None]
                if any(item == name for target in targets for _, item in self.names_in(target)):
                    self.problem(f"{self.where(statement)}: cannot follow message {name!r} bound by := += or with")
                    found = found or set()
        return found

    @staticmethod
    def names_in(target: ast.AST) -> list[tuple[tuple[int, ...], str]]:
        """Each name an assignment target binds, with its position in the assigned (nested) tuple."""
        if isinstance(target, ast.Name):
            return [((), target.id)]
        if isinstance(target, (ast.Tuple, ast.List)):
            return [((index, *position), name) for index, item in enumerate(target.elts)
                    for position, name in Walk.names_in(item)]
        return []

    def template(self, node: ast.JoinedStr) -> str:
        text = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                text.append(template_of(part.value))
                continue
            text.append("{" + placeholder(part) + "}")
            if not self.quoting:
                self.placeholders.setdefault(placeholder(part), []).append(self.quote(part.value))
        return "".join(text)

    def quote(self, value: ast.expr) -> tuple[set[str], list[tuple[ast.AST, str]]]:
        """A placeholder's value: where it is text of ours (a constant, a phrase a caller passes,
        an exception's words), that text is a fragment to translate; anything else (ids, numbers,
        names) is a value. The texts found here, and the (fragment) sinks whose callers' texts
        it carries."""
        sinks: list[tuple[ast.AST, str]] = []
        scope = self.scope_of.get(value)
        if isinstance(value, ast.Name):
            for statement in self.bindings.get(scope, []):
                if isinstance(statement, ast.ExceptHandler) and statement.name == value.id:
                    exception = self.caught(statement)
                    sinks += [(exception, "message")] if exception is not None else []
            if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) and value.id in [
                    a.arg for a in scope.args.posonlyargs + scope.args.args + scope.args.kwonlyargs]:
                sinks.append((scope, value.id))
        if not isinstance(value, (ast.Name, ast.Attribute, ast.Subscript)):
            return set(), sinks
        self.quoting = True
        try:
            found = self.texts(value)
        finally:
            self.quoting = False
        for text in found:
            self.fragments.setdefault(text, set()).add(self.where(value))
        return found, sinks

    def quoted(self) -> dict[str, set[str]]:
        """Each placeholder source that quotes text of ours (in some message), with the texts."""
        quoting: dict[str, set[str]] = {}
        for source, uses in self.placeholders.items():
            for texts, sinks in uses:
                carried = texts.union(*(self.by_sink.get(sink, set()) for sink in sinks))
                if carried:
                    quoting.setdefault(source, set()).update(carried)
        return quoting

    # --- the walk -------------------------------------------------------------------------

    def run(self) -> None:
        self.load()
        for (module, name), parameter in _BASE_SINKS.items():
            self.add_sink(self.module_binding(module, name), *parameter)
        calls = [node for tree in self.modules.values() for node in ast.walk(tree) if isinstance(node, ast.Call)]
        self.changed = True
        while self.changed:  # again, until no more helpers turn out to pass a message on
            self.changed = False
            self.templates, self.fragments, self.problems, self._returns = {}, {}, set(), {}
            self.by_sink, self.placeholders = {}, {}
            for call in calls:
                definition = self.defined(call.func) or self.method(call.func)
                if definition is None:
                    continue
                sink = self.sink_of(definition)
                if sink is not None:
                    argument, path = self.argument(call, *sink)
                    if argument is not None:  # else the parameter's default, found below
                        for text in self.texts(argument, path):
                            self.templates.setdefault(text, set()).add(self.where(call))
                            self.by_sink.setdefault((definition, "message"), set()).add(text)
                for name, position in self.fragment_sinks.get(definition, {}).items():
                    argument, path = self.argument(call, position, name)
                    if argument is not None:
                        self.quoting = True
                        for text in self.texts(argument, path):
                            self.fragments.setdefault(text, set()).add(self.where(call))
                            self.by_sink.setdefault((definition, name), set()).add(text)
                        self.quoting = False
            for definition, (_position, name) in list(self.sinks.items()):
                if isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    arguments = definition.args
                    positional = arguments.posonlyargs + arguments.args
                    defaults = dict(zip([a.arg for a in positional][::-1], arguments.defaults[::-1], strict=False))
                    defaults.update((a.arg, d)
                                    for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=False) if d)
                    if name in defaults:
                        for text in self.texts(defaults[name]):
                            self.templates.setdefault(text, set()).add(self.where(definition))


@dataclass
class Found:
    templates: dict[str, set[str]]  # each message template -> the places that raise it
    fragments: dict[str, set[str]]  # each text of ours a message quotes in a placeholder -> its places
    quoting: dict[str, set[str]]  # each placeholder source that quotes text of ours -> those texts
    problems: list[str]  # what the walk could not follow


def messages() -> Found:
    walk = Walk()
    walk.run()
    return Found(walk.templates, walk.fragments, walk.quoted(), sorted(walk.problems))
