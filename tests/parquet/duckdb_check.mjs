// Reads the Parquet files KalamDB writes with DuckDB (an independent reader) and compares
// column names, logical types, every value, the codec and the per-row-group NULL counts
// with what the writer was given. Exit status 1 on any difference.
//
//   node tests/parquet/duckdb_check.mjs --samples-bin build/tests/kalam_parquet_samples
import { DuckDBInstance } from '@duckdb/node-api';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quote, readFile } from './comparable.mjs';

const args = process.argv.slice(2);
const samplesBin = args[args.indexOf('--samples-bin') + 1];
if (!args.includes('--samples-bin') || !samplesBin) {
  console.error('usage: duckdb_check.mjs --samples-bin PATH');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'kalam-parquet-'));
let failures = 0;
function fail(message) {
  failures += 1;
  if (failures <= 20) console.error('FAIL ' + message);
}
function same(expected, actual, type) {
  if (expected === null || actual === null) return expected === actual;
  if (type === 'DOUBLE') return Object.is(Number(expected), actual);
  return expected === actual;
}

try {
  execFileSync(samplesBin, [dir], { stdio: 'inherit' });
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  for (const file of expected.files) {
    const { columns, rows } = await readFile(db, file.path);
    if (columns.length !== expected.columns.length) fail(`${file.path}: ${columns.length} columns`);
    expected.columns.forEach((want, idx) => {
      const got = columns[idx] || {};
      if (got.name !== want.name) fail(`${file.path}: column ${idx} is ${got.name}, want ${want.name}`);
      if (got.type !== want.duckdb_type) fail(`${file.path}: ${want.name} has type ${got.type}, want ${want.duckdb_type}`);
    });
    if (rows.length !== expected.rows.length) fail(`${file.path}: ${rows.length} rows, want ${expected.rows.length}`);
    expected.rows.forEach((want, rowIdx) => {
      const got = rows[rowIdx] || [];
      want.forEach((value, colIdx) => {
        const type = expected.columns[colIdx].duckdb_type;
        if (!same(value, got[colIdx], type)) {
          fail(`${file.path}: row ${rowIdx} ${expected.columns[colIdx].name} = ${String(got[colIdx])}, want ${value}`);
        }
      });
    });
    // The codec and the statistics, as DuckDB reads them from the footer.
    const meta = (
      await db.runAndReadAll(
        `SELECT row_group_id, path_in_schema, compression, stats_null_count FROM parquet_metadata(${quote(file.path)})`,
      )
    ).getRowObjects();
    for (const chunk of meta) {
      if (chunk.compression !== file.codec) fail(`${file.path}: codec ${chunk.compression}, want ${file.codec}`);
      const colIdx = expected.columns.findIndex((c) => c.name === chunk.path_in_schema);
      const group = Number(chunk.row_group_id);
      const slice = expected.rows.slice(group * expected.row_group_rows, (group + 1) * expected.row_group_rows);
      const nulls = slice.filter((row) => row[colIdx] === null).length;
      if (Number(chunk.stats_null_count) !== nulls) {
        fail(`${file.path}: group ${group} ${chunk.path_in_schema} null_count ${chunk.stats_null_count}, want ${nulls}`);
      }
    }
    const version = (await db.runAndReadAll(`SELECT format_version FROM parquet_file_metadata(${quote(file.path)})`)).getRows();
    if (Number(version[0][0]) !== 2) fail(`${file.path}: format version ${version[0][0]}`);
    console.log(`${file.path}: ${rows.length} rows, ${columns.length} columns checked`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (failures > 0) {
  console.error(`${failures} difference(s) between our files and DuckDB's reading of them`);
  process.exit(1);
}
console.log('DuckDB reads every file as written');
