/** Hand-made chart archives for tests: exactly the tar entries given, gzipped. */
import { gzipSync } from 'node:zlib';
import { pack, type Headers } from 'tar-stream';

/** A .tgz holding exactly these raw entries. */
export async function craft(entries: (Headers & { content?: string | Buffer })[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((resolve) => p.on('end', resolve));
  for (const { content, ...h } of entries) {
    await new Promise<void>((resolve, reject) => p.entry(h, content ?? '', (err) => (err ? reject(err) : resolve())));
  }
  p.finalize();
  await ended;
  return gzipSync(Buffer.concat(chunks));
}

/** An archive of a chart with only this Chart.yaml, under `folder/`. */
export const chartTgz = (chartYaml: string, folder = 'c'): Promise<Buffer> => craft([{ name: `${folder}/Chart.yaml`, content: chartYaml }]);
