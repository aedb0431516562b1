/**
 * Go's encoding/csv, as far as pflag uses it for a StringSlice flag (Helm's `-f/--values`,
 * `-a/--api-versions`): the first record of the value, read with the reader's defaults. Fields are
 * split at commas; a field that starts with `"` is quoted (`""` inside is one quote, and it may
 * span lines); empty lines before the record are skipped and lines after it ignored. An empty value
 * is no field at all. A quote misplaced throws CsvError with encoding/csv's reason.
 */
export class CsvError extends Error {}

export function readCsvRecord(value: string): string[] {
  if (value === '') return [];
  let s = value.replaceAll('\r\n', '\n');
  // A CR at the very end is dropped, as the reader drops it before EOF.
  if (s.endsWith('\r')) s = s.slice(0, -1);
  let at = 0;
  while (s[at] === '\n') at++;
  if (at >= s.length) throw new CsvError('EOF');
  const fields: string[] = [];
  for (;;) {
    if (s[at] !== '"') {
      let end = at;
      while (end < s.length && s[end] !== ',' && s[end] !== '\n') end++;
      const field = s.slice(at, end);
      if (field.includes('"')) throw new CsvError('bare " in non-quoted-field');
      fields.push(field);
      if (s[end] !== ',') return fields;
      at = end + 1;
      continue;
    }
    let field = '';
    let i = at + 1;
    for (;;) {
      const q = s.indexOf('"', i);
      if (q < 0) throw new CsvError('extraneous or missing " in quoted-field');
      field += s.slice(i, q);
      if (s[q + 1] === '"') {
        field += '"';
        i = q + 2;
        continue;
      }
      fields.push(field);
      const after = s[q + 1];
      if (after === undefined || after === '\n') return fields;
      if (after !== ',') throw new CsvError('extraneous or missing " in quoted-field');
      at = q + 2;
      break;
    }
  }
}
