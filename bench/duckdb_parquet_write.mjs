// DuckDB's side of bench/cold_storage.sh: loads the rows of a Parquet file into a DuckDB
// table, then times `COPY … TO … (FORMAT parquet, COMPRESSION zstd)` with one thread,
// best of three, and prints {"rows", "seconds", "bytes"} as JSON.
//
//   node bench/duckdb_parquet_write.mjs INPUT.parquet OUTPUT.parquet
import { createRequire } from 'node:module';
import { statSync } from 'node:fs';

// The DuckDB package is installed once, for the tests (scripts/setup.sh).
const require = createRequire(new URL('../tests/parquet/package.json', import.meta.url));
const { DuckDBInstance } = require('@duckdb/node-api');

const [input, output] = process.argv.slice(2);
const quote = (text) => "'" + text.replaceAll("'", "''") + "'";
const instance = await DuckDBInstance.create(':memory:');
const db = await instance.connect();
await db.run('SET threads = 1');
await db.run(`CREATE TABLE rows AS SELECT * FROM read_parquet(${quote(input)})`);
const count = Number((await db.runAndReadAll('SELECT count(*) FROM rows')).getRows()[0][0]);
let best = Infinity;
for (let run = 0; run < 3; ++run) {
  const start = process.hrtime.bigint();
  await db.run(`COPY rows TO ${quote(output)} (FORMAT parquet, COMPRESSION zstd)`);
  best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
}
console.log(JSON.stringify({ rows: count, seconds: best, bytes: statSync(output).size }));
