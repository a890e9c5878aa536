"""The data-flow pass: runs the cells' code abstractly, in order, and records what every fit saw.

Python's own semantics live here (names and scopes, assignment and unpacking, user functions, loops and
comprehensions, branches); what library calls do to data lives in ``heldout.lint.library``. Values are
objects, so aliases share state the way Python objects do: ``m = model; model.fit(X, y)`` fits ``m``.

The pass is an approximation chosen to fail quietly: a loop body runs once with its variable marked;
an ``if`` whose test is a known literal (``if __name__ == "__main__":``, a flag) runs its one branch,
any other runs both, marking what happens there as conditional (findings there are hints); a user
function is run at each call, a few levels deep, within a budget of statements; and whatever it cannot
follow becomes an ``Unknown`` value, which never causes a finding.
"""

from __future__ import annotations

import ast
import builtins
import itertools
import re
from collections.abc import Iterable

from heldout.lint.calls import COLUMN, describe
from heldout.lint.events import Loop, Record
from heldout.lint.findings import Site
from heldout.lint.library import Library
from heldout.lint.values import (
    Const,
    Container,
    Data,
    Estimator,
    Function,
    Instance,
    Ref,
    Unknown,
    UserClass,
    Value,
)

__all__ = ["SERVING_NAME", "Flow"]

# Functions that run at prediction time (besides the scenario's contract function, e.g. prepare_features).
SERVING_NAME = re.compile(r"^(predict|serve|serving|inference)")
_MAX_CALL_DEPTH = 8
_STATEMENT_BUDGET = 25_000  # statements run in all, inlined calls included: bounds the time on any input
_BUILTIN_NAMES = frozenset(dir(builtins))
# Methods that learn from the rows they are given, on an object of any class: an object heldout cannot
# identify (a factory's result, a library it does not know) is an estimator once one of them is called.
_DUCK_FITS = {
    "fit": "unknown",
    "partial_fit": "unknown",
    "adapt": "unknown",  # Keras preprocessing layers
    "fit_transform": "transformer",
    "fit_resample": "sampler",
    "fit_sample": "sampler",
}
_MIXIN_ROLES = (
    ("TransformerMixin", "transformer"),
    ("SelectorMixin", "selector"),
    ("ClassifierMixin", "model"),
    ("RegressorMixin", "model"),
    ("BaseSampler", "sampler"),
    ("BaseEstimator", "model"),
)


class Flow:
    def __init__(self, serving_names: Iterable[str] = ()) -> None:
        self.record = Record()
        self.globals: dict[str, Value] = {}
        self.scopes: list[dict[str, Value]] = []  # function and comprehension locals, innermost last
        self.global_decls: list[set[str]] = []
        self.returns: list[list[Value]] = []
        self.call_stack: list[ast.AST] = []
        self.loop_stack: list[int] = []
        self.cell: int | None = None
        self.serving: str | None = None
        self.serving_names = set(serving_names)
        self.conditional = 0  # depth of branches that may not run: findings inside them are hints
        self.globals["__name__"] = Const(value="__main__")
        self.budget = _STATEMENT_BUDGET
        self._ids = itertools.count(1)
        self.lib = Library(self)

    # -- bookkeeping ---------------------------------------------------------------------------------
    def next_id(self) -> int:
        return next(self._ids)

    def site(self, node: ast.AST) -> Site:
        return (self.cell, getattr(node, "lineno", None))

    # -- entry points --------------------------------------------------------------------------------
    def run_cell(self, cell: int | None, module: ast.Module) -> None:
        self.cell = cell
        self.exec_block(module.body)

    def run_serving_functions(self) -> None:
        """Run each serving function alone on a fresh batch of rows: any fit in there fits on that batch."""
        for name, value in list(self.globals.items()):
            if not isinstance(value, Function):
                continue
            if name not in self.serving_names and not SERVING_NAME.match(name):
                continue
            params = [*value.node.args.posonlyargs, *value.node.args.args]
            if not params:
                continue
            batch = Data(rows=frozenset({(f"serving:{name}",)}), name=params[0].arg)
            self.record.serving_functions.append(name)
            self.serving = name
            try:
                self.call_function(value, [batch, *(Unknown() for _ in params[1:])], {})
            finally:
                self.serving = None

    # -- statements ----------------------------------------------------------------------------------
    def exec_block(self, body: list[ast.stmt]) -> bool:
        """Run statements; True when the block left early (return, raise, break, continue)."""
        return any(self.exec_stmt(statement) for statement in body)

    def exec_stmt(self, statement: ast.stmt) -> bool:
        self.budget -= 1
        if self.budget < 0:
            return True
        handler = getattr(self, "_s_" + type(statement).__name__, None)
        if handler is None:
            return False
        try:
            return bool(handler(statement))
        except RecursionError:
            # Absurdly deep expressions: skip the statement, as if it were code heldout cannot follow.
            return False

    def _s_Expr(self, node: ast.Expr) -> None:
        self.eval(node.value)

    def _s_Assign(self, node: ast.Assign) -> None:
        value = self.eval(node.value)
        for target in node.targets:
            self.assign(target, value)

    def _s_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.assign(node.target, self.eval(node.value))

    def _s_AugAssign(self, node: ast.AugAssign) -> None:
        current = self.eval(node.target)
        right = self.eval(node.value)
        self.assign(node.target, self.lib.binop(current, right, node.op, node))

    def _s_For(self, node: ast.For | ast.AsyncFor) -> None:
        iterable = self.eval(node.iter)
        loop = self.new_loop(node, node.target)
        self.loop_stack.append(loop)
        try:
            self.assign(node.target, self.lib.iterate(iterable, loop))
            self.exec_block(node.body)
        finally:
            self.loop_stack.pop()
        self.exec_block(node.orelse)

    _s_AsyncFor = _s_For

    def _s_While(self, node: ast.While) -> None:
        self.eval(node.test)
        self.exec_block(node.body)
        self.exec_block(node.orelse)

    def _s_If(self, node: ast.If) -> bool:
        test = self.eval(node.test)
        if isinstance(test, Const) and test.value is not COLUMN:
            # The outcome is known (`if False:`, `if __name__ == "__main__":`, a flag set to a
            # literal): only that branch runs, for certain.
            return self.exec_block(node.body if test.value else node.orelse)
        self.conditional += 1
        try:
            left_early = self.exec_block(node.body)
            other_left_early = self.exec_block(node.orelse)
        finally:
            self.conditional -= 1
        return bool(node.orelse) and left_early and other_left_early

    def _s_With(self, node: ast.With | ast.AsyncWith) -> bool:
        for item in node.items:
            self.eval(item.context_expr)
            if item.optional_vars is not None:
                self.assign(item.optional_vars, Unknown())
        return self.exec_block(node.body)

    _s_AsyncWith = _s_With

    def _s_Try(self, node: ast.Try) -> None:
        self.exec_block(node.body)
        self.conditional += 1  # a handler runs only if something failed
        try:
            for handler in node.handlers:
                if handler.name:
                    self.bind(handler.name, Unknown())
                self.exec_block(handler.body)
        finally:
            self.conditional -= 1
        self.exec_block(node.orelse)
        self.exec_block(node.finalbody)

    _s_TryStar = _s_Try

    def _s_Match(self, node: ast.Match) -> None:
        self.eval(node.subject)
        for case in node.cases:
            self.exec_block(case.body)

    def _s_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.bind(node.name, Function(node=node, cell=self.cell))

    _s_AsyncFunctionDef = _s_FunctionDef

    def _s_ClassDef(self, node: ast.ClassDef) -> None:
        bases = {describe(base).rsplit(".", 1)[-1] for base in node.bases}
        role = next((role for mixin, role in _MIXIN_ROLES if mixin in bases), None)
        methods: dict[str, Function] = {}
        for base in reversed(node.bases):  # a user-defined base's methods, overridden by the class's own
            inherited = self.eval(base)
            if isinstance(inherited, UserClass):
                methods.update(inherited.methods)
                role = role or inherited.role
        for statement in node.body:
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
                methods[statement.name] = Function(node=statement, cell=self.cell)
        self.bind(node.name, UserClass(name=node.name, role=role, methods=methods))

    def _s_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.bind(alias.asname, Ref(qualname=alias.name))
            else:
                top = alias.name.split(".", 1)[0]
                self.bind(top, Ref(qualname=top))

    def _s_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = ("." * node.level) + (node.module or "")
        for alias in node.names:
            if alias.name != "*":
                self.bind(alias.asname or alias.name, Ref(qualname=f"{module}.{alias.name}"))

    def _s_Return(self, node: ast.Return) -> bool:
        value = self.eval(node.value) if node.value is not None else Const(value=None)
        if self.returns:
            self.returns[-1].append(value)
        return True

    def _s_Raise(self, node: ast.Raise) -> bool:
        if node.exc is not None:
            self.eval(node.exc)
        return True

    def _s_Break(self, node: ast.Break) -> bool:
        return True

    _s_Continue = _s_Break

    def _s_Global(self, node: ast.Global) -> None:
        if self.global_decls:
            self.global_decls[-1].update(node.names)

    def _s_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                scope = self.scopes[-1] if self.scopes else self.globals
                scope.pop(target.id, None)
            else:
                self.eval(target)

    # -- names ---------------------------------------------------------------------------------------
    def lookup(self, name: str) -> Value:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        if name in self.globals:
            return self.globals[name]
        if name in _BUILTIN_NAMES:
            return Ref(qualname=f"builtins.{name}")
        return Unknown()

    def bind(self, name: str, value: Value) -> None:
        local = bool(self.scopes) and name not in self.global_decls[-1]
        (self.scopes[-1] if local else self.globals)[name] = value
        self.lib.named(value, name, local)

    def assign(self, target: ast.expr, value: Value) -> None:
        if isinstance(target, ast.Name):
            self.bind(target.id, value)
        elif isinstance(target, ast.Tuple | ast.List):
            self._unpack(target.elts, value)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, Unknown(loops=value.loops))
        elif isinstance(target, ast.Subscript):
            container = self.eval(target.value)
            self.lib.set_item(container, self._index(target.slice), value, target)
        elif isinstance(target, ast.Attribute):
            owner = self.eval(target.value)
            if isinstance(owner, Instance):
                owner.attrs[target.attr] = value

    def _unpack(self, targets: list[ast.expr], value: Value) -> None:
        parts = self.lib.unpack(value, len(targets))
        starred = [i for i, t in enumerate(targets) if isinstance(t, ast.Starred)]
        if starred and isinstance(value, Container) and value.kind in ("tuple", "list"):
            star = starred[0]
            after = len(targets) - star - 1
            items = value.items
            if len(items) >= len(targets) - 1:
                head, tail = items[:star], items[len(items) - after :] if after else []
                middle = Container(kind="list", items=items[star : len(items) - after])
                parts = [*head, middle, *tail]
        for target, part in zip(targets, parts, strict=False):
            self.assign(target, part)

    # -- loops ---------------------------------------------------------------------------------------
    def new_loop(self, node: ast.AST, target: ast.expr) -> int:
        loop = self.next_id()
        self.record.loops[loop] = Loop(loop, self.site(node), describe(target))
        return loop

    # -- functions -----------------------------------------------------------------------------------
    def call(self, callee: Value, args: list[Value], kwargs: dict[str, Value], node: ast.Call) -> Value:
        if isinstance(callee, Function):
            return self.call_function(callee, args, kwargs)
        if isinstance(callee, UserClass):
            if callee.methods:
                return self._instantiate(callee, args, kwargs)
            if callee.role is None:
                return Unknown()
            return Estimator(cls=callee.name, role=callee.role, known=False)
        if isinstance(callee, Ref):
            return self.lib.call_ref(callee.qualname, args, kwargs, node)
        if isinstance(callee, Estimator) and args and isinstance(args[0], Data):
            return self.lib.call_method(callee, "transform", args, kwargs, node)  # a Keras layer applied
        return self.lib.opaque_result(args, kwargs)

    # -- the notebook's own classes ------------------------------------------------------------------
    def _instantiate(self, cls: UserClass, args: list[Value], kwargs: dict[str, Value]) -> Instance:
        instance = Instance(cls=cls)
        init = cls.methods.get("__init__")
        if init is not None:
            self.call_function(init, [instance, *args], kwargs)
        return instance

    def call_user_method(
        self, instance: Instance, name: str, args: list[Value], kwargs: dict[str, Value], node: ast.Call
    ) -> Value:
        """Run the class's method with ``self`` bound; what it fits and returns is followed like any code."""
        methods = instance.cls.methods
        method = methods.get(name)
        if method is not None:
            return self.call_function(method, [instance, *args], kwargs)
        if name == "fit_transform" and "fit" in methods and "transform" in methods:
            # TransformerMixin's fit_transform: fit(X, y).transform(X)
            self.call_function(methods["fit"], [instance, *args], kwargs)
            return self.call_function(methods["transform"], [instance, *args[:1]], {})
        attribute = instance.attrs.get(name)
        if isinstance(attribute, Function):
            return self.call_function(attribute, args, kwargs)
        return self.lib.opaque_result(args, kwargs)

    def call_function(self, function: Function, args: list[Value], kwargs: dict[str, Value]) -> Value:
        definition = function.node
        if self.budget <= 0 or len(self.call_stack) >= _MAX_CALL_DEPTH or definition in self.call_stack:
            return self.lib.opaque_result(args, kwargs)
        scope = self._bind_arguments(definition.args, args, kwargs)
        saved_cell, self.cell = self.cell, function.cell
        self.scopes.append(scope)
        self.global_decls.append(set())
        self.returns.append([])
        self.call_stack.append(definition)
        try:
            self.exec_block(definition.body)
        finally:
            self.call_stack.pop()
            returned = self.returns.pop()
            self.global_decls.pop()
            self.scopes.pop()
            self.cell = saved_cell
        return self.lib.join_returns(returned)

    def _bind_arguments(self, spec: ast.arguments, args: list[Value], kwargs: dict[str, Value]) -> dict:
        scope: dict[str, Value] = {}
        positional = [*spec.posonlyargs, *spec.args]
        first_default = len(positional) - len(spec.defaults)
        for i, param in enumerate(positional):
            if i < len(args):
                scope[param.arg] = args[i]
            elif param.arg in kwargs:
                scope[param.arg] = kwargs[param.arg]
            elif i >= first_default:
                scope[param.arg] = self.eval(spec.defaults[i - first_default])
            else:
                scope[param.arg] = Unknown()
        for param, default in zip(spec.kwonlyargs, spec.kw_defaults, strict=False):
            if param.arg in kwargs:
                scope[param.arg] = kwargs[param.arg]
            else:
                scope[param.arg] = self.eval(default) if default is not None else Unknown()
        if spec.vararg is not None:
            scope[spec.vararg.arg] = Container(kind="tuple", items=list(args[len(positional) :]))
        if spec.kwarg is not None:
            scope[spec.kwarg.arg] = Container(kind="dict", items=[], keys=[])
        for name, value in scope.items():
            self.lib.named(value, name, True)
        return scope

    # -- expressions ---------------------------------------------------------------------------------
    def eval(self, node: ast.AST) -> Value:
        handler = getattr(self, "_e_" + type(node).__name__, None)
        if handler is None:
            loops: frozenset[int] = frozenset()
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    loops |= self.eval(child).loops
            return Unknown(loops=loops)
        return handler(node)

    def _e_Constant(self, node: ast.Constant) -> Value:
        return Const(value=node.value)

    def _e_Name(self, node: ast.Name) -> Value:
        return self.lookup(node.id)

    def _e_Attribute(self, node: ast.Attribute) -> Value:
        base = self.eval(node.value)
        if isinstance(base, Ref):
            return Ref(qualname=f"{base.qualname}.{node.attr}")
        if isinstance(base, Instance):
            return base.attrs.get(node.attr, Unknown(loops=base.loops))
        return self.lib.attribute(base, node.attr, node)

    def _arguments(self, node: ast.Call) -> tuple[list[Value], dict[str, Value]]:
        args: list[Value] = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                args.append(Unknown(loops=self.eval(arg.value).loops))
            else:
                args.append(self.eval(arg))
        kwargs: dict[str, Value] = {}
        for keyword in node.keywords:
            value = self.eval(keyword.value)
            if keyword.arg is not None:
                kwargs[keyword.arg] = value
        return args, kwargs

    def _e_Call(self, node: ast.Call) -> Value:
        func = node.func
        if isinstance(func, ast.Attribute):
            receiver = self.eval(func.value)
            args, kwargs = self._arguments(node)
            if isinstance(receiver, Ref):
                return self.lib.call_ref(f"{receiver.qualname}.{func.attr}", args, kwargs, node)
            if isinstance(receiver, Instance):
                return self.call_user_method(receiver, func.attr, args, kwargs, node)
            if (
                isinstance(receiver, Unknown)
                and func.attr in _DUCK_FITS
                and any(isinstance(a, Data) for a in args)
            ):
                receiver = self._duck_estimator(func, receiver)
            return self.lib.call_method(receiver, func.attr, args, kwargs, node)
        callee = self.eval(func)
        args, kwargs = self._arguments(node)
        return self.call(callee, args, kwargs, node)

    def _duck_estimator(self, func: ast.Attribute, unknown: Unknown) -> Estimator:
        """An object heldout cannot identify, fitted on rows: an estimator of unknown kind from now on
        (rebound to its variable, so that its later predict or transform reads this fit)."""
        estimator = Estimator(
            cls=describe(func.value, 30), role=_DUCK_FITS[func.attr], known=False, loops=unknown.loops
        )
        if isinstance(func.value, ast.Name):
            self.bind(func.value.id, estimator)
        return estimator

    def _index(self, node: ast.expr) -> Value:
        if isinstance(node, ast.Slice):
            return self.lib.slice_value(
                node, [self.eval(p) for p in (node.lower, node.upper, node.step) if p]
            )
        if isinstance(node, ast.Tuple):
            return Container(kind="tuple", items=[self._index(element) for element in node.elts])
        return self.eval(node)

    def _e_Subscript(self, node: ast.Subscript) -> Value:
        base = self.eval(node.value)
        return self.lib.subscript(base, self._index(node.slice), node)

    def _e_BinOp(self, node: ast.BinOp) -> Value:
        return self.lib.binop(self.eval(node.left), self.eval(node.right), node.op, node)

    def _e_UnaryOp(self, node: ast.UnaryOp) -> Value:
        return self.lib.unary(self.eval(node.operand), node.op)

    def _e_BoolOp(self, node: ast.BoolOp) -> Value:
        values = [self.eval(value) for value in node.values]
        if all(isinstance(v, Const) and v.value is not COLUMN for v in values):
            for value in values:  # `and` returns the first falsy operand, `or` the first truthy one
                if bool(value.value) != isinstance(node.op, ast.And):  # type: ignore[attr-defined]
                    return value
            return values[-1]
        result = values[0]
        for value in values[1:]:
            result = self.lib.binop(result, value, ast.BitAnd(), node)
        return result

    def _e_Compare(self, node: ast.Compare) -> Value:
        left = self.eval(node.left)
        rights = [self.eval(c) for c in node.comparators]
        return self.lib.compare(left, node.ops, rights, node)

    def _e_Tuple(self, node: ast.Tuple | ast.List | ast.Set) -> Value:
        kind = {"Tuple": "tuple", "List": "list", "Set": "set"}[type(node).__name__]
        items = [self.eval(element) for element in node.elts]
        loops = frozenset().union(*(item.loops for item in items)) if items else frozenset()
        return Container(kind=kind, items=items, loops=loops)

    _e_List = _e_Tuple
    _e_Set = _e_Tuple

    def _e_Dict(self, node: ast.Dict) -> Value:
        keys: list[Value] = []
        items: list[Value] = []
        for key_node, value_node in zip(node.keys, node.values, strict=False):
            value = self.eval(value_node)
            if key_node is None:
                continue  # **spread
            keys.append(self.eval(key_node))
            items.append(value)
        container = Container(kind="dict", items=items, keys=keys)
        self.lib.maybe_report(container, node)
        return container

    def _e_IfExp(self, node: ast.IfExp) -> Value:
        test = self.eval(node.test)
        if isinstance(test, Const) and test.value is not COLUMN:
            # Known, as for an `if` statement: `fit_transform(x) if fit else transform(x)` in a helper
            # called with fit=False fits nothing.
            return self.eval(node.body if test.value else node.orelse)
        return self.lib.join([self.eval(node.body), self.eval(node.orelse)])

    def _e_NamedExpr(self, node: ast.NamedExpr) -> Value:
        value = self.eval(node.value)
        self.assign(node.target, value)
        return value

    def _e_Lambda(self, node: ast.Lambda) -> Value:
        return Unknown()

    def _e_Starred(self, node: ast.Starred) -> Value:
        return Unknown(loops=self.eval(node.value).loops)

    def _comprehension(self, generators: list[ast.comprehension], elements: list[ast.expr]) -> list[Value]:
        self.scopes.append({})
        self.global_decls.append(set())
        entered = 0
        try:
            for generator in generators:
                iterable = self.eval(generator.iter)
                loop = self.new_loop(generator.iter, generator.target)
                self.loop_stack.append(loop)
                entered += 1
                self.assign(generator.target, self.lib.iterate(iterable, loop))
                for condition in generator.ifs:
                    self.eval(condition)
            return [self.eval(element) for element in elements]
        finally:
            del self.loop_stack[len(self.loop_stack) - entered :]
            self.global_decls.pop()
            self.scopes.pop()

    def _e_ListComp(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp) -> Value:
        (element,) = self._comprehension(node.generators, [node.elt])
        return Container(kind="list", items=[element], loops=element.loops)

    _e_SetComp = _e_ListComp
    _e_GeneratorExp = _e_ListComp

    def _e_DictComp(self, node: ast.DictComp) -> Value:
        key, value = self._comprehension(node.generators, [node.key, node.value])
        return Container(kind="dict", items=[value], keys=[key], loops=key.loops | value.loops)
