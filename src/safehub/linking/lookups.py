"""SQL LIKE in both directions, answered by the database itself. Partial marks and numbers are stored as LIKE
patterns ('_' one character, '%' any run); a regular expression lookup would do the same work, but SQLite answers
it through a Python callback row by row, which made every report with a partial mark slower as records grew."""

from django.db.models import CharField, Lookup


@CharField.register_lookup
class Like(Lookup):
    """`key__like="AB12C__"`: the column matches the pattern."""

    lookup_name = "like"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} LIKE {rhs}", [*lhs_params, *rhs_params]


@CharField.register_lookup
class Fits(Lookup):
    """`pattern__fits="AB12CDE"`: the value matches the pattern held in the column."""

    lookup_name = "fits"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{rhs} LIKE {lhs}", [*rhs_params, *lhs_params]
