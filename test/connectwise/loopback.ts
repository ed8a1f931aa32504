import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Hit {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  /** Date.now() when the request arrived. */
  readonly at: number;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, hit: Hit, index: number) => void;

/** A real loopback HTTP server whose answers a test scripts; records every request it receives. */
export class Loopback {
  readonly hits: Hit[] = [];
  handler: Handler = (_req, res) => json(res, 200, {});
  private readonly server: Server;
  origin = '';

  private constructor() {
    this.server = createServer((req, res) => {
      const hit: Hit = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, at: Date.now() };
      this.hits.push(hit);
      const index = this.hits.length;
      req.resume();
      req.on('end', () => this.handler(req, res, hit, index));
    });
  }

  static async start(): Promise<Loopback> {
    const loopback = new Loopback();
    await new Promise<void>((resolve) => loopback.server.listen(0, '127.0.0.1', resolve));
    loopback.origin = `http://127.0.0.1:${(loopback.server.address() as AddressInfo).port}`;
    return loopback;
  }

  reset(): void {
    this.hits.length = 0;
    this.handler = (_req, res) => json(res, 200, {});
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export function text(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/html', ...headers });
  res.end(body);
}
