/**
 * The least of RFC 6455 that a test needs to prove a websocket passes through a proxy: the
 * opening handshake (Sec-WebSocket-Accept), single-frame text, close, and ping frames, a server
 * on an HTTP server's `upgrade` event and a raw TCP client. Written here on node:http and node:net
 * so the tests need no websocket package.
 */
import { createHash, randomBytes } from 'node:crypto';
import type http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Recorded } from './support.js';

/** The GUID RFC 6455 (section 1.3) appends to the client's key before hashing. */
const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export const OPCODE = { text: 0x1, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64 of SHA-1 of key + GUID. */
export function acceptFor(key: string): string {
  return createHash('sha1').update(key + HANDSHAKE_GUID).digest('base64');
}

export interface Frame {
  fin: boolean;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

/** One final frame; a client masks its frames with a 4-byte key, a server never does (RFC 6455 5.1). */
export function encodeFrame(opcode: number, payload: Buffer, mask?: Buffer): Buffer {
  const len = payload.length;
  const head: number[] = [0x80 | opcode];
  const maskBit = mask ? 0x80 : 0;
  if (len < 126) head.push(maskBit | len);
  else if (len < 0x10000) head.push(maskBit | 126, len >> 8, len & 0xff);
  else throw new Error('frames over 64 KiB are not needed here');
  if (!mask) return Buffer.concat([Buffer.from(head), payload]);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from(head), mask, body]);
}

/** The complete frames at the start of `buf`, and the bytes of an incomplete one after them. */
export function decodeFrames(buf: Buffer): { frames: Frame[]; rest: Buffer } {
  const frames: Frame[] = [];
  let at = 0;
  for (;;) {
    if (buf.length - at < 2) break;
    const b0 = buf[at]!;
    const b1 = buf[at + 1]!;
    let len = b1 & 0x7f;
    let pos = at + 2;
    if (len === 126) {
      if (buf.length - pos < 2) break;
      len = buf.readUInt16BE(pos);
      pos += 2;
    } else if (len === 127) {
      if (buf.length - pos < 8) break;
      len = Number(buf.readBigUInt64BE(pos));
      pos += 8;
    }
    const masked = (b1 & 0x80) !== 0;
    const key = masked ? buf.subarray(pos, pos + 4) : undefined;
    if (masked) pos += 4;
    if (buf.length - pos < len) break;
    const raw = buf.subarray(pos, pos + len);
    const payload = key ? Buffer.from(raw.map((b, i) => b ^ key[i % 4]!)) : Buffer.from(raw);
    frames.push({ fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, masked, payload });
    at = pos + len;
  }
  return { frames, rest: buf.subarray(at) };
}

export interface WebSocketEndpoint {
  /** Upgrade requests received, as the stub records requests. */
  upgrades: Recorded[];
  /** Every frame a client sent, by the x-test-id of its connection. */
  received: Map<string, Frame[]>;
  /** Destroys the open websocket connections (the HTTP server no longer tracks them). */
  closeAll: () => void;
}

/**
 * Makes an HTTP server a websocket endpoint standing in for the collaboration websocket: an
 * `upgrade` with a valid handshake is recorded (into `record` too, so a stub's byId finds it),
 * answered 101 with Sec-WebSocket-Accept, then greeted with a server-first text frame (as
 * Engine.IO sends its open packet) and every text frame echoed as `echo:<text>`; ping gets pong,
 * close gets close. Anything else is refused with 400.
 */
export function serveWebSocket(server: http.Server, record?: Recorded[]): WebSocketEndpoint {
  const upgrades: Recorded[] = [];
  const received = new Map<string, Frame[]>();
  const sockets = new Set<Duplex>();
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const rec: Recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyLength: 0 };
    upgrades.push(rec);
    record?.push(rec);
    const key = req.headers['sec-websocket-key'];
    if (String(req.headers.upgrade).toLowerCase() !== 'websocket' || typeof key !== 'string' || req.headers['sec-websocket-version'] !== '13') {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const id = String(req.headers['x-test-id'] ?? '');
    const frames: Frame[] = [];
    received.set(id, frames);
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`);
    socket.write(encodeFrame(OPCODE.text, Buffer.from(`0{"stub":"websocket","url":${JSON.stringify(req.url)}}`)));
    let pending = Buffer.from(head);
    const onData = (chunk: Buffer) => {
      const { frames: got, rest } = decodeFrames(Buffer.concat([pending, chunk]));
      pending = rest;
      for (const f of got) {
        frames.push(f);
        if (f.opcode === OPCODE.text) socket.write(encodeFrame(OPCODE.text, Buffer.concat([Buffer.from('echo:'), f.payload])));
        else if (f.opcode === OPCODE.ping) socket.write(encodeFrame(OPCODE.pong, f.payload));
        else if (f.opcode === OPCODE.close) socket.end(encodeFrame(OPCODE.close, f.payload));
      }
    };
    socket.on('data', onData);
    if (pending.length > 0) onData(Buffer.alloc(0));
  });
  return {
    upgrades,
    received,
    closeAll: () => {
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
  };
}

export interface ClientHandshake {
  /** The status code of the response. */
  status: number;
  /** Response headers, names in lower case. */
  headers: Record<string, string>;
  /** The key the client sent. */
  key: string;
}

export interface WebSocketClient extends ClientHandshake {
  /** Sends one masked frame. */
  send: (opcode: number, payload: Buffer | string) => void;
  /** The next frame from the server (rejects on timeout or when the connection ends first). */
  next: (timeoutMs?: number) => Promise<Frame>;
  /** Resolves when the server has closed the TCP connection. */
  ended: () => Promise<void>;
  destroy: () => void;
}

/**
 * Opens a TCP connection, sends a websocket opening handshake for `path` with `headers`, and
 * resolves once the response head is in (whatever its status). Frames after a 101 come from next().
 */
export function connectWebSocket(port: number, path: string, headers: Record<string, string>, host = '127.0.0.1'): Promise<WebSocketClient> {
  const key = randomBytes(16).toString('base64');
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host });
    let buf = Buffer.alloc(0);
    let headDone = false;
    let closed = false;
    const queue: Frame[] = [];
    const waiters: { resolve: (f: Frame) => void; reject: (e: Error) => void }[] = [];
    const endWaiters: (() => void)[] = [];
    const timer = setTimeout(() => (s.destroy(), reject(new Error(`websocket handshake to ${path}: no response head within 5 s`))), 5000);
    const deliver = () => {
      const { frames, rest } = decodeFrames(buf);
      buf = rest;
      queue.push(...frames);
      while (queue.length > 0 && waiters.length > 0) waiters.shift()!.resolve(queue.shift()!);
    };
    s.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (!headDone) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        headDone = true;
        clearTimeout(timer);
        const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
        buf = buf.subarray(end + 4);
        const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(lines[0] ?? '')?.[1] ?? 0);
        const h: Record<string, string> = {};
        for (const l of lines.slice(1)) {
          const i = l.indexOf(':');
          if (i > 0) h[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
        }
        resolve({
          status,
          headers: h,
          key,
          send: (opcode, payload) => s.write(encodeFrame(opcode, Buffer.from(payload), randomBytes(4))),
          next: (timeoutMs = 5000) =>
            new Promise<Frame>((res, rej) => {
              if (queue.length > 0) return res(queue.shift()!);
              if (closed) return rej(new Error('the connection ended before the next frame'));
              const w = { resolve: (f: Frame) => (clearTimeout(t), res(f)), reject: (e: Error) => (clearTimeout(t), rej(e)) };
              const t = setTimeout(() => (waiters.splice(waiters.indexOf(w), 1), rej(new Error(`no frame within ${timeoutMs} ms`))), timeoutMs);
              waiters.push(w);
            }),
          ended: () => new Promise<void>((res) => (closed ? res() : endWaiters.push(res))),
          destroy: () => s.destroy(),
        });
      }
      deliver();
    });
    const onEnd = () => {
      closed = true;
      for (const w of waiters.splice(0)) w.reject(new Error('the connection ended before the next frame'));
      for (const r of endWaiters.splice(0)) r();
    };
    s.on('end', onEnd);
    s.on('close', onEnd);
    s.on('error', (e) => (clearTimeout(timer), headDone ? onEnd() : reject(e)));
    s.on('connect', () => {
      const lines = [
        `GET ${path} HTTP/1.1`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${key}`,
        'Sec-WebSocket-Version: 13',
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      ];
      s.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
  });
}
