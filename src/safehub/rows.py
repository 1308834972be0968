"""One row stored in one plain statement, for the busiest writes (a public report and its audit event).

`insert_row(obj)` does what `obj.save(force_insert=True)` does for a model without save signals: fields'
pre_save and database preparation, the INSERT, and the primary key and database-computed (generated) columns
read back with RETURNING. It skips Django's insert compiler, which costs several times more CPU than the
database spends storing one row (measured in ADR 35). Use Model.save everywhere else.
`insert_statement(obj)` is that INSERT unsent, for a statement that does more around it (audit.trail).
"""

from django.db import connection
from django.db.models.expressions import RawSQL


def insert_statement(obj):
    """(sql, params, returned fields) of the INSERT that stores `obj`, RETURNING its key and generated columns."""
    meta = obj._meta
    quote = connection.ops.quote_name
    columns, placeholders, params = [], [], []
    returned = [field for field in meta.concrete_fields if field.primary_key or field.generated]
    for field in meta.concrete_fields:
        if field.generated or (field.primary_key and getattr(obj, field.attname) is None):
            continue
        value = field.pre_save(obj, add=True)
        if isinstance(value, RawSQL):  # a subquery the statement computes (an id looked up by code), read back
            placeholders.append(f"({value.sql})")
            params.extend(value.params)
            returned.append(field)
        else:
            placeholders.append("%s")
            params.append(field.get_db_prep_save(value, connection))
        columns.append(quote(field.column))
    # nosec B608: table and column names are the model's own, quoted; every value is a parameter
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) VALUES ({', '.join(placeholders)}) "  # nosec B608
           f"RETURNING {', '.join(quote(field.column) for field in returned)}")
    return sql, params, returned


def stored(obj, returned, values):
    """Set what the database returned on `obj` and mark it saved, as Model.save does."""
    for field, value in zip(returned, values):
        setattr(obj, field.attname, value)
    obj._state.adding, obj._state.db = False, connection.alias
    return obj


def insert_row(obj):
    sql, params, returned = insert_statement(obj)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return stored(obj, returned, row)


def insert_rows(objs, batch_size=500):
    """`insert_row` for several new objects of one model (no generated columns, no subqueries) in one plain
    statement per `batch_size`, a multi-row VALUES list, their primary keys read back in order (as Django's own
    bulk insert relies on). For linking a filed report (ADR 38): the ORM's bulk insert compiled its few rows for
    longer than the database took to store them."""
    if not objs:
        return objs
    meta = objs[0]._meta
    quote = connection.ops.quote_name
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    for start in range(0, len(objs), batch_size):
        batch = objs[start:start + batch_size]
        params = [field.get_db_prep_save(field.pre_save(obj, add=True), connection) for obj in batch for field in fields]
        sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "  # nosec B608
               f"VALUES {', '.join([row] * len(batch))} RETURNING {quote(meta.pk.column)}")  # our names; values params
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            ids = cursor.fetchall()
        for obj, returned in zip(batch, ids, strict=True):
            stored(obj, [meta.pk], returned)
    return objs
