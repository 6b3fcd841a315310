"""ORM queries compiled once per database connection, then run with new values.

Django builds and compiles a queryset each time it runs. For the small queries that every
acknowledgement runs, that costs more of the app server's CPU than the database spends
answering them: the API's token lookup took 260-420 µs to build and 180 µs to compile, and
100-130 µs to run. ``Prepared`` takes a function that builds the queryset from its values.
Its first run on a connection calls the function with marker values, compiles the queryset
and keeps the SQL; every run binds the new values where the markers were, runs that SQL and
turns the rows into what the queryset would give (model objects with their
``select_related`` objects and annotations, or ``values_list`` tuples), through the ORM's own
converters.

Only values that reach the SQL unchanged can be passed: text and whole numbers, compared
with exact lookups. A value the ORM changes on its way (``contains`` wraps it in ``%``, a
date becomes text on SQLite) is not found among the compiled parameters, and the first run
raises instead of running SQL that would leave it out. A query whose SQL depends on anything
else (the time, a setting) must take it as a value, or it stays as it was first compiled.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from weakref import WeakKeyDictionary

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model, QuerySet
from django.db.models.query import (  # type: ignore[attr-defined]  # not in the stubs
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)

Value = str | int
Result = TypeVar("Result")


@dataclass(frozen=True)
class _Compiled:
    sql: str
    arity: int  # how many values each run binds
    # Per parameter of the SQL: the index of the value to bind, or None and a constant.
    params: tuple[tuple[int | None, Any], ...]
    rows: Callable[[list[Any]], list[Any]]


class Prepared(Generic[Result]):
    """``build(*values)`` compiled once per connection; calling this runs it with ``values``.

    Returns a list of what iterating the queryset would give.
    """

    def __init__(
        self, build: Callable[..., QuerySet[Any, Result]], *, using: str = DEFAULT_DB_ALIAS
    ) -> None:
        self._build = build
        self._using = using
        # Per connection object (one per thread and alias): its compiler and converters.
        self._compiled: WeakKeyDictionary[BaseDatabaseWrapper, _Compiled] = WeakKeyDictionary()

    def __call__(self, *values: Value) -> list[Result]:
        connection = connections[self._using]
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled = self._compile(connection, values)
            self._compiled[connection] = compiled
        if len(values) != compiled.arity:
            raise TypeError(f"this query takes {compiled.arity} value(s), not {len(values)}")
        params = [
            values[index] if index is not None else constant for index, constant in compiled.params
        ]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        return compiled.rows(rows)

    def _compile(self, connection: BaseDatabaseWrapper, values: Sequence[Value]) -> _Compiled:
        salt = secrets.token_hex(8)
        markers = [_marker(value, index, salt) for index, value in enumerate(values)]
        queryset: Any = self._build(*markers)  # its private attributes are read below
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            raise TypeError("prefetched or known related objects are not supported")
        compiler = queryset.query.get_compiler(connection=connection)
        sql, compiled_params = compiler.as_sql()
        params: list[tuple[int | None, Any]] = []
        for param in compiled_params:
            index = next(
                (i for i, m in enumerate(markers) if type(param) is type(m) and param == m),
                None,
            )
            params.append((index, None if index is not None else param))
        bound = {index for index, _constant in params}
        for index, marker in enumerate(markers):
            if str(marker) in sql or index not in bound:
                raise ValueError(
                    f"value {index} does not reach the SQL as a parameter, unchanged: "
                    "only exact lookups of text and whole numbers can be prepared"
                )
        fields = [column for column, _sql, _alias in compiler.select[: compiler.col_count]]
        converters = compiler.get_converters(fields)

        def converted(rows: list[Any]) -> list[Any]:
            if not converters:
                return rows
            return list(compiler.apply_converters(rows, converters))

        if queryset._iterable_class is ValuesListIterable:
            return _Compiled(
                sql, len(markers), tuple(params), lambda rows: [*map(tuple, converted(rows))]
            )
        if queryset._iterable_class is not ModelIterable:
            raise TypeError("only querysets of model objects or of values_list tuples")
        db = queryset.db
        select, klass_info = compiler.select, compiler.klass_info
        annotations = list(compiler.annotation_col_map.items())
        assert klass_info is not None  # a queryset of model objects selects its model
        model: type[Model] = klass_info["model"]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        attnames = [column[0].target.attname for column in select[start:end]]
        related = get_related_populators(klass_info, select, db)

        def objects(rows: list[Any]) -> list[Any]:
            # What Django's ModelIterable does with each row.
            made = []
            for row in converted(rows):
                obj = model.from_db(db, attnames, row[start:end])
                for populator in related:
                    populator.populate(row, obj)
                for name, position in annotations:
                    setattr(obj, name, row[position])
                made.append(obj)
            return made

        return _Compiled(sql, len(markers), tuple(params), objects)


def _marker(value: Value, index: int, salt: str) -> Value:
    """A value of ``value``'s type that no query holds by chance (``salt``: random hex)."""
    if isinstance(value, str):  # text choices too
        return f"haven-prepared-{salt}-{index}"
    if isinstance(value, int) and not isinstance(value, bool):
        return -(10**15) - int(salt, 16) % 10**12 * 1000 - index
    raise TypeError(f"only text and whole numbers can be prepared, not {type(value).__name__}")
