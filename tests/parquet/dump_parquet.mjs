// Prints what DuckDB reads from Parquet files, as JSON on standard output, for tests in
// other languages: {"files": [{"path", "columns": [{"name", "type"}], "rows": [[…]]}]}.
// Values as comparable.mjs reads them; a non-finite DOUBLE is printed as its name.
//
//   node tests/parquet/dump_parquet.mjs FILE.parquet [FILE.parquet …]
import { DuckDBInstance } from '@duckdb/node-api';
import { readFile } from './comparable.mjs';

const paths = process.argv.slice(2);
const instance = await DuckDBInstance.create(':memory:');
const db = await instance.connect();
const files = [];
for (const path of paths) files.push(await readFile(db, path));
const json = JSON.stringify({ files }, (key, value) => {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
});
process.stdout.write(json + '\n');
