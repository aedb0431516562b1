/**
 * Helm's chart loader as `helm repo index` meets it (loader.Load of each archive): an archive it
 * refuses is not a chart and is skipped without a word, so every refusal here is a reason string,
 * never an error. The archive rules are LoadArchiveFiles' (Helm 3.21 and 4.3 alike but where
 * noted), the chart rules LoadFiles' and Metadata.Validate's.
 */
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import { goPathClean } from '../go/url.js';
import { parseGoYaml, parseValuesDocument } from '../values/load.js';
import { UserError } from '../errors.js';
import { METADATA, metadataProblem, type Metadata } from '../chart/metadata.js';
import { decodeJson, DecodeError, stringFieldOf } from '../go/jsonstruct.js';

export interface BufferedFile {
  /** The path inside the chart, its top folder dropped. */
  name: string;
  data: Buffer;
}

/** A refusal of the loader: the archive is not a chart. */
export class NotAChart extends Error {}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const DRIVE_PATH = /^[a-zA-Z]:\//;

/** LoadFile's ensureArchive: what http.DetectContentType calls gzip (its first three bytes). */
function looksGzipped(data: Buffer): boolean {
  return data.length >= 3 && data[0] === 0x1f && data[1] === 0x8b && data[2] === 0x08;
}

/**
 * Helm's loader limits (pkg/chart/loader/archive.go): 100 MiB decompressed in all, and 5 MiB a file
 * (Helm 3.21; Helm 4.3 keeps the constant but no longer applies it, see README). An entry is
 * refused on its header's size before a byte of it is inflated, and the archive is inflated as a
 * stream, so a small archive that inflates enormously costs no more than the limit.
 */
export const MAX_DECOMPRESSED_CHART_SIZE = 100 * 1024 * 1024;
export const MAX_DECOMPRESSED_FILE_SIZE = 5 * 1024 * 1024;

/** The first bytes of an archive (at most 512, as ensureArchive reads) and a stream of all of it. */
interface Source {
  head: Buffer;
  stream: () => Readable;
}

function fileSource(path: string): Source {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new NotAChart((e as Error).message);
  }
  try {
    const head = Buffer.alloc(512);
    const n = readSync(fd, head, 0, 512, 0);
    return { head: head.subarray(0, n), stream: () => createReadStream(path) };
  } catch (e) {
    throw new NotAChart((e as Error).message); // a folder named *.tgz: EISDIR
  } finally {
    closeSync(fd);
  }
}

/** LoadArchiveFiles: every entry but folders, named without its top folder, held to Helm's path rules and size limits. */
export async function loadArchiveFiles(archive: Buffer | string): Promise<BufferedFile[]> {
  const source: Source = typeof archive === 'string' ? fileSource(archive) : { head: archive.subarray(0, 512), stream: () => Readable.from([archive]) };
  if (!looksGzipped(source.head)) throw new NotAChart('not a gzipped archive');
  const x = extract();
  const piping = pipeline(source.stream(), createGunzip(), x);
  const files: BufferedFile[] = [];
  let remaining = MAX_DECOMPRESSED_CHART_SIZE;
  const tooLarge = (): NotAChart => new NotAChart(`decompressed chart is larger than the maximum file size ${MAX_DECOMPRESSED_CHART_SIZE}`);
  try {
    for await (const entry of x) {
      const h = entry.header;
      // Links, devices and fifos are read as files (of their size, usually none), as Go's tar reader hands
      // them over; tar-stream consumes extended headers itself, as Helm skips them.
      if (h.type === 'directory') {
        entry.resume();
        continue;
      }
      const delimiter = h.name.includes('\\') ? '\\' : '/';
      const parts = h.name.split(delimiter);
      let n = parts.slice(1).join('/');
      if (n.startsWith('/')) throw new NotAChart('chart illegally contains absolute paths');
      n = goPathClean(n);
      if (n === '.') throw new NotAChart(`chart illegally contains content outside the base directory: ${JSON.stringify(h.name)}`);
      if (n.startsWith('..')) throw new NotAChart('chart illegally references parent directory');
      if (DRIVE_PATH.test(n)) throw new NotAChart('chart contains illegally named files');
      if (parts[0] === 'Chart.yaml') throw new NotAChart('chart yaml not in base directory');
      const size = h.size ?? 0;
      if (size > remaining) throw tooLarge();
      if (size > MAX_DECOMPRESSED_FILE_SIZE) throw new NotAChart(`decompressed chart file ${JSON.stringify(h.name)} is larger than the maximum file size ${MAX_DECOMPRESSED_FILE_SIZE}`);
      const chunks: Buffer[] = [];
      let written = 0;
      for await (const c of entry) {
        const chunk = c as Buffer;
        // io.LimitReader(tr, remaining): nothing past the budget is kept.
        chunks.push(chunk.subarray(0, Math.max(0, remaining - written)));
        written += chunk.length;
        if (written >= remaining) break;
      }
      const content = Buffer.concat(chunks);
      remaining -= content.length;
      if (content.length < size || remaining <= 0) throw tooLarge();
      files.push({ name: n, data: content.subarray(0, 3).equals(BOM) ? content.subarray(3) : content });
    }
    await piping;
  } catch (e) {
    // Leaving the entries early ends the pipeline with an error nobody waits for.
    piping.catch(() => undefined);
    if (e instanceof NotAChart) throw e;
    throw new NotAChart(e instanceof Error ? e.message : String(e));
  }
  if (files.length === 0) throw new NotAChart('no files in chart archive');
  return files;
}

/**
 * A Chart.yaml (or requirements.yaml) decoded as yaml.Unmarshal decodes it into chart.Metadata:
 * go-yaml's YAML 1.1 values, a number or bool turned into the string a string field wants
 * (`1.10` is "1.1", `010` is "8", `yes` is "true"), unknown keys dropped, a value of another kind
 * refused (a NotAChart). Decoded over `into`, as Helm decodes both files into one struct.
 */
const METADATA_STRINGS = stringFieldOf(METADATA);

function decodeMetadata(text: string, file: string, into: Metadata): Metadata {
  try {
    return decodeJson(parseGoYaml(text, file, { stringField: METADATA_STRINGS }), METADATA, { strict: false, fromYaml: true }, into);
  } catch (e) {
    if (e instanceof DecodeError || e instanceof UserError) throw new NotAChart(`cannot load ${file}: ${e.message}`);
    throw e;
  }
}

/**
 * LoadFiles: Chart.yaml (apiVersion v1 when it names none), values.yaml that must read as a map,
 * the metadata validated, then every subchart under charts/ loaded the same way (an archive or a
 * folder; names starting with `_` or `.` are left out).
 */
export async function loadFiles(files: BufferedFile[]): Promise<Metadata> {
  let md: Metadata | undefined;
  for (const f of files) {
    if (f.name !== 'Chart.yaml') continue;
    md = decodeMetadata(f.data.toString('utf8'), 'Chart.yaml', md ?? {});
    if (!md.apiVersion) md.apiVersion = 'v1';
  }
  const subcharts = new Map<string, BufferedFile[]>();
  for (const f of files) {
    if (f.name === 'requirements.yaml') {
      // Decoded into the same metadata whatever the apiVersion (Helm only warns for v2): a v1 chart's dependencies.
      md = decodeMetadata(f.data.toString('utf8'), 'requirements.yaml', md ?? {});
    } else if (f.name === 'values.yaml') {
      try {
        parseValuesDocument(f.data.toString('utf8'), 'values.yaml');
      } catch (e) {
        throw new NotAChart(`cannot load values.yaml: ${(e as Error).message}`);
      }
    } else if (f.name.startsWith('charts/') && !f.name.endsWith('.prov')) {
      const rest = f.name.slice('charts/'.length);
      const cname = rest.split('/')[0]!;
      subcharts.set(cname, [...(subcharts.get(cname) ?? []), { name: rest, data: f.data }]);
    }
  }
  if (!md) throw new NotAChart('Chart.yaml file is missing');
  const problem = metadataProblem(md);
  if (problem) throw new NotAChart(problem.message);
  for (const [n, list] of subcharts) {
    if (n.startsWith('_') || n.startsWith('.')) continue;
    if (n.endsWith('.tgz')) {
      const file = list[0]!;
      if (file.name !== n) throw new NotAChart(`error unpacking subchart tar in ${md.name}: expected ${n}, got ${file.name}`);
      await loadFiles(await loadArchiveFiles(file.data));
    } else {
      const inner = list.filter((f) => f.name.includes('/')).map((f) => ({ name: f.name.slice(f.name.indexOf('/') + 1), data: f.data }));
      await loadFiles(inner);
    }
  }
  return md;
}

/** loader.Load of an archive (a path, read as a stream, or its bytes): its metadata, or a NotAChart. */
export async function loadChartArchive(archive: Buffer | string): Promise<Metadata> {
  return loadFiles(await loadArchiveFiles(archive));
}
