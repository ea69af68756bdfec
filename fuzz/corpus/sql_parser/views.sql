CREATE VIEW IF NOT EXISTS app.recent (a, "B") AS WITH c(x) AS (SELECT id FROM t1) SELECT c.x, t2.y FROM c JOIN app.t2 AS t2 ON t2.id = c.x, (SELECT * FROM t3 NATURAL JOIN t4 USING (k)) s WHERE x IN (SELECT z FROM json_each('[1]'));
DROP VIEW IF EXISTS app.recent;
SELECT * FROM v1 v, "Quoted" INDEXED BY i WINDOW w AS (ORDER BY 1);
