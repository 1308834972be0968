"""Two records of one person made one, and undone: the bookkeeping every kind of record shares.

A merge keeps one record (the kept record) and turns the other into a pointer to it (its own `merged_into`
field). The rows that hang off the other record by a foreign key (its cases, chronology, addresses, ...)
are pointed at the kept record, and the merge writes down exactly which rows moved, table by table, and the
earlier value of any other field it changed. Undoing the merge points exactly those rows back and restores
those values, so both records are again as they were; a row added to the kept record after the merge is not
in the list and stays with it.

Children's records use this today: `cases.models.ChildMerge` is the merge record, `cases.actions.CHILD_RELATIONS`
lists what moves, and `cases.actions.merge_children` / `unmerge_children` are the only doors. People of concern
(the intelligence room, not built yet) will do the same: a `merged_into` pointer on the person's record, a
`PersonMerge(MergeRecord)` model with its two foreign keys, its own list of relations (intelligence items,
disruption, justice outcomes, mentions), and actions built on `move`, `move_back`, `remember` and `restore`.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

CHUNK = 500  # ids per UPDATE: a child may have tens of thousands of chronology lines


def label(model):
    return model._meta.label_lower


def _chunks(ids):
    ids = list(ids)
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _point(model, field, ids, at):
    for chunk in _chunks(ids):
        model._base_manager.filter(pk__in=chunk).update(**{field: at})


def move(relations, source, target):
    """Point every row of each relation ((model, foreign key field name) pairs) at `target` instead of
    `source`. Returns {model label: [ids moved]}, the list that `move_back` needs."""
    moved = {}
    for model, field in relations:
        ids = list(model._base_manager.filter(**{field: source}).order_by("pk").values_list("pk", flat=True))
        _point(model, field, ids, target)
        moved[label(model)] = ids
    return moved


def move_back(relations, moved, source, target):
    """Point the rows listed in `moved` back from `target` to `source`: exactly those rows, and only those
    still pointing at `target` (a row deleted since is gone). Returns {model label: [ids moved back]}."""
    back = {}
    for model, field in relations:
        listed = moved.get(label(model), [])
        ids = []
        for chunk in _chunks(listed):
            ids += model._base_manager.filter(pk__in=chunk, **{field: target}).values_list("pk", flat=True)
        _point(model, field, sorted(ids), source)
        back[label(model)] = sorted(ids)
    return back


def remember(rows, fields):
    """The values of `fields` of these rows before a change: {id (text, as JSON keeps it): {field: value}}."""
    return {str(row.pk): {field: getattr(row, field) for field in fields} for row in rows}


def restore(model, before):
    """Put back the values `remember` kept, on the rows that still exist. Returns the ids restored."""
    restored = []
    for pk, values in before.items():
        if model._base_manager.filter(pk=int(pk)).update(**values):
            restored.append(int(pk))
    return restored


class MergeRecord(models.Model):
    """What a merge did and who did it, and its undoing. A concrete merge record adds its two foreign keys
    (the kept record and the merged one) and a unique constraint allowing one active merge per merged record."""

    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()
    moved = models.JSONField(default=dict, help_text="model label -> ids of the rows moved to the kept record")
    before = models.JSONField(default=dict, help_text="model label -> {id: {field: value before the merge}}")
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    undone_at = models.DateTimeField(null=True, blank=True)
    undo_reason = models.TextField(blank=True)
    restored = models.JSONField(default=dict, help_text="model label -> ids moved back by the undo")

    class Meta:
        abstract = True
        ordering = ["-merged_at"]

    @property
    def is_active(self):
        return self.undone_at is None
