// How the Parquet checks read a value with DuckDB so that it compares exactly with what
// KalamDB wrote: integers and temporal values as decimal text (µs or days), BLOB as
// upper-case hex, DOUBLE and BOOLEAN as themselves, everything else as DuckDB's VARCHAR.
export const quote = (text) => "'" + text.replaceAll("'", "''") + "'";
export const ident = (name) => '"' + name.replaceAll('"', '""') + '"';

export function comparableExpr(name, type) {
  const col = ident(name);
  if (type === 'BLOB') return `hex(${col})`;
  if (type === 'TIMESTAMP WITH TIME ZONE') return `epoch_us(${col})::VARCHAR`;
  if (type === 'DATE') return `(${col} - DATE '1970-01-01')::VARCHAR`;
  if (type === 'TIME') return `datediff('microsecond', TIME '00:00:00', ${col})::VARCHAR`;
  if (type === 'DOUBLE' || type === 'BOOLEAN') return col;
  return `${col}::VARCHAR`;
}

// Every file's columns (name and DuckDB type) and rows in file order, values comparable.
export async function readFile(db, path) {
  const source = `read_parquet(${quote(path)}, file_row_number = true)`;
  const described = (await db.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjects();
  const columns = described
    .filter((c) => c.column_name !== 'file_row_number')
    .map((c) => ({ name: c.column_name, type: c.column_type }));
  const exprs = columns.map((c) => comparableExpr(c.name, c.type)).join(', ');
  const rows = (await db.runAndReadAll(`SELECT ${exprs} FROM ${source} ORDER BY file_row_number`)).getRows();
  return { path, columns, rows };
}
