"""Rules CU005 (querysets and call sites) and CU006 (exceptions).

Both rewrite code that uses the models the rules converted (CU002: this module's;
the first pass over the tree: those imported from other modules, see
``project.converted_names``), and only that code: a model left as cqlengine (with a
TODO) keeps its cqlengine calls, and a receiver whose type is unknown is left as it
is, with a TODO where the code is plainly cqlengine's (``x.objects(...)``,
``x.batch(b).create(...)``).

CU005, on a converted model ``M`` (the names come from the shim's mapping table,
``QUERYSET_METHODS``, ``FILTER_OPERATORS`` and ``UPDATE_OPERATORS``, and the write
options from ``coodie.operators.WRITE_OPTIONS``)::

    M.objects(a=1), M.filter(a=1), M.objects.filter(a=1)  ->  M.find(a=1)
    M.objects.all(), M.all()                             ->  M.find().all()
    list(M.filter(a=1).limit(10).all())                  ->  M.find(a=1).limit(10).all()
    M.filter(a=1).all().count()                          ->  M.find(a=1).count()
    M.objects(a=1).get(b=2)                              ->  M.find(a=1).find(b=2).get()
    M.objects.get(id=x)                                  ->  M.get(id=x)
    M.create(**kw)  (a statement)                        ->  M(**kw).save()
    x = M.create(**kw)                                   ->  x = M(**kw); x.save()
    M.batch(b).ttl(60).create(**kw)                      ->  M(**kw).save(batch=b, ttl=60)
    M.objects(a=1).ttl(60).update(s__update={1})  ->  M.find(a=1).update(s__add={1}, ttl=60)
    M.objects(a=1).iff(n=1).delete()     ->  M.find(a=1).delete(if_conditions={"n": 1})

A native queryset has no ``len()``, no indexing and no truth value, and its ``all()``
returns a list: a queryset that ends a chain gets ``.all()`` where a list is needed
(``len(...)``, ``[i]``, ``if ...``, ``list(...)``, and where ``.all()`` was written).
cqlengine's ``BatchQuery`` becomes ``coodie.sync.BatchQuery`` when every use of the
module's batches is with converted models.

CU006: ``M.DoesNotExist`` -> ``DocumentNotFound``, ``M.MultipleObjectsReturned`` ->
``MultipleDocumentsFound`` (``except`` clauses, tuples of them, ``raise``,
``isinstance``...), and cqlengine's own exceptions imported from
``cassandra.cqlengine`` (``DoesNotExist``, ``LWTException``, ``ValidationError``...)
after ``mapping.EXCEPTIONS``, in modules that use converted models only.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.helpers import get_full_name_for_node

from coodie.compat.cqlengine.mapping import (
    EXCEPTIONS,
    FILTER_OPERATORS,
    QUERYSET_METHODS,
    UPDATE_KINDS,
    UPDATE_OPERATORS,
)
from coodie.operators import WRITE_OPTIONS, options_of
from coodie.query import QuerySetBase as QuerySet

from .imports import PlainCommand, maybe_unused, want_import
from .imports import dotted as dotted_node
from .models import Unconvertible, _module_bindings, _Names, cqlengine_name, todo_comment
from .project import Project, ast_dotted, converted_names, module_project, project_of

# -- the vocabulary, from the mapping table ---------------------------------------------------

_OPTION_TEXT = re.compile(r"^(\w+)=(\w*) write option$")


def _write_option(method: str) -> tuple[str, str | None] | None:
    """The write option a cqlengine chain method becomes (``ttl`` -> ``("ttl", None)``,
    ``if_exists`` -> ``("if_exists", "True")``), read from ``QUERYSET_METHODS``."""
    match = _OPTION_TEXT.match(QUERYSET_METHODS.get(method, ""))
    return None if match is None else (match[1], match[2] or None)


OPTION_METHODS: dict[str, tuple[str, str | None]] = {
    m: o for m in QUERYSET_METHODS if (o := _write_option(m)) is not None
}
"""``ttl()``, ``timestamp()``, ``batch()``, ``iff()``, ``if_exists()``: write options."""
INSERT_ONLY = frozenset(m for m, native in QUERYSET_METHODS.items() if native == "insert()")
"""``if_not_exists()``: coodie's ``insert()``, which answers instead of raising."""
FIND = QUERYSET_METHODS["filter"]
_TERMINALS = frozenset({"all", "first", "count", "get", "update", "delete", "create"})
BUILDERS = frozenset(
    m
    for m, native in QUERYSET_METHODS.items()
    if native == m and m not in _TERMINALS and callable(getattr(QuerySet, m, None))
) | ({"using"} if callable(getattr(QuerySet, "using", None)) else set())
"""Queryset methods spelled alike on both sides (``limit``, ``order_by``...).  ``using``
is one too on a queryset (the table's entry says what it means on a model)."""
_KEYWORDS = {
    m: frozenset(
        p.name
        for p in inspect.signature(getattr(QuerySet, m)).parameters.values()
        if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
    )
    for m in BUILDERS
}
"""The keyword arguments each of them takes in coodie."""
DUAL = frozenset(m for m in BUILDERS if m in WRITE_OPTIONS)
"""``consistency()``, ``timeout()``: queryset methods, and options of ``save()``."""
QUERYSET_ENTRIES = frozenset(QUERYSET_METHODS) - {"objects"}
"""What a chain on a queryset (a name bound to one) may start with."""
# What a cqlengine model class answers itself (its descriptors and class methods)
MODEL_ENTRIES = frozenset(
    {"objects", "filter", "all", "get", "create", "batch", "ttl", "timestamp", "consistency"}
    | {"iff", "if_not_exists", "if_exists", "using"}
)
_INSTANCE_WRITES = ("save", "update", "delete")
_CHAIN_OPTIONS = frozenset(OPTION_METHODS) | INSERT_ONLY
# Builtins that only iterate over their argument (a queryset iterates as well as a list)
_ITERATING = frozenset(
    {"sorted", "tuple", "set", "frozenset", "sum", "any", "all", "min", "max", "enumerate"}
    | {"zip", "map", "filter", "iter", "dict"}
)
_NEEDS_LIST = frozenset({"len", "reversed", "bool"})
_PER_MODEL = {"DoesNotExist", "MultipleObjectsReturned"}  # cqlengine's per-model classes
_NO_EQUAL = cst.AssignEqual(
    whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
)
_SPACE_COMMA = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def native_exception(name: str) -> tuple[str, str] | None:
    """``DoesNotExist`` -> ``("coodie.exceptions", "DocumentNotFound")`` (``EXCEPTIONS``)."""
    target = EXCEPTIONS.get(name)
    if target is None:
        return None
    module, _, native = target.rpartition(".")
    return module, native


# -- chains -----------------------------------------------------------------------------------


@dataclass
class _Link:
    """One step of a chain: ``.name`` (``call`` None) or ``.name(...)``."""

    name: str
    node: cst.Call | cst.Attribute  # the outermost node of the step
    call: cst.Call | None

    @property
    def attribute(self) -> cst.Attribute:
        node = self.call.func if self.call is not None else self.node
        assert isinstance(node, cst.Attribute)
        return node


def decompose(node: cst.BaseExpression) -> tuple[cst.BaseExpression, list[_Link]]:
    """``M.objects(a=1).limit(3)`` -> (``M``, [objects(...), limit(...)])."""
    links: list[_Link] = []
    while True:
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            links.append(_Link(node.func.attr.value, node, node))
            node = node.func.value
        elif isinstance(node, cst.Attribute):
            links.append(_Link(node.attr.value, node, None))
            node = node.value
        else:
            break
    links.reverse()
    return node, links


def _attach(link: _Link, value: cst.BaseExpression, name: str | None = None) -> cst.BaseExpression:
    """The link's step on a new receiver (and under a new name), formatting kept."""
    attribute = link.attribute.with_changes(value=value)
    if name is not None and name != link.name:
        attribute = attribute.with_changes(attr=cst.Name(name))
    if link.call is None:
        return attribute
    return link.call.with_changes(func=attribute)


def _reattach(node: cst.BaseExpression, links: Sequence[_Link]) -> cst.BaseExpression:
    for link in links:
        node = _attach(link, node)
    return node


def _keep_parens(dropped: cst.BaseExpression, node: cst.BaseExpression) -> cst.BaseExpression:
    """The parentheses of a step that goes, around what stays (line breaks need them)."""
    lpar = getattr(dropped, "lpar", ())
    if not lpar:
        return node
    return node.with_changes(
        lpar=[*lpar, *getattr(node, "lpar", ())], rpar=[*getattr(node, "rpar", ()), *dropped.rpar]
    )


def _keyword(name: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(keyword=cst.Name(name), value=value, equal=_NO_EQUAL)


def _append_args(args: Sequence[cst.Arg], extra: Sequence[cst.Arg]) -> list[cst.Arg]:
    """``args`` then ``extra``; a trailing comma stays trailing."""
    if not extra:
        return list(args)
    if not args:
        return [*(a.with_changes(comma=_SPACE_COMMA) for a in extra[:-1]), extra[-1]]
    last = args[-1]
    trailing = isinstance(last.comma, cst.Comma)
    out = [*args[:-1], last.with_changes(comma=_SPACE_COMMA)]
    out += [a.with_changes(comma=_SPACE_COMMA) for a in extra[:-1]]
    out.append(extra[-1].with_changes(comma=last.comma if trailing else cst.MaybeSentinel.DEFAULT))
    return out


def _string(text: str) -> cst.SimpleString:
    return cst.SimpleString('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')


class Refused(Exception):
    """A chain on a converted model that cannot be rewritten faithfully (the TODO's text)."""


@dataclass
class Rewrite:
    """A chain rewritten: the new expression and what its context must know."""

    node: cst.BaseExpression
    queryset: bool = False  # it ends on a queryset: the context decides about ``.all()``
    all_link: _Link | None = None  # the trailing ``.all()`` that was written, if any
    created: tuple[cst.Call, list[cst.Arg]] | None = None  # M(...).save(...): (M(...), args)
    batches: list[cst.BaseExpression] = field(default_factory=list)  # batch=... values
    all_written: bool = False  # ... or ``M.all()``, whose call became ``find()``


Step = Callable[[cst.BaseExpression], cst.BaseExpression]


def _step(link: _Link, name: str | None = None, args: Sequence[cst.Arg] | None = None) -> Step:
    """Put the link's step on what was built so far (renamed, with new arguments)."""

    def put(node: cst.BaseExpression) -> cst.BaseExpression:
        new = _attach(link, node, name)
        if args is not None:
            assert isinstance(new, cst.Call)
            new = new.with_changes(args=args)
        return new

    return put


def _parens_of(dropped: cst.BaseExpression) -> Step:
    return lambda node: _keep_parens(dropped, node)


def _find(args: Sequence[cst.Arg]) -> Step:
    return lambda node: cst.Call(func=cst.Attribute(value=node, attr=cst.Name(FIND)), args=args)


class _Chain:
    """Rewrites one chain on a converted model (``model()``) or on one of its
    instances (``instance()``); pure: the caller applies what it returns."""

    def __init__(
        self,
        base: cst.BaseExpression,
        links: list[_Link],
        module: cst.Module,
        *,
        queryset: bool = False,
        columns: dict[str, set[str]] | None = None,
    ) -> None:
        self.base = base
        self.links = links
        self.module = module
        self.columns = columns or {}  # column name -> the kinds of the models' columns
        self.on_queryset = queryset  # the receiver is a (native) queryset already
        self.head_args: list[cst.Arg] | None = None  # the leading find(...)'s arguments
        self.head_link: _Link | None = None  # the step it was written as
        self.steps: list[Step] = []
        self.filtered = False
        self.built: list[_Link] = []
        self.options: dict[str, cst.BaseExpression] = {}
        self.batches: list[cst.BaseExpression] = []

    def src(self, node: cst.CSTNode) -> str:
        return _one_line(self.module.code_for_node(node))

    # -- the queryset being built ------------------------------------------------------

    def _queryset(self) -> cst.BaseExpression:
        args = self.head_args or []
        head: cst.BaseExpression
        if self.on_queryset:
            head = self.base
        elif self.head_link is not None and self.head_link.call is not None:
            head = self.head_link.call.with_changes(
                func=self.head_link.attribute.with_changes(value=self.base, attr=cst.Name(FIND)),
                args=args,
            )
        else:
            head = _find(args)(self.base)
        for step in self.steps:
            head = step(head)
        return head

    def _filter(self, link: _Link) -> None:
        assert link.call is not None
        args = self._filters(link.call.args, link.name)
        if not self.on_queryset and self.head_link is None and self.head_args is None:
            if self.steps:
                self.head_args = args  # M.consistency(c).filter(a=1): M.find(a=1)...
            else:
                self.head_args, self.head_link = args, link
        else:
            self.steps.append(_step(link, FIND, args))
        self.filtered = True

    def _filters(self, args: Sequence[cst.Arg], where: str) -> list[cst.Arg]:
        out = []
        for arg in args:
            if arg.star == "**":
                out.append(arg)
                continue
            if arg.keyword is None:
                raise Refused(
                    f"{where}({self.src(arg)}): a positional filter (a column expression): "
                    f"write it as a keyword filter (col__gt=...) of {FIND}()"
                )
            key = arg.keyword.value
            new = self.filter_key(key)
            out.append(arg if new == key else arg.with_changes(keyword=cst.Name(new)))
        return out

    @staticmethod
    def filter_key(key: str) -> str:
        """A cqlengine filter keyword -> coodie's (``FILTER_OPERATORS``)."""
        if key.startswith("pk__token"):
            return key  # token ranges: spelled alike
        name, _, op = key.partition("__")
        if name == "pk":
            raise Refused(
                f"{key}=: pk is cqlengine's name for the partition key: name its column in {FIND}()"
            )
        if not op:
            return key
        if op not in FILTER_OPERATORS:
            raise Refused(f"{key}=: cqlengine has no filter operator __{op}: rewrite it")
        return f"{name}__{FILTER_OPERATORS[op]}"

    def _option_of(self, link: _Link) -> None:
        """``consistency(x)``/``timeout(x)``: a chain method that is also an option of
        the write it ends in."""
        assert link.call is not None
        if link.name == "timeout":
            _no_timeout(link.call)
        if len(link.call.args) != 1:
            raise Refused(f"{self.src(link.call)}: convert by hand")
        self.options[link.name] = link.call.args[0].value

    def _option(self, link: _Link) -> None:
        call = link.call
        assert call is not None
        if link.name in INSERT_ONLY:
            self.options[link.name] = cst.Name("True")
            return
        option, fixed = OPTION_METHODS.get(link.name) or (link.name, None)
        args = list(call.args)
        if fixed is not None:
            if args:
                raise Refused(f"{self.src(call)}: with arguments: convert by hand")
            self.options[option] = cst.parse_expression(fixed)
            return
        if option == "if_conditions":
            self.options[option] = self._conditions(call)
            return
        if len(args) != 1 or args[0].keyword is not None or args[0].star:
            raise Refused(f"{self.src(call)}: one positional argument expected: convert by hand")
        value = args[0].value
        if option == "timestamp" and _is_timedelta(value):
            raise Refused(
                "timestamp(timedelta): coodie takes a datetime or microseconds since the "
                "epoch: pass datetime.now(timezone.utc) + the delta"
            )
        if option == "batch":
            self.batches.append(value)
        self.options[option] = value

    def _conditions(self, call: cst.Call) -> cst.Dict:
        elements = []
        for arg in call.args:
            if arg.keyword is None or arg.star:
                raise Refused(f"{self.src(call)}: keyword conditions only: convert by hand")
            key = self.filter_key(arg.keyword.value)
            elements.append(cst.DictElement(_string(key), arg.value))
        if not elements:
            raise Refused("iff() without conditions: convert by hand")
        return cst.Dict(
            [*(e.with_changes(comma=_SPACE_COMMA) for e in elements[:-1]), elements[-1]]
        )

    def _option_args(self, method: str, what: str) -> list[cst.Arg]:
        """The options gathered, as keyword arguments of ``method`` (``options_of``)."""
        accepted = options_of(method)
        args = []
        for option, value in self.options.items():
            if option in INSERT_ONLY:
                raise Refused(
                    "if_not_exists(): coodie's insert() answers (result.applied) where "
                    "cqlengine raises LWTException: write M(...).insert() and test .applied"
                )
            if option not in accepted:
                raise Refused(
                    f"{option}= on {what}: coodie's takes no {option}= (and cqlengine's "
                    "ignores it): drop it"
                )
            args.append(_keyword(option, value))
        return args

    # -- whole chains ------------------------------------------------------------------

    def model(self) -> Rewrite | None:
        """A chain on a converted model (or, made with ``queryset=True``, on a queryset
        of one); None when it is not a cqlengine chain (or needs no change)."""
        links = self.links
        entries = QUERYSET_ENTRIES if self.on_queryset else MODEL_ENTRIES
        if not links or links[0].name not in entries:
            return None
        for i, link in enumerate(links):
            name, call = link.name, link.call
            rest = links[i + 1 :]
            if i == 0 and name == "objects" and call is None:
                self.base = _keep_parens(link.node, self.base)
                if not rest:
                    return Rewrite(self._queryset(), queryset=True)  # M.objects alone
                continue
            if call is None:
                if i == 0:
                    return None  # M.get (a reference), M.filter...
                raise Refused(f".{name} of a queryset: convert by hand")
            if (
                name == "get"
                and not self.on_queryset
                and self.head_link is None
                and not self.steps
                and not self.options
            ):
                return self._get(link, rest, plain=i == 0)
            if name == "create":
                return self._create(link, rest)
            if name in ("objects", "filter"):
                if name == "objects" and i:
                    raise Refused("objects(...) of a queryset: convert by hand")
                self._filter(link)
            elif name == "all" and not call.args:
                if not rest:
                    self._pending()
                    fresh = self.head_link is None and self.head_args is None and not self.steps
                    if fresh and not self.on_queryset:
                        self.head_link = link  # M.all(): M.find() where all() was
                        return Rewrite(self._queryset(), queryset=True, all_written=True)
                    return Rewrite(self._queryset(), queryset=True, all_link=link)
                self.steps.append(_parens_of(link.node))
            elif name in _CHAIN_OPTIONS:
                self._option(link)
            elif name in BUILDERS:
                if i == 0 and name not in ("consistency", "using") and not self.on_queryset:
                    return None  # not a cqlengine class method
                if name == "using" and any(a.keyword is None for a in call.args):
                    raise Refused("using() with positional arguments: name them (keyspace=...)")
                unknown = [
                    a.keyword.value
                    for a in call.args
                    if a.keyword is not None and a.keyword.value not in _KEYWORDS[name]
                ]
                if unknown:
                    raise Refused(
                        f"{name}({unknown[0]}=...): coodie's {name}() takes no {unknown[0]}=: "
                        "pass the value positionally"
                    )
                if name == "timeout":
                    _no_timeout(call)
                self.built.append(link)
                self.steps.append(_step(link))
            elif name in ("first", "count"):
                self._read(name)
                if call.args:
                    raise Refused(f"{name}() with arguments: convert by hand")
                self.steps.append(_step(link))
                return self._after(self._queryset(), rest, instance=name == "first")
            elif name == "get":
                self._read(name)
                self._no_positional(call, "get")
                if call.args:
                    args = self._filters(call.args, "get")
                    if not self.on_queryset and self.head_link is None and self.head_args is None:
                        self.head_args = args  # M.consistency(c).get(k=1): M.find(k=1)...
                    else:
                        self.steps.append(_find(args))
                self.steps.append(_step(link, args=[]))
                return self._after(self._queryset(), rest, instance=True)
            elif name in ("update", "delete"):
                return self._write(link, rest)
            else:
                if i == 0:
                    return None
                raise Refused(f"{name}() is not a queryset method coodie knows: convert by hand")
        self._pending()
        return Rewrite(self._queryset(), queryset=True)

    def _pending(self) -> None:
        """A queryset that ends the chain keeps no write option: coodie's go to the
        write itself."""
        if self.options:
            names = ", ".join(f"{o}=" for o in self.options)
            raise Refused(
                f"a queryset with write options ({names}): coodie takes them in the write "
                "itself: pass them to its update() or delete()"
            )

    def _get(self, link: _Link, rest: list[_Link], *, plain: bool) -> Rewrite | None:
        """``M.get(...)`` stays; ``M.objects.get(...)`` becomes it."""
        call = link.call
        assert call is not None
        self._no_positional(call, "get")
        node = call.with_changes(
            func=link.attribute.with_changes(value=self.base, attr=cst.Name("get"))
        )
        if plain:  # M.get(...) stays; what follows may change
            follow = (
                _Chain(node, rest, self.module, columns=self.columns).instance() if rest else None
            )
            if follow is not None:
                follow.batches[:0] = self.batches
            return follow
        return self._after(node, rest, instance=True)

    def _read(self, name: str) -> None:
        if self.options:
            raise Refused(
                f"{', '.join(self.options)} before {name}(): write options do not apply to a "
                "read: drop them"
            )

    def _no_positional(self, call: cst.Call, name: str) -> None:
        if any(a.keyword is None and not a.star for a in call.args):
            raise Refused(
                f"{name}() with positional arguments (column expressions): write keyword "
                "filters (col__gt=...)"
            )

    def _create(self, link: _Link, rest: list[_Link]) -> Rewrite:
        call = link.call
        assert call is not None
        if self.on_queryset:
            raise Refused("create() on a queryset: write M(...).save() with its model M")
        if self.filtered or any(b.name not in DUAL for b in self.built):
            raise Refused(
                "create() on a filtered or shaped queryset, or after using(): write "
                "M(...).save() (with Settings.keyspace/connection for using())"
            )
        if any(a.keyword is None and not a.star for a in call.args):
            raise Refused("create() with positional arguments: name the fields")
        for built in self.built:  # consistency(), timeout(): options of save()
            self._option_of(built)
        options = self._option_args("save", "save()")
        constructor = cst.Call(
            func=self.base,
            args=call.args,
            whitespace_after_func=call.whitespace_after_func,
            whitespace_before_args=call.whitespace_before_args,
        )
        save = cst.Call(
            func=cst.Attribute(value=constructor, attr=cst.Name("save")),
            args=options,
            lpar=call.lpar,
            rpar=call.rpar,
        )
        created = (constructor, options) if not rest else None
        return Rewrite(_reattach(save, rest), created=created, batches=self.batches)

    def _write(self, link: _Link, rest: list[_Link]) -> Rewrite:
        call = link.call
        assert call is not None
        method = f"QuerySet.{link.name}"
        options = self._option_args(method, f"a queryset's {link.name}()")
        args: list[cst.Arg] = []
        if link.name == "update":
            taken = options_of(method)
            for arg in call.args:
                if arg.star == "**":
                    args.append(arg)
                    continue
                if arg.keyword is None:
                    raise Refused("update() with positional arguments: convert by hand")
                key = arg.keyword.value
                column, _, op = key.partition("__")
                if not op and self.columns.get(column) == {"Map"}:
                    new = self._map_assignment(column, arg.value)
                    arg = arg.with_changes(keyword=cst.Name(new)) if new != key else arg
                elif op:
                    new = self._operator(key, column, op)
                    if new in taken:
                        raise Refused(
                            f"the field {new} has the name of an option of update(): pass it "
                            f'in a dict: update({{"{new}": ...}})'
                        )
                    arg = arg.with_changes(keyword=cst.Name(new)) if new != key else arg
                elif key in taken:
                    raise Refused(
                        f"the field {key} has the name of an option of update(): pass it in "
                        f'a dict: update({{"{key}": ...}})'
                    )
                args.append(arg)
        elif call.args:
            raise Refused("delete() with arguments: convert by hand")
        self.steps.append(_step(link, args=_append_args(args, options)))
        return Rewrite(_reattach(self._queryset(), rest), batches=self.batches)

    def _operator(self, key: str, column: str, op: str) -> str:
        """``col__op=`` as cqlengine reads it, by the column's class (``UPDATE_KINDS``):
        the suffixes of its kind, and any other a plain assignment (``s__update={1}``
        replaces a set), except on a map, where cqlengine sets each key given."""
        if op not in UPDATE_OPERATORS:
            raise Refused(
                f"{key}=: cqlengine has no update operator __{op} (it assigns the value): "
                f"write {column}= to assign, or the collection's operator you meant"
            )
        kinds = self.columns.get(column, set())
        if len(kinds) != 1:
            raise Refused(
                f"{key}=: cqlengine reads __{op} by the column's class, unknown here: write "
                f"{column}__add= for a map, {column}= for a set or a list, or the "
                "collection's own operator"
            )
        (kind,) = kinds
        if op in UPDATE_KINDS.get(kind, ()):
            return f"{column}__{UPDATE_OPERATORS[op]}"
        if kind == "Map":
            if op == "remove":  # pragma: no cover - remove is a Map suffix
                return f"{column}__remove"
            raise Refused(
                f"{key}=: cqlengine sets each key given (a merge), and clears the map with "
                f"{{}}: write {column}__add= to merge, or {column}= to replace"
            )
        return column  # cqlengine assigns: the whole value replaces the column's

    def _map_assignment(self, column: str, value: cst.BaseExpression) -> str:
        """``m={...}`` on a map: cqlengine sets each key given (a merge), ``{}`` clears it,
        None deletes it; a value of unknown size stays, with a TODO."""
        if isinstance(value, cst.Dict) and value.elements:
            return f"{column}__add"
        if (isinstance(value, cst.Dict) and not value.elements) or (
            isinstance(value, cst.Name) and value.value == "None"
        ):
            return column
        raise Refused(
            f"{column}=: cqlengine merges a non-empty dict into the map column (it sets each "
            f"key given) and clears it with {{}}: write {column}__add= to merge, or keep "
            f"{column}= to replace"
        )

    def _after(self, node: cst.BaseExpression, rest: list[_Link], *, instance: bool) -> Rewrite:
        """What follows a read: an instance's write options are rewritten too."""
        if instance and rest:
            follow = _Chain(node, rest, self.module, columns=self.columns).instance()
            if follow is not None:
                follow.batches[:0] = self.batches
                return follow
        return Rewrite(_reattach(node, rest), batches=self.batches)

    def instance(self) -> Rewrite | None:
        """``x.ttl(60).save()`` -> ``x.save(ttl=60)``; None when there is nothing to do."""
        links = self.links
        i = 0
        while (
            i < len(links)
            and links[i].call is not None
            and (links[i].name in _CHAIN_OPTIONS or links[i].name in DUAL)
        ):
            i += 1
        if i == 0 or i == len(links) or links[i].name not in _INSTANCE_WRITES:
            return None
        terminal = links[i]
        call = terminal.call
        if call is None:
            return None
        for link in links[:i]:
            if link.name in DUAL:
                self._option_of(link)
            else:
                self._option(link)
        name = terminal.name
        options = self._option_args(name, f"{name}()")
        if name == "update":
            taken = options_of("update")
            clash = [a.keyword.value for a in call.args if a.keyword and a.keyword.value in taken]
            if clash:
                raise Refused(
                    f"the field {clash[0]} has the name of an option of update(): pass it in "
                    f'a dict: update({{"{clash[0]}": ...}})'
                )
        node = call.with_changes(
            func=terminal.attribute.with_changes(value=self.base),
            args=_append_args(call.args, options),
        )
        return Rewrite(_reattach(node, links[i + 1 :]), batches=self.batches)


"""Update suffixes whose meaning depends on the column's class (a map's in the table)."""


def _no_timeout(call: cst.Call) -> None:
    """cqlengine's ``timeout(None)`` waits forever; coodie's ``None`` is the default."""
    if any(isinstance(a.value, cst.Name) and a.value.value == "None" for a in call.args):
        raise Refused(
            "timeout(None): cqlengine waits without limit, coodie's None is the session's "
            "default timeout: pass math.inf"
        )


def _is_timedelta(node: cst.BaseExpression) -> bool:
    if not isinstance(node, cst.Call):
        return False
    return (get_full_name_for_node(node.func) or "").rpartition(".")[2] == "timedelta"


def cqlengine_pattern(links: Sequence[_Link]) -> tuple[int, str] | None:
    """Where a chain on a receiver of unknown type is plainly cqlengine's: the index of
    the step and the kind of receiver it needs (``model`` or ``instance``)."""
    for j, link in enumerate(links):
        if link.name == "objects":
            if link.call is not None and link.call.args:
                return j, "model"
            if (
                link.call is None
                and j + 1 < len(links)
                and links[j + 1].call is not None
                and links[j + 1].name in QUERYSET_METHODS
            ):
                return j, "model"
        if link.name in _CHAIN_OPTIONS and link.call is not None:
            k = j + 1
            while k < len(links) and (links[k].name in _CHAIN_OPTIONS or links[k].name in DUAL):
                k += 1
            if k < len(links) and links[k].call is not None:
                if links[k].name == "create":
                    return j, "model"
                if links[k].name in _INSTANCE_WRITES:
                    return j, "instance"
    return None


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text.replace("( ", "(").replace(" )", ")").replace(", )", ")")


# -- what a module knows about its names -----------------------------------------------------


def _column_kinds(project: Project | None) -> dict[str, set[str]]:
    """Each column name of the known models, and the classes of the columns so named."""
    kinds: dict[str, set[str]] = {}
    if project is not None:
        for q, info in project.classes.items():
            if project.kinds.get(q) == "model":
                for column in info.columns:
                    kinds.setdefault(column.name, set()).add(column.kind)
    return kinds


class _Receivers:
    """Which spellings of a module denote converted models, and which cqlengine ones
    that stay (their calls are left alone, without a TODO)."""

    def __init__(self, context: CodemodContext, module: cst.Module) -> None:
        self.converted = {k for k, v in converted_names(context, module).items() if v == "model"}
        imported, bound, functions = _module_bindings(
            module, context.full_module_name, (context.filename or "").endswith("__init__.py")
        )
        self.names = _Names(imported, bound, functions)
        self.local_classes = {s.name.value for s in module.body if isinstance(s, cst.ClassDef)}
        self.project = project_of(context)
        self.left_models: set[str] = set()  # the module's models that stay cqlengine's
        self.native: set[str] = set()  # its coodie documents (converted by an earlier run)
        models: set[str] = set()
        for stmt in module.body:
            if not isinstance(stmt, cst.ClassDef):
                continue
            bases = [b.value for b in stmt.bases]
            if any(self._is_model_base(b, models) for b in bases):
                models.add(stmt.name.value)
                if stmt.name.value not in self.converted:
                    self.left_models.add(stmt.name.value)
            elif any(
                self.names.qualified(b) == "coodie.sync.Document"
                or get_full_name_for_node(b) in self.native
                for b in bases
            ):
                self.native.add(stmt.name.value)
        self.columns = _column_kinds(module_project(context))
        self.aliases: list[dict[str, str]] = []  # cls/self in the methods being visited
        self._tree = context.scratch.get("ast")
        self._everywhere: dict[str, str] | None = None

    def qualified(self, node: cst.BaseExpression) -> str | None:
        """The qualified name of a (dotted) name, through the module's imports, or else
        through the imports made in its functions (``import ... as cq`` in a test)."""
        qualified = self.names.qualified(node)
        full = get_full_name_for_node(node) or ""
        head, _, rest = full.partition(".")
        if head in self.names.imported or not isinstance(self._tree, ast.Module):
            return qualified
        if self._everywhere is None:
            self._everywhere = {}
            for stmt in ast.walk(self._tree):
                if isinstance(stmt, ast.Import):
                    for alias in stmt.names:
                        local = alias.asname or alias.name.split(".")[0]
                        self._everywhere[local] = alias.name if alias.asname else local
                elif isinstance(stmt, ast.ImportFrom) and stmt.module and not stmt.level:
                    for alias in stmt.names:
                        self._everywhere[alias.asname or alias.name] = f"{stmt.module}.{alias.name}"
        if head in self._everywhere:
            return self._everywhere[head] + (f".{rest}" if rest else "")
        return qualified

    def kind(self, node: cst.BaseExpression) -> str | None:
        """``model``, ``instance`` (of a converted model), ``left`` (cqlengine's, staying)
        or None (unknown)."""
        if isinstance(node, cst.Call):  # M(...): an instance
            of = self.kind(node.func)
            return {"model": "instance", "left": "left"}.get(of or "")
        if not isinstance(node, cst.Name | cst.Attribute):
            return None
        full = get_full_name_for_node(node)
        if full is None:
            return None
        for aliases in reversed(self.aliases):
            if full in aliases:
                return aliases[full] or None  # "": a parameter hiding a name
            if full.split(".")[0] in aliases:
                return None
        if full in self.converted or full in self.native:
            return "model"
        if full in self.left_models:
            return "left"
        if self.project is not None:  # a class of another module (through its module)
            qualified = self.names.qualified(node)
            kind = self.project.kind(qualified) if qualified is not None else None
            if kind is not None:
                converts = self.project.converts(qualified)  # type: ignore[arg-type]
                return "model" if kind == "model" and converts else "left"
        return None

    def heads(self) -> set[str]:
        """The first names of the spellings of converted models (``models`` of
        ``models.User``), and the names imported from modules of the tree."""
        heads = {spelled.split(".")[0] for spelled in self.converted}
        if self.project is not None and self.project.kinds:
            modules = {q.rpartition(".")[0] for q in self.project.kinds}
            heads |= {local for local, q in self.names.imported.items() if q in modules}
        return heads

    def uses_left_models(self) -> bool:
        """Does the module define or import a cqlengine model that stays one?"""
        if self.left_models:
            return True
        if self.project is not None:
            for local, qualified in self.names.imported.items():
                if (
                    local not in self.converted
                    and self.project.kind(qualified) == "model"
                    and not self.project.converts(qualified)
                ):
                    return True
        return False

    def _is_model_base(self, node: cst.BaseExpression, models: set[str]) -> bool:
        """Is this base cqlengine's ``Model``, or a model (of the module or the tree)?"""
        qualified = self.names.qualified(node)
        if cqlengine_name(qualified) == "models.Model":
            return True
        if get_full_name_for_node(node) in models:
            return True
        return (
            self.project is not None
            and qualified is not None
            and self.project.kind(qualified) == "model"
        )


# -- the commands -----------------------------------------------------------------------------


class _CallsCommand(PlainCommand):
    """What CU005 and CU006 share: the receivers, a stack of the nodes being visited
    (for the context of an expression), TODO comments on statements, imports."""

    RULE = ""
    _TARGETS = (
        cst.SimpleStatementLine,
        cst.BaseCompoundStatement,
        cst.ExceptHandler,
    )

    def __init__(self, context: CodemodContext) -> None:
        super().__init__(context)
        self.rewrites = 0
        self._stack: list[cst.CSTNode] = []
        self._statements: list[cst.CSTNode] = []
        self._todos: dict[int, list[str]] = {}
        self._elifs: set[int] = set()
        self._receivers: _Receivers | None = None
        self._module: cst.Module | None = None
        self._classes: list[tuple[str, str | None]] = []  # (name, kind of its instances)
        self._remove: set[tuple[str, str]] = set()
        self._skip_tops: set[str] = set()

    @property
    def receivers(self) -> _Receivers:
        assert self._receivers is not None
        return self._receivers

    @property
    def module(self) -> cst.Module:
        assert self._module is not None
        return self._module

    def visit_Module(self, node: cst.Module) -> bool:
        self._module = node
        self._receivers = _Receivers(self.context, node)
        self.rewrites = 0
        return True

    # -- the stack of nodes ------------------------------------------------------------

    def on_visit(self, node: cst.CSTNode) -> bool:
        self._stack.append(node)
        if isinstance(node, self._TARGETS) and id(node) not in self._elifs:
            self._statements.append(node)
        if isinstance(node, cst.If) and isinstance(node.orelse, cst.If):
            self._elifs.add(id(node.orelse))
        visit = super().on_visit(node)
        if (
            self._skip_tops
            and isinstance(node, cst.FunctionDef | cst.ClassDef)
            and node.name.value in self._skip_tops
            and len(self._stack) == 2  # a module-level one
        ):
            return False  # nothing there for this rule (the module's ast says)
        return visit

    def skip_tops(self, relevant: Callable[[ast.AST], bool]) -> None:
        """Set aside the module-level functions and classes in which no node is
        ``relevant`` (read on the module's ``ast``, far cheaper than visiting them)."""
        tree = self.context.scratch.get("ast")
        if not isinstance(tree, ast.Module):
            return
        seen: dict[str, int] = {}
        skip: set[str] = set()
        for stmt in tree.body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                seen[stmt.name] = seen.get(stmt.name, 0) + 1
                if not any(relevant(n) for n in ast.walk(stmt)):
                    skip.add(stmt.name)
        self._skip_tops = {name for name in skip if seen[name] == 1}

    def on_leave(  # type: ignore[override]
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]:
        try:
            result = super().on_leave(original_node, updated_node)
        finally:
            self._stack.pop()
        if self._statements and self._statements[-1] is original_node:
            self._statements.pop()
            whys = self._todos.pop(id(original_node), None)
            if isinstance(original_node, cst.SimpleStatementLine) and _has_todo(
                original_node, self.RULE
            ):
                # left by an earlier run: its reason may no longer be visible (its model
                # is native by now), so it stays as it is, for the reader of the TODO
                return original_node
            if whys and isinstance(result, cst.FlattenSentinel) and result.nodes:
                first, *others = result.nodes
                result = cst.FlattenSentinel([_with_todos(first, self.RULE, whys), *others])
            elif whys and isinstance(result, cst.CSTNode):
                result = _with_todos(result, self.RULE, whys)
        return result

    def parent(self, depth: int = 1) -> cst.CSTNode | None:
        index = len(self._stack) - 1 - depth
        return self._stack[index] if index >= 0 else None

    def todo(self, why: str) -> None:
        if self._statements:
            whys = self._todos.setdefault(id(self._statements[-1]), [])
            if why not in whys:
                whys.append(why)

    # -- cls and self in the methods of models ------------------------------------------

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        name = node.name.value
        kind: str | None = None
        if not self._classes and self._receivers is not None:
            kind = {"model": "instance", "left": "left"}.get(
                self.receivers.kind(cst.Name(name)) or ""
            )
        self._classes.append((name, kind))
        self.receivers.aliases.append({})
        return True

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        self._classes.pop()
        self.receivers.aliases.pop()
        return updated_node

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        aliases: dict[str, str] = {}
        parent = self.parent()
        in_class = isinstance(parent, cst.IndentedBlock) and isinstance(
            self.parent(2), cst.ClassDef
        )
        if in_class and self._classes and self._classes[-1][1] is not None and node.params.params:
            instances = self._classes[-1][1]
            assert instances is not None
            decorators = {get_full_name_for_node(d.decorator) for d in node.decorators}
            first = node.params.params[0].name.value
            if "classmethod" in decorators:
                aliases[first] = "model" if instances == "instance" else "left"
            elif "staticmethod" not in decorators:
                aliases[first] = instances
        # the parameters hide the names they shadow
        for param in (*node.params.params, *node.params.kwonly_params, *node.params.posonly_params):
            aliases.setdefault(param.name.value, "")
        self.receivers.aliases.append(aliases)
        return True

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        self.receivers.aliases.pop()
        return updated_node

    # -- imports -----------------------------------------------------------------------

    def spell(self, module: str, name: str) -> str | None:
        """How the module spells ``module.name`` (an import is added when needed)."""
        try:
            return self.receivers.names.spell(module, name)
        except Unconvertible:
            return None

    def note_removed(self, node: cst.BaseExpression) -> None:
        """The cqlengine import a replaced expression came through (it may go)."""
        full = get_full_name_for_node(node) or ""
        head = full.split(".")[0]
        qualified = self.receivers.names.imported.get(head)
        if qualified is None or cqlengine_name(qualified) is None:
            return
        module, _, name = qualified.rpartition(".")
        if head == full and module:
            self._remove.add((module, name))
        else:
            self._remove.add((qualified, ""))

    def ask_imports(self) -> None:
        """Ask the engine for the imports the rewrites need, and to drop the cqlengine
        imports they may have left unused (it does both once, after the last rule)."""
        for module, name in dict.fromkeys(self.receivers.names.wanted):
            want_import(self.context, module, name)
        for module, name in self._remove:
            maybe_unused(self.context, module, name)


def _has_todo(node: cst.SimpleStatementLine, rule: str) -> bool:
    mark = todo_comment(rule, "")
    return any(
        line.comment is not None and line.comment.value.startswith(mark)
        for line in node.leading_lines
    )


def _with_todos(node: cst.CSTNode, rule: str, whys: Iterable[str]) -> cst.CSTNode:
    """The statement with the rule's TODO comments above it; none when it has one of
    the rule's already (a later run: its receivers may be known otherwise by then)."""
    lines = list(node.leading_lines)  # type: ignore[attr-defined]
    present = {line.comment.value for line in lines if line.comment is not None}
    mark = todo_comment(rule, "")
    if any(text.startswith(mark) for text in present):
        return node
    for why in whys:
        text = todo_comment(rule, why)
        if text not in present:
            lines.append(cst.EmptyLine(comment=cst.Comment(text)))
            present.add(text)
    return node.with_changes(leading_lines=lines)


# -- CU005 ------------------------------------------------------------------------------------


class CallsCommand(_CallsCommand):
    """CU005 (see the module's docstring); ``rewrites`` counts the call sites rewritten."""

    DESCRIPTION: str = "Rewrite queryset and create() calls on converted models (CU005)."
    RULE = "CU005"
    _ATTRS = MODEL_ENTRIES | frozenset(QUERYSET_METHODS) | frozenset(_INSTANCE_WRITES)

    def __init__(self, context: CodemodContext) -> None:
        super().__init__(context)
        self._unwrap: set[int] = set()
        self._created: dict[int, tuple[cst.Call, list[cst.Arg]]] = {}
        self._batch = _BatchPlan()
        self._scopes: list[cst.CSTNode] = []  # the module, then the functions being visited
        self._emptied: set[int] = set()  # import lines removed (BatchQuery)
        self._plans: dict[int, dict[str, str]] = {}  # scope -> name -> what it holds

    @classmethod
    def applies(cls, tree: ast.Module) -> bool:
        return any(
            (isinstance(n, ast.Attribute) and n.attr in cls._ATTRS)
            or (isinstance(n, ast.alias) and n.name == "BatchQuery")
            for n in ast.walk(tree)
        )

    def visit_Module(self, node: cst.Module) -> bool:
        super().visit_Module(node)
        self._scopes = [node]
        self._plans = {}
        tree = self.context.scratch.get("ast")
        self._batch = _BatchPlan()
        if isinstance(tree, ast.Module) and self.receivers.converted:
            self._batch = _BatchPlan.of(tree, self.receivers)
        heads = self.receivers.heads()
        if self._batch.local:
            heads.add(self._batch.local)
        attrs = {"objects"} | _CHAIN_OPTIONS
        firsts: set[str] = set()  # the first parameters of methods (cls, self)

        def relevant(n: ast.AST) -> bool:
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.args.args:
                firsts.add(n.args.args[0].arg)  # (ast.walk meets the def before its body)
            if isinstance(n, ast.Name):
                return n.id in heads
            if isinstance(n, ast.Attribute):
                if n.attr in attrs:
                    return True
                return (
                    n.attr in self._ATTRS and isinstance(n.value, ast.Name) and n.value.id in firsts
                )
            return False

        self.skip_tops(relevant)
        return True

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        tree = super().transform_module_impl(tree)
        if self._batch.swap and self._batch.local:
            alias = "" if self._batch.local == "BatchQuery" else self._batch.local
            want_import(self.context, "coodie.sync", "BatchQuery", alias)
        self.ask_imports()
        return tree

    # -- chains ------------------------------------------------------------------------

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if (
            isinstance(updated_node.func, cst.Name)
            and updated_node.func.value == "list"
            and len(updated_node.args) == 1
            and id(updated_node.args[0].value) in self._unwrap
        ):
            return self._unwrapped(updated_node)
        return self._chain(original_node, updated_node)

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        return self._chain(original_node, updated_node)

    def _is_top(self, node: cst.CSTNode) -> bool:
        parent = self.parent()
        if isinstance(parent, cst.Attribute) and parent.value is node:
            return False
        return not (isinstance(parent, cst.Call) and parent.func is node)

    # -- names bound to querysets, lists and instances of converted models --------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        super().visit_FunctionDef(node)
        self._scopes.append(node)
        return True

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        self._scopes.pop()
        return super().leave_FunctionDef(original_node, updated_node)

    def _var(self, node: cst.CSTNode) -> str | None:
        """What a name of the function (or module) being visited holds: ``queryset``,
        ``list`` or ``instance`` (of a converted model), when every binding says so."""
        if not isinstance(node, cst.Name) or not self._scopes:
            return None
        return self._plans.get(id(self._scopes[-1]), {}).get(node.value)

    def _kind(self, node: cst.BaseExpression) -> str | None:
        return self._var(node) or self.receivers.kind(node)

    def _receiver(
        self, root: cst.BaseExpression, links: list[_Link]
    ) -> tuple[cst.BaseExpression, list[_Link], str | None]:
        """The receiver of a chain: the longest dotted prefix that names something
        known (``models.M``), the steps after it, and its kind."""
        base: cst.BaseExpression = root
        start = 0
        kind = self._kind(root)
        for i, link in enumerate(links):
            if kind is not None or link.call is not None:
                break
            found = self.receivers.kind(link.node)
            if found is not None:
                base, start, kind = link.node, i + 1, found
        return base, links[start:], kind

    def binding(self, value: cst.BaseExpression, name: str) -> str | None:
        """What a value bound to ``name`` is: ``queryset``, ``list``, ``instance``,
        ``self`` (a queryset chain on the name itself) or None (something else)."""
        if isinstance(value, cst.Call) and self.receivers.kind(value.func) == "model":
            return "instance"
        root, links = decompose(value)
        if not links:
            return self._var(value) if isinstance(value, cst.Name) else None
        if isinstance(root, cst.Name) and root.value == name:
            last = links[-1]
            ends = last.call is not None and last.name in _TERMINALS - {"all"}
            return None if ends or last.name not in QUERYSET_ENTRIES else "self"
        base, rest, kind = self._receiver(root, links)
        if kind not in ("model", "queryset") or not rest:
            return None
        try:
            result = _Chain(
                base, rest, self.module, queryset=kind == "queryset", columns=self.receivers.columns
            ).model()
        except Refused:
            return None
        last = rest[-1]
        if result is not None and result.queryset:
            return "list" if result.all_link or result.all_written else "queryset"
        if last.call is not None and last.name in ("get", "first", "create"):
            return "instance"
        return None

    def _plan(self, value: cst.BaseExpression | None, target: cst.BaseExpression | None) -> None:
        """At the first binding of a name to a converted model's queryset, list or
        instance in a scope, read the scope's bindings and uses of its names."""
        scope = self._scopes[-1] if self._scopes else None
        if scope is None or id(scope) in self._plans or value is None:
            return
        if not isinstance(target, cst.Name) or self.binding(value, target.value) is None:
            return  # (a loop's target: _, over a queryset)
        self._plans[id(scope)] = _Scope.plan(self, scope)

    def visit_Assign(self, node: cst.Assign) -> bool:
        self._plan(node.value, node.targets[0].target if len(node.targets) == 1 else None)
        return True

    def visit_AnnAssign(self, node: cst.AnnAssign) -> bool:
        self._plan(node.value, node.target)
        return True

    def visit_For(self, node: cst.For) -> bool:
        if self.binding(node.iter, "") in ("queryset", "list"):
            self._plan(node.iter, cst.Name("_"))  # its target holds instances
        return True

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        if self._var(original_node) != "queryset":
            return updated_node
        context = self._context()
        if context not in ("list", "unwrap"):
            return updated_node
        node = cst.Call(func=cst.Attribute(value=updated_node, attr=cst.Name("all")))
        self.rewrites += 1
        if context == "unwrap":
            self._unwrap.add(id(node))
        return node

    # -- chains ------------------------------------------------------------------------

    def _chain(self, original: cst.CSTNode, updated: cst.BaseExpression) -> cst.BaseExpression:
        if not self._is_top(original):
            return updated
        root, links = decompose(updated)
        if not links:
            return updated
        base, rest, kind = self._receiver(root, links)
        if kind in ("model", "instance", "queryset"):
            return self._rewrite(updated, base, rest, kind)
        if kind is None:
            self._unknown(root, links)
        return updated

    def _rewrite(
        self, updated: cst.BaseExpression, base: cst.BaseExpression, links: list[_Link], kind: str
    ) -> cst.BaseExpression:
        chain = _Chain(
            base, links, self.module, queryset=kind == "queryset", columns=self.receivers.columns
        )
        try:
            result = chain.instance() if kind == "instance" else chain.model()
        except Refused as why:
            self.todo(str(why))
            return updated
        if result is None:
            return updated
        self._check_batches(result)
        node = result.node
        if result.queryset:
            node = self._in_context(
                node, result.all_link, result.all_written or result.all_link is not None
            )
        if result.created is not None:
            self._created[id(node)] = result.created
        if kind == "queryset" and self.module.code_for_node(node) == self.module.code_for_node(
            updated
        ):
            return updated  # (qs.count() on a name bound to a queryset: nothing to do)
        self.rewrites += 1
        return node

    def _check_batches(self, result: Rewrite) -> None:
        for value in result.batches:
            if isinstance(value, cst.Name) and value.value == "None":
                continue
            name = get_full_name_for_node(value)
            if not (self._batch.swap and name in self._batch.names):
                why = self._batch.why if name in self._batch.names or self._batch.local else ""
                self.todo(
                    f"batch={_one_line(self.module.code_for_node(value))} must be a "
                    f"coodie.sync.BatchQuery{f' ({why})' if why else ''}: put the converted "
                    "models' writes in a coodie batch"
                )

    def _in_context(
        self, node: cst.BaseExpression, all_link: _Link | None, all_written: bool
    ) -> cst.BaseExpression:
        """A queryset that ends a chain: ``.all()`` where the context needs a list."""
        context = self._context()
        parent = self.parent()
        if context == "other" and isinstance(parent, cst.Assign | cst.AnnAssign):
            target = parent.targets[0].target if isinstance(parent, cst.Assign) else parent.target
            held = self._var(target) if parent.value is self._stack[-1] else None
            if held is not None:
                all_written = held == "list"  # as the name's uses need it
        if context in ("unwrap", "list") or all_written:
            if all_link is not None:
                node = _attach(all_link, node)
            else:
                node = cst.Call(func=cst.Attribute(value=node, attr=cst.Name("all")))
        if context == "unwrap":
            self._unwrap.add(id(node))
        return node

    def _context(self) -> str:
        """How the expression being left is used: ``unwrap`` (``list(...)``), ``list``
        (``len``, ``[i]``, a truth value), ``iterate`` or ``other``."""
        node = self._stack[-1]
        parent = self.parent()
        if isinstance(parent, cst.Arg) and parent.value is node:
            call = self.parent(2)
            if isinstance(call, cst.Call) and isinstance(call.func, cst.Name):
                plain = parent.keyword is None and not parent.star
                if call.func.value == "list" and plain and len(call.args) == 1:
                    return "unwrap"
                if call.func.value in _NEEDS_LIST and plain:
                    return "list"
                if call.func.value in _ITERATING and plain:
                    return "iterate"
            return "other"
        return _consumed(node, parent)

    def _unwrapped(self, call: cst.Call) -> cst.BaseExpression:
        """``list(M.find(...).all())`` -> ``M.find(...).all()`` (in parentheses when it
        spans lines)."""
        arg = call.args[0]
        node = arg.value
        if "\n" in self.module.code_for_node(node) and not getattr(node, "lpar", ()):
            node = node.with_changes(
                lpar=[cst.LeftParen(whitespace_after=call.whitespace_before_args)],
                rpar=[cst.RightParen(whitespace_before=arg.whitespace_after_arg)],
            )
        if call.lpar:
            node = node.with_changes(
                lpar=[*call.lpar, *node.lpar],
                rpar=[*node.rpar, *call.rpar],
            )
        return node

    def _unknown(self, root: cst.BaseExpression, links: list[_Link]) -> None:
        found = cqlengine_pattern(links)
        if found is None:
            return
        at, kind = found
        receiver = root if at == 0 else links[at - 1].node
        if self._kind(receiver) is not None:
            return  # a cqlengine model that stays one, a list...
        spelled = _one_line(self.module.code_for_node(receiver))
        suggestion = ""
        try:
            chain = _Chain(receiver, links[at:], self.module, columns=self.receivers.columns)
            result = chain.model() if kind == "model" else chain.instance()
        except Refused as why:
            result, suggestion = None, f" ({why})"
        if result is not None:
            node = result.node
            if result.queryset and result.all_link is not None:
                node = _attach(result.all_link, node)
            code = _one_line(self.module.code_for_node(node))
            if len(code) <= 100:
                suggestion = f": {code}"
        what = "a model" if kind == "model" else "an instance of a model"
        self.todo(
            f"{spelled} is not {what} this run converted, and this is a cqlengine call: if "
            f"it is coodie's now, write it the coodie way{suggestion}"
        )

    # -- x = M.create(...) -> x = M(...); x.save() --------------------------------------

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        if len(updated_node.body) != 1:
            return updated_node
        small = updated_node.body[0]
        target: cst.BaseExpression | None = None
        if isinstance(small, cst.Assign) and len(small.targets) == 1:
            target = small.targets[0].target
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            target = small.target
        value = getattr(small, "value", None)
        if not isinstance(target, cst.Name) or value is None or id(value) not in self._created:
            return updated_node
        constructor, options = self._created[id(value)]
        if value.lpar:
            constructor = constructor.with_changes(lpar=value.lpar, rpar=value.rpar)
        first = updated_node.with_changes(body=[small.with_changes(value=constructor)])
        save = cst.Expr(
            cst.Call(
                func=cst.Attribute(value=cst.Name(target.value), attr=cst.Name("save")),
                args=options,
            )
        )
        return cst.FlattenSentinel([first, cst.SimpleStatementLine(body=[save])])

    # -- BatchQuery ----------------------------------------------------------------------

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom | cst.RemovalSentinel:
        if not self._batch.swap:
            return updated_node
        if updated_node.relative or updated_node.module is None:
            return updated_node
        module = get_full_name_for_node(updated_node.module) or ""
        if cqlengine_name(module + ".x") != "query.x" or isinstance(
            updated_node.names, cst.ImportStar
        ):
            return updated_node
        keep = [a for a in updated_node.names if get_full_name_for_node(a.name) != "BatchQuery"]
        if len(keep) == len(updated_node.names):
            return updated_node
        self.rewrites += 1
        if not keep:
            line = self.parent()
            if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1:
                self._emptied.add(id(line))
            return cst.RemoveFromParent()
        if updated_node.rpar is None:
            keep[-1] = keep[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(names=keep)

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        """A block whose first line (an import) went starts without blank lines."""
        body = updated_node.body
        if not body or not original_node.body or id(original_node.body[0]) not in self._emptied:
            return updated_node
        first = body[0]
        lines = list(getattr(first, "leading_lines", ()))
        while lines and lines[0].comment is None:
            lines.pop(0)
        return updated_node.with_changes(body=[first.with_changes(leading_lines=lines), *body[1:]])


_LIST_METHODS = frozenset(n for n in dir(list) if not n.startswith("_"))


class _Scope(cst.CSTVisitor):
    """The bindings and uses of the names of a scope (a function, with the functions
    inside it, or the module), read before the scope is rewritten: a name bound only to
    querysets of converted models stays a queryset if it is used as one (its calls are
    rewritten then), or becomes a list (``.all()`` where it is bound) if it is used as
    one (``len(x)``, ``x[0]``, ``if x``); a name bound only to instances is one."""

    def __init__(self, command: CallsCommand) -> None:
        self.command = command
        self.stack: list[cst.CSTNode] = []
        self.bindings: dict[str, list[str | None]] = {}
        self.uses: dict[str, set[str]] = {}
        self.done: set[int] = set()  # names whose binding was read with its value
        self.on_names: set[str] = set()  # names whose binding is a chain on another name

    @classmethod
    def plan(cls, command: CallsCommand, scope: cst.CSTNode) -> dict[str, str]:
        """What each name of the scope holds; read again while it changes (a name bound
        to ``qs.get()`` is an instance once ``qs`` is known to be a queryset)."""
        plans: dict[str, str] = {}
        for _ in range(3):
            command._plans[id(scope)] = plans
            reader = cls(command)
            found = reader.read(scope)
            if found == plans or not reader.on_names & (found.keys() - plans.keys()):
                return found
            plans = found
        return plans

    def read(self, scope: cst.CSTNode) -> dict[str, str]:
        reader = self
        if isinstance(scope, cst.FunctionDef):
            for param in (
                *scope.params.params,
                *scope.params.kwonly_params,
                *scope.params.posonly_params,
            ):
                reader.bind(param.name.value, None)
            scope.body.visit(reader)
        else:
            scope.visit(reader)
        plans: dict[str, str] = {}
        for name, kinds in reader.bindings.items():
            held = set(kinds)
            if None in held:
                continue
            uses = reader.uses.get(name, set())
            if held == {"instance"}:
                plans[name] = "instance"
            elif held & {"queryset", "list"} and held <= {"queryset", "list", "self"}:
                if "queryset" in uses:
                    plans[name] = "queryset"
                elif "list" in uses or "list" in held:
                    if "self" not in held:
                        plans[name] = "list"
                else:
                    plans[name] = "queryset"
        return plans

    def bind(self, name: str, kind: str | None) -> None:
        self.bindings.setdefault(name, []).append(kind)

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.stack.append(node)
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        super().on_leave(original_node)
        self.stack.pop()

    def _root(self, value: cst.BaseExpression) -> None:
        root = decompose(value)[0]
        if isinstance(root, cst.Name):
            self.on_names.add(root.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                held = self.command.binding(node.value, target.target.value)
                if held is None:
                    self._root(node.value)
                self.bind(target.target.value, held)
                self.done.add(id(target.target))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name) and node.value is not None:
            self.bind(node.target.value, self.command.binding(node.value, node.target.value))
            self.done.add(id(node.target))

    def visit_For(self, node: cst.For) -> None:
        if isinstance(node.target, cst.Name):
            held = self.command.binding(node.iter, "")
            if held is None:
                self._root(node.iter)
            self.bind(node.target.value, "instance" if held in ("queryset", "list") else None)
            self.done.add(id(node.target))

    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            name = alias.asname.name if alias.asname is not None else alias.name
            self.bind((get_full_name_for_node(name) or "").split(".")[0], None)
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                name = alias.asname.name if alias.asname is not None else alias.name
                self.bind(get_full_name_for_node(name) or "", None)
        return False

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) in self.done:
            return
        parent = self.stack[-2] if len(self.stack) > 1 else None
        if isinstance(parent, cst.Attribute) and parent.attr is node:
            return
        if isinstance(parent, cst.Arg) and parent.keyword is node:
            return
        if _is_store(self.stack):
            self.bind(node.value, None)
            return
        self.uses.setdefault(node.value, set()).add(self._use(node, parent))

    def _use(self, node: cst.Name, parent: cst.CSTNode | None) -> str:
        """``queryset`` (a queryset method), ``list`` (what a list does and a queryset
        does not), ``iterate`` (both do it) or ``other``."""
        if isinstance(parent, cst.Attribute) and parent.value is node:
            call = self.stack[-3] if len(self.stack) > 2 else None
            called = isinstance(call, cst.Call) and call.func is parent
            name = parent.attr.value
            if name == "count" and called and not call.args:  # type: ignore[union-attr]
                return "queryset"
            if name in _LIST_METHODS:
                return "list"
            if name in QUERYSET_ENTRIES or name in _CHAIN_OPTIONS:
                return "queryset"
            return "other"
        if isinstance(parent, cst.Arg) and parent.value is node:
            call = self.stack[-3] if len(self.stack) > 2 else None
            if isinstance(call, cst.Call) and isinstance(call.func, cst.Name):
                if call.func.value in _NEEDS_LIST:
                    return "list"
                if call.func.value in _ITERATING or call.func.value == "list":
                    return "iterate"
            return "other"
        return _consumed(node, parent)


def _consumed(node: cst.CSTNode, parent: cst.CSTNode | None) -> str:
    """How a statement or operator uses ``node``: ``list`` (indexed, or taken as a truth
    value), ``iterate`` (looped over) or ``other``."""
    if isinstance(parent, cst.Subscript) and parent.value is node:
        return "list"
    if isinstance(parent, cst.If | cst.While | cst.IfExp | cst.Assert) and parent.test is node:
        return "list"
    if isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, cst.Not):
        return "list"
    if isinstance(parent, cst.BooleanOperation):
        return "list"
    if isinstance(parent, cst.For | cst.CompFor) and parent.iter is node:
        return "iterate"
    return "other"


def _is_store(stack: Sequence[cst.CSTNode]) -> bool:
    """Is the name on top of the stack bound here (a target, a parameter...)?"""
    node = stack[-1]
    for parent in reversed(stack[:-1]):
        if isinstance(parent, cst.Element | cst.StarredElement | cst.Tuple | cst.List):
            node = parent
            continue
        if isinstance(parent, cst.AssignTarget | cst.AugAssign | cst.AnnAssign):
            return parent.target is node
        if isinstance(parent, cst.For | cst.CompFor):
            return parent.target is node
        if isinstance(parent, cst.NamedExpr):
            return parent.target is node
        if isinstance(parent, cst.AsName):
            return parent.name is node
        if isinstance(parent, cst.Del):
            return parent.target is node
        return isinstance(parent, cst.Param | cst.NameItem | cst.FunctionDef | cst.ClassDef)
    return False


@dataclass
class _BatchPlan:
    """Does cqlengine's ``BatchQuery`` become coodie's in this module?  Yes when the
    module imports it by name and every batch it makes (``with BatchQuery() as b``,
    ``b = BatchQuery()``) serves converted models only (``M.batch(b)...``,
    ``batch=b``, ``b.execute()``), with options coodie's takes."""

    swap: bool = False
    local: str | None = None  # the local name of cqlengine's BatchQuery
    names: set[str] = field(default_factory=set)  # the batches' names
    why: str = "no cqlengine BatchQuery imported by name here"  # when it stays cqlengine's

    _ACCEPTED = ("batch_type", "consistency")

    @classmethod
    def of(cls, tree: ast.Module, receivers: _Receivers) -> _BatchPlan:
        plan = cls()
        for stmt in ast.walk(tree):  # (in functions too)
            if (
                isinstance(stmt, ast.ImportFrom)
                and stmt.level == 0
                and stmt.module
                and cqlengine_name(f"{stmt.module}.BatchQuery") == "query.BatchQuery"
            ):
                for alias in stmt.names:
                    if alias.name == "BatchQuery":
                        plan.local = alias.asname or alias.name
        if plan.local is None:
            return plan
        parents: dict[int, ast.AST] = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                parents[id(child)] = node
        made: list[ast.Call] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id == plan.local:
                parent = parents.get(id(node))
                if isinstance(parent, ast.ImportFrom):
                    continue
                if not (isinstance(parent, ast.Call) and parent.func is node):
                    plan.why = f"{plan.local} is used other than as BatchQuery(...)"
                    return plan
                made.append(parent)
        with_models = False
        for call in made:
            unknown = [k.arg for k in call.keywords if k.arg not in cls._ACCEPTED]
            if len(call.args) > 1 or unknown or any(isinstance(a, ast.Starred) for a in call.args):
                plan.why = (
                    f"BatchQuery({', '.join(f'{k}=' for k in unknown) or '...'}): coodie's "
                    "takes batch_type and consistency only"
                )
                return plan
            parent = parents.get(id(call))
            if isinstance(parent, ast.withitem) and isinstance(parent.optional_vars, ast.Name):
                plan.names.add(parent.optional_vars.id)
            elif (
                isinstance(parent, ast.Assign)
                and len(parent.targets) == 1
                and isinstance(parent.targets[0], ast.Name)
            ):
                plan.names.add(parent.targets[0].id)
            else:
                plan.why = "a BatchQuery(...) is not bound to a name (with ... as b, b = ...)"
                return plan
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Name) and node.id in plan.names):
                continue
            parent = parents.get(id(node))
            if isinstance(node.ctx, ast.Store) and isinstance(parent, ast.withitem | ast.Assign):
                continue
            if isinstance(parent, ast.keyword) and parent.arg == "batch":
                continue
            if isinstance(parent, ast.Attribute) and parent.attr == "execute":
                continue
            if isinstance(parent, ast.Call) and node in parent.args and len(parent.args) == 1:
                func = parent.func
                if (
                    isinstance(func, ast.Attribute)
                    and func.attr == "batch"
                    and _on_converted_model(func.value, receivers)
                ):
                    with_models = True
                    continue
            plan.why = f"the batch {node.id} also serves code coodie-upgrade did not convert"
            return plan
        plan.swap = with_models
        return plan


def _on_converted_model(node: ast.expr, receivers: _Receivers) -> bool:
    """Is this (the receiver of ``.batch(b)``) a chain on a converted model?"""
    while True:
        dotted = ast_dotted(node)
        if dotted is not None and receivers.kind(dotted_node(dotted)) == "model":
            return True
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            node = node.value
        else:
            return False


# -- CU006 ------------------------------------------------------------------------------------


class ExceptionsCommand(_CallsCommand):
    """CU006 (see the module's docstring); ``rewrites`` counts the names replaced."""

    DESCRIPTION: str = "Rewrite cqlengine exceptions into coodie's (CU006)."
    RULE = "CU006"

    def __init__(self, context: CodemodContext) -> None:
        super().__init__(context)
        self._generic = False  # cqlengine's module-level exceptions become coodie's
        self._mixed = False  # ... or stay, with a TODO in except clauses
        self._skip: set[int] = set()  # per-model exceptions left (shadowing handlers)
        self._broad: dict[int, str] = {}  # handler -> the other models it now catches
        self._imported: set[str] = set()  # local names of cqlengine's exceptions
        self._same: set[str] = set()  # those coodie names alike (ValidationError)
        self._lwt: list[str | None] = []  # per handler visited: its LWTException's name

    @staticmethod
    def applies(tree: ast.Module) -> bool:
        return any(
            (isinstance(n, ast.Attribute) and n.attr in EXCEPTIONS)
            or (isinstance(n, ast.alias) and n.name.rpartition(".")[2] in EXCEPTIONS)
            for n in ast.walk(tree)
        )

    def visit_Module(self, node: cst.Module) -> bool:
        super().visit_Module(node)
        receivers = self.receivers
        project = receivers.project
        uses_converted = bool(receivers.converted) or (
            project is not None and any(project.converts(q) for q in project.kinds)
        )
        left = receivers.uses_left_models()
        self._generic = bool(receivers.converted) and not left
        self._mixed = uses_converted and not self._generic
        self._imported = {
            local
            for local, qualified in receivers.names.imported.items()
            if (cqlengine_name(qualified) or "").rpartition(".")[2] in EXCEPTIONS
        }
        names = self._imported
        self.skip_tops(
            lambda n: (
                (isinstance(n, ast.Attribute) and n.attr in EXCEPTIONS)
                or (isinstance(n, ast.Name) and n.id in names)
            )
        )
        return True

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        tree = super().transform_module_impl(tree)
        if self._same:
            tree = _drop_cqlengine_imports(tree, self._same)
            for name in sorted(self._same):
                want_import(self.context, "coodie.exceptions", name)
        if self.rewrites:
            self.ask_imports()
        return tree

    def leave_ExceptHandler(
        self, original_node: cst.ExceptHandler, updated_node: cst.ExceptHandler
    ) -> cst.ExceptHandler:
        """``except (A.DoesNotExist, B.DoesNotExist)`` -> ``except DocumentNotFound``."""
        if self._lwt:
            self._lwt.pop()
        caught = updated_node.type
        if not isinstance(caught, cst.Tuple):
            return updated_node
        seen: set[str] = set()
        kept: list[cst.BaseElement] = []
        for element in caught.elements:
            code = self.module.code_for_node(element.value)
            if code not in seen:
                seen.add(code)
                kept.append(element)
        if len(kept) == len(caught.elements):
            return updated_node
        if len(kept) == 1:
            return updated_node.with_changes(type=kept[0].value)
        last = caught.elements[-1]
        kept[-1] = kept[-1].with_changes(comma=last.comma)
        return updated_node.with_changes(type=caught.with_changes(elements=kept))

    # -- try statements: handlers that would shadow one another ----------------------

    def visit_Try(self, node: cst.Try) -> bool:
        # what each handler catches: native exception -> the receivers it came through
        handlers: list[dict[str, set[str]]] = []
        for handler in node.handlers:
            caught: dict[str, set[str]] = {}
            for element in _caught(handler.type):
                found = self._per_model(element) or self._generic_of(element)
                if found is not None:
                    caught.setdefault(found[0], set()).add(found[1])
            handlers.append(caught)
        clashing: set[str] = set()  # caught by two handlers, for different models
        for i, caught in enumerate(handlers):
            for native, receivers in caught.items():
                for earlier in handlers[:i]:
                    if native in earlier and earlier[native] | receivers != receivers:
                        clashing.add(native)
        if clashing:
            for handler in node.handlers:
                for element in _caught(handler.type):
                    found = self._per_model(element) or self._generic_of(element)
                    if found is not None and found[0] in clashing:
                        self._skip.add(id(element))
            self._todos.setdefault(id(node), []).append(
                "these handlers catch the not-found (or multiple-rows) errors of different "
                f"models, which coodie raises as one exception ({', '.join(sorted(clashing))}): "
                "the later handler would never run; split the try, or tell the models apart "
                "in one handler"
            )
            return True
        for handler in node.handlers:
            models = {
                found[1]
                for element in _caught(handler.type)
                if (found := self._per_model(element)) is not None
            }
            if models:
                others = self._other_lookups(node.body, models)
                if others:
                    self._broad[id(handler)] = ", ".join(sorted(others))
        return True

    def _other_lookups(self, body: cst.CSTNode, models: set[str]) -> set[str]:
        """The converted models other than ``models`` whose get() the body calls."""
        found: set[str] = set()
        receivers = self.receivers

        class Lookups(cst.CSTVisitor):
            def visit_Call(self, node: cst.Call) -> None:
                if isinstance(node.func, cst.Attribute) and node.func.attr.value == "get":
                    root, links = decompose(node.func.value)
                    for candidate in (root, *(link.node for link in links)):
                        name = get_full_name_for_node(candidate)
                        if (
                            name is not None
                            and name not in models
                            and receivers.kind(candidate) == "model"
                        ):
                            found.add(name)
                            break

        body.visit(Lookups())
        return found

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> bool:
        # ``except LWTException as e``: cqlengine's ``e.existing`` is the row (a dict),
        # coodie's ``existing`` a document and ``row`` the dict
        bound = node.name.name if node.name is not None else None
        lwt = (
            self._generic
            and node.type is not None
            and isinstance(bound, cst.Name)
            and any(self._generic_name(e) == "LWTException" for e in _caught(node.type))
        )
        self._lwt.append(bound.value if lwt and isinstance(bound, cst.Name) else None)
        if id(node) in self._broad:
            self._todos.setdefault(id(node), []).append(
                f"coodie raises DocumentNotFound for every model: this handler now also "
                f"catches a missing {self._broad[id(node)]} (looked up in the try): check it"
            )
        if self._mixed and node.type is not None:
            for element in _caught(node.type):
                if self._generic_name(element) is not None:
                    self._todos.setdefault(id(node), []).append(
                        "models converted to coodie raise coodie.exceptions' errors "
                        "(DocumentNotFound...) and cqlengine's models raise these: where this "
                        "code reaches both kinds, catch both"
                    )
                    break
        return True

    # -- the names -----------------------------------------------------------------------

    def _per_model(self, node: cst.BaseExpression) -> tuple[str, str] | None:
        """``M.DoesNotExist`` of a converted M -> (native name, receiver)."""
        if not isinstance(node, cst.Attribute) or node.attr.value not in _PER_MODEL:
            return None
        if self.receivers.kind(node.value) != "model":
            return None
        native = native_exception(node.attr.value)
        if native is None:  # pragma: no cover - both are in the table
            return None
        return native[1], get_full_name_for_node(node.value) or ""

    def _generic_name(self, node: cst.BaseExpression) -> str | None:
        """cqlengine's exception a name or dotted name denotes (``query.DoesNotExist``)."""
        if not isinstance(node, cst.Name | cst.Attribute):
            return None
        qualified = cqlengine_name(self.receivers.qualified(node))
        if qualified is None:
            return None
        name = qualified.rpartition(".")[2]
        return name if name in EXCEPTIONS else None

    def _generic_of(self, node: cst.BaseExpression) -> tuple[str, str] | None:
        if not self._generic:
            return None
        name = self._generic_name(node)
        native = native_exception(name) if name else None
        return None if native is None else (native[1], "")

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        if id(original_node) in self._skip:
            return updated_node
        if (
            self._lwt
            and self._lwt[-1] is not None
            and original_node.attr.value == "existing"
            and isinstance(original_node.value, cst.Name)
            and original_node.value.value == self._lwt[-1]
        ):
            self.rewrites += 1
            return updated_node.with_changes(attr=cst.Name("row"))
        found = self._per_model(original_node)
        if found is not None:
            return self._replace(updated_node, found[0])
        if self._generic_name(original_node) is not None:
            return self._generic_replace(original_node, updated_node)
        if original_node.attr.value in _PER_MODEL:
            self._unknown(original_node)
        return updated_node

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        if original_node.value not in self._imported or id(original_node) in self._skip:
            return updated_node
        parent = self.parent()
        if isinstance(parent, cst.Attribute) and parent.attr is original_node:
            return updated_node
        if isinstance(parent, cst.Arg) and parent.keyword is original_node:
            return updated_node
        if isinstance(
            parent, cst.ImportAlias | cst.AsName | cst.ClassDef | cst.FunctionDef | cst.Param
        ):
            return updated_node
        return self._generic_replace(original_node, updated_node)

    def _generic_replace(
        self, original: cst.Name | cst.Attribute, updated: cst.BaseExpression
    ) -> cst.BaseExpression:
        if not self._generic or not _in_load_position(self._stack):
            return updated
        name = self._generic_name(original)
        native = native_exception(name) if name else None
        if native is None:
            return updated
        if isinstance(original, cst.Name) and original.value == native[1]:
            # ``from cassandra.cqlengine import ValidationError``: the same name, imported
            # from coodie.exceptions instead (the import is swapped at the end)
            self._same.add(native[1])
            self.rewrites += 1
            return updated
        self.note_removed(original)
        return self._replace(updated, native[1])

    def _replace(self, node: cst.BaseExpression, native: str) -> cst.BaseExpression:
        spelled = self.spell("coodie.exceptions", native)
        if spelled is None:
            self.todo(
                f"the name {native} is taken in this module: import coodie.exceptions.{native} "
                f"under another name and use it here"
            )
            return node
        self.rewrites += 1
        new = cst.parse_expression(spelled)
        return new.with_changes(lpar=getattr(node, "lpar", ()), rpar=getattr(node, "rpar", ()))

    def _unknown(self, node: cst.Attribute) -> None:
        kind = self.receivers.kind(node.value)
        if kind is not None:
            return
        if isinstance(node.value, cst.Attribute) and node.value.attr.value in ("query", "models"):
            return  # x.query.DoesNotExist: cqlengine's module, reached some other way
        native = native_exception(node.attr.value)
        assert native is not None
        spelled = _one_line(self.module.code_for_node(node.value))
        self.todo(
            f"{spelled} is not a model this run converted: if it is coodie's now, "
            f"{spelled}.{node.attr.value} is {native[0]}.{native[1]}"
        )

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom:
        return updated_node

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Import(self, node: cst.Import) -> bool:
        return False


def _drop_cqlengine_imports(tree: cst.Module, names: set[str]) -> cst.Module:
    """The module without its top-level imports of these names from cqlengine."""
    body: list[cst.BaseStatement] = []
    for stmt in tree.body:
        if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
            small = stmt.body[0]
            if (
                isinstance(small, cst.ImportFrom)
                and not small.relative
                and small.module is not None
                and not isinstance(small.names, cst.ImportStar)
                and cqlengine_name((get_full_name_for_node(small.module) or "") + ".x")
            ):
                kept = [
                    a
                    for a in small.names
                    if a.asname is not None or get_full_name_for_node(a.name) not in names
                ]
                if not kept:
                    continue
                if len(kept) != len(small.names):
                    kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                    stmt = stmt.with_changes(body=[small.with_changes(names=kept)])
        body.append(stmt)
    return tree.with_changes(body=body)


def _caught(node: cst.BaseExpression | None) -> list[cst.BaseExpression]:
    """The classes an ``except`` clause names (one, or a tuple of them)."""
    if node is None:
        return []
    if isinstance(node, cst.Tuple):
        return [e.value for e in node.elements if isinstance(e, cst.Element)]
    return [node]


def _in_load_position(stack: Sequence[cst.CSTNode]) -> bool:
    """Is the node on top of the stack read (not assigned, not an attribute's name)?"""
    node = stack[-1]
    parent = stack[-2] if len(stack) > 1 else None
    if isinstance(parent, cst.AssignTarget) and parent.target is node:
        return False
    return not (isinstance(parent, cst.Attribute) and parent.attr is node)


__all__: Sequence[str] = [
    "BUILDERS",
    "INSERT_ONLY",
    "OPTION_METHODS",
    "CallsCommand",
    "ExceptionsCommand",
    "native_exception",
]
