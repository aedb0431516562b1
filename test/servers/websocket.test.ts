/** The websocket test helpers against RFC 6455's own examples, and client and server face to face. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recorded } from './support.js';
import { acceptFor, connectWebSocket, decodeFrames, encodeFrame, OPCODE, serveWebSocket, type WebSocketEndpoint } from './websocket.js';

describe('RFC 6455 examples', () => {
  it('Sec-WebSocket-Accept of the sample key (section 1.3)', () => {
    expect(acceptFor('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('"Hello" unmasked and masked with 37 fa 21 3d (section 5.7)', () => {
    expect(encodeFrame(OPCODE.text, Buffer.from('Hello')).toString('hex')).toBe('810548656c6c6f');
    const masked = encodeFrame(OPCODE.text, Buffer.from('Hello'), Buffer.from([0x37, 0xfa, 0x21, 0x3d]));
    expect(masked.toString('hex')).toBe('818537fa213d7f9f4d5158');
    const { frames, rest } = decodeFrames(masked);
    expect(frames).toEqual([{ fin: true, opcode: OPCODE.text, masked: true, payload: Buffer.from('Hello') }]);
    expect(rest.length).toBe(0);
  });

  it('a 256-byte payload uses the 16-bit length (section 5.7); a split frame waits for its rest', () => {
    const payload = Buffer.alloc(256, 7);
    const f = encodeFrame(OPCODE.text, payload);
    expect(f.subarray(0, 4).toString('hex')).toBe('817e0100');
    const half = decodeFrames(f.subarray(0, 100));
    expect(half.frames).toEqual([]);
    expect(half.rest.length).toBe(100);
    expect(decodeFrames(Buffer.concat([f, f.subarray(0, 3)])).frames.map((x) => x.payload.length)).toEqual([256]);
  });
});

describe('client and server face to face', () => {
  let server: http.Server;
  let ws: WebSocketEndpoint;
  const record: Recorded[] = [];
  let port = 0;
  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end('plain'));
    ws = serveWebSocket(server, record);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    ws.closeAll();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('handshake, a server-first frame, an echo, ping/pong and close', async () => {
    const c = await connectWebSocket(port, '/socket.io/?EIO=4&transport=websocket', { Host: 'x', 'x-test-id': 'direct' });
    expect(c.status).toBe(101);
    expect(c.headers['sec-websocket-accept']).toBe(acceptFor(c.key));
    expect((await c.next()).payload.toString()).toBe('0{"stub":"websocket","url":"/socket.io/?EIO=4&transport=websocket"}');
    c.send(OPCODE.text, 'hi');
    expect(await c.next()).toEqual({ fin: true, opcode: OPCODE.text, masked: false, payload: Buffer.from('echo:hi') });
    c.send(OPCODE.ping, 'p');
    expect((await c.next()).opcode).toBe(OPCODE.pong);
    c.send(OPCODE.close, Buffer.from([0x03, 0xe8]));
    expect((await c.next()).opcode).toBe(OPCODE.close);
    await c.ended();
    expect(ws.received.get('direct')!.map((f) => [f.opcode, f.masked])).toEqual([
      [OPCODE.text, true],
      [OPCODE.ping, true],
      [OPCODE.close, true],
    ]);
    expect(record.map((r) => r.headers['x-test-id'])).toEqual(['direct']);
  });

  it('a request without a websocket handshake is refused', async () => {
    const c = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/socket.io/', headers: { Connection: 'Upgrade', Upgrade: 'h2c' }, agent: false });
      req.on('response', (res) => (res.resume(), resolve(res.statusCode ?? 0)));
      req.on('error', reject);
      req.end();
    });
    expect(c).toBe(400);
  });
});
