"""Secondary indexes, differentially: the same rows in tables with and without indexes
(single-column, composite, DESC, UNIQUE, built before and after the rows arrived) and in
an independent SQLite database (Python's sqlite3) answer hundreds of generated queries
(comparisons, BETWEEN, IN, IS NULL, AND/OR/NOT, ORDER BY … LIMIT in both directions)
identically, before and after generated UPDATEs, DELETEs and INSERTs; CHECK TABLE then
finds every index entry matching its row. This is the shape of SQLite's
sqllogictest test/index files, with SQLite itself as the oracle."""
import os
import random
import sqlite3
import string
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from kalam_harness import ROOT_PASSWORD, Server  # noqa: E402

COLUMNS = "pk INTEGER PRIMARY KEY, col0 INTEGER, col1 FLOAT, col2 TEXT, col3 INTEGER, col4 FLOAT, col5 TEXT"
# tab0 has no index; the others index the same columns in different ways. Indexes marked
# "after" are created once the rows are in (the build fills them).
INDEXES = {
    "tab0": [],
    "tab1": [("CREATE INDEX idx_tab1_0 ON tab1 (col0)", "before"), ("CREATE INDEX idx_tab1_1 ON tab1 (col1)", "before"),
             ("CREATE INDEX idx_tab1_3 ON tab1 (col3)", "after"), ("CREATE INDEX idx_tab1_4 ON tab1 (col4)", "after")],
    "tab2": [("CREATE UNIQUE INDEX idx_tab2_0 ON tab2 (col4, col3)", "before"),
             ("CREATE INDEX idx_tab2_1 ON tab2 (col1 DESC, col0, col3)", "after")],
    "tab3": [("CREATE UNIQUE INDEX idx_tab3_0 ON tab3 (col0 DESC)", "after"),
             ("CREATE INDEX idx_tab3_1 ON tab3 (col2, col5)", "before"),
             ("CREATE UNIQUE INDEX idx_tab3_2 ON tab3 (col1)", "before")],
    "tab4": [("CREATE INDEX idx_tab4_0 ON tab4 (col3, col4 DESC)", "after"),
             ("CREATE INDEX idx_tab4_1 ON tab4 (col5)", "before")],
}
NUMERIC = ["col0", "col1", "col3", "col4"]
TEXT = ["col2", "col5"]


def word(rng):
    return "".join(rng.choice("abcdef") for _ in range(rng.randint(1, 4)))


class IndexDifferentialTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()
        cls.root = cls.server.bearer("root", ROOT_PASSWORD)
        assert cls.server.sql("CREATE NAMESPACE idx", cls.root).status == 200
        cls.oracle = sqlite3.connect(":memory:")

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def kalam(self, sql):
        resp = self.server.sql(sql, self.root, namespace="idx")
        body = resp.json()
        if body["status"] != "success":
            code = body["error"]["code"]
            return ("error", "constraint" if code == "PRIMARY_KEY_VIOLATION" else code)
        result = body["results"][-1]
        return ("rows", [[self.norm(v) for v in row] for row in result.get("rows", [])])

    def sqlite(self, sql):
        try:
            cur = self.oracle.execute(sql)
            rows = cur.fetchall()
            self.oracle.commit()
            return ("rows", [[self.norm(v) for v in row] for row in rows])
        except sqlite3.IntegrityError:
            self.oracle.rollback()
            return ("error", "constraint")

    @staticmethod
    def norm(value):
        if isinstance(value, str):
            try:
                return int(value)  # BIGINT values arrive as JSON strings
            except ValueError:
                return value
        if isinstance(value, float) and value == int(value):
            return int(value)
        return value

    def both(self, sql):
        return self.kalam(sql), self.sqlite(sql)

    def agree(self, sql, ordered):
        ours, theirs = self.both(sql)
        if not ordered and ours[0] == "rows" and theirs[0] == "rows":
            ours = ("rows", sorted(ours[1], key=repr))
            theirs = ("rows", sorted(theirs[1], key=repr))
        self.assertEqual(ours, theirs, sql)

    # ---- generated data and queries -------------------------------------------------
    def rows(self, rng, count, first_pk):
        rows = []
        col0 = rng.sample(range(10 * count), count)      # UNIQUE (idx_tab3_0)
        col1 = rng.sample(range(100000), count)          # UNIQUE (idx_tab3_2)
        used = set()
        for n in range(count):
            col4 = None if rng.random() < 0.1 else round(rng.randint(0, 5000) / 100, 2)
            col3 = None if rng.random() < 0.1 else rng.randint(0, 60)
            while col4 is not None and col3 is not None and (col4, col3) in used:  # UNIQUE (idx_tab2_0)
                col3 = rng.randint(0, 10000)
            used.add((col4, col3))
            rows.append((first_pk + n, col0[n], col1[n] / 100.0, None if rng.random() < 0.1 else word(rng),
                         col3, col4, word(rng)))
        return rows

    def literal(self, value):
        if value is None:
            return "NULL"
        if isinstance(value, str):
            return "'" + value + "'"
        return repr(value)

    def constant(self, rng, column):
        if column in TEXT:
            return self.literal(word(rng))
        if column in ("col1", "col4"):
            return repr(round(rng.randint(0, 100000 if column == "col1" else 5000) / 100, 2))
        return str(rng.randint(0, 600 if column == "col0" else 60))

    def atom(self, rng, column=None):
        column = column or rng.choice(NUMERIC + TEXT)
        kind = rng.random()
        if kind < 0.45:
            return "%s %s %s" % (column, rng.choice(["=", "<", "<=", ">", ">=", "<>"]), self.constant(rng, column))
        if kind < 0.6:
            low, high = sorted([self.constant(rng, column), self.constant(rng, column)],
                               key=lambda v: (len(v), v) if column in NUMERIC else v)
            return "%s BETWEEN %s AND %s" % (column, low, high)
        if kind < 0.8:
            values = ", ".join(self.constant(rng, column) for _ in range(rng.randint(1, 5)))
            return "%s IN (%s)" % (column, values)
        if kind < 0.9:
            return "%s IS %sNULL" % (column, rng.choice(["", "NOT "]))
        return "%s %s %s" % (self.constant(rng, column), rng.choice(["=", "<", ">"]), column)  # commuted

    def predicate(self, rng, depth=0):
        if depth >= 2 or rng.random() < 0.5:
            return self.atom(rng)
        left, right = self.predicate(rng, depth + 1), self.predicate(rng, depth + 1)
        shape = rng.random()
        if shape < 0.45:
            return "(%s AND %s)" % (left, right)
        if shape < 0.9:
            return "(%s OR %s)" % (left, right)
        return "NOT (%s)" % left

    def check_queries(self, rng, count):
        for _ in range(count):
            predicate = self.predicate(rng)
            for table in INDEXES:
                self.agree("SELECT pk FROM %s WHERE %s" % (table, predicate), ordered=False)
            column = rng.choice(NUMERIC + TEXT)
            direction = rng.choice(["", " DESC"])
            limit = rng.randint(1, 20)
            # half the time on the ordered column: an index range that delivers the order
            # and stops at the LIMIT
            shape = rng.random()
            atom = self.atom(rng, column) if shape < 0.5 else self.atom(rng) if shape < 0.8 else "1 = 1"
            for table in INDEXES:
                self.agree("SELECT pk, %s FROM %s WHERE %s ORDER BY %s%s, pk%s LIMIT %d" %
                           (column, table, atom, column, direction, direction, limit), ordered=True)

    def check_tables_consistent(self):
        for table in INDEXES:
            resp = self.server.sql("CHECK TABLE " + table, self.root, namespace="idx").json()
            self.assertEqual(resp["status"], "success", resp)
            row = resp["results"][0]["rows"][0]
            self.assertEqual(row[2], "ok", "%s: %s" % (table, row[7]))

    def test_indexed_tables_answer_like_sqlite(self):
        rng = random.Random(20261207)
        data = self.rows(rng, 300, 0)
        for table, indexes in INDEXES.items():
            for sql in ("CREATE TABLE %s (%s)" % (table, COLUMNS),):
                self.assertEqual(self.kalam(sql)[0], "rows", sql)
                self.oracle.execute(sql)
            for ddl, when in indexes:
                if when == "before":
                    self.assertEqual(self.both(ddl)[0][0], "rows", ddl)
            for start in range(0, len(data), 50):
                values = ", ".join("(%s)" % ", ".join(self.literal(v) for v in row) for row in data[start:start + 50])
                self.assertEqual(self.both("INSERT INTO %s VALUES %s" % (table, values))[0][0], "rows")
            for ddl, when in indexes:
                if when == "after":
                    self.assertEqual(self.both(ddl)[0][0], "rows", ddl)
        # the planner does use the indexes
        plan = self.server.sql("EXPLAIN SELECT pk FROM tab1 WHERE col0 = 5", self.root, namespace="idx").json()
        self.assertIn("INDEX idx_tab1_0", plan["results"][0]["rows"][0][3])
        self.check_tables_consistent()
        self.check_queries(rng, 120)

        # writes keep every index in step (UNIQUE violations fail in both engines)
        next_pk = 1000
        for step in range(60):
            kind = rng.random()
            if kind < 0.4:
                column = rng.choice(["col0", "col1", "col3", "col4", "col2", "col5"])
                sql_tail = "SET %s = %s WHERE %s" % (column, self.constant(rng, column), self.atom(rng))
                for table in INDEXES:
                    self.agree("UPDATE %s %s" % (table, sql_tail), ordered=False)
            elif kind < 0.7:
                predicate = self.predicate(rng)
                for table in INDEXES:
                    self.agree("DELETE FROM %s WHERE %s" % (table, predicate), ordered=False)
            else:
                batch = self.rows(rng, 3, next_pk)
                next_pk += 3
                values = ", ".join("(%s)" % ", ".join(self.literal(v) for v in row) for row in batch)
                for table in INDEXES:
                    self.agree("INSERT INTO %s VALUES %s" % (table, values), ordered=False)
            if step % 20 == 19:
                self.check_queries(rng, 15)
        self.check_tables_consistent()
        self.check_queries(rng, 60)
        for table in INDEXES:
            self.agree("SELECT * FROM %s" % table, ordered=False)


if __name__ == "__main__":
    unittest.main()
