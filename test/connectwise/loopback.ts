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
  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(): Promise<Loopback> {
    let self: Loopback | undefined;
    const server = createServer((req, res) => {
      const hit: Hit = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, at: Date.now() };
      self!.hits.push(hit);
      const index = self!.hits.length;
      req.resume();
      req.on('end', () => self!.handler(req, res, hit, index));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new Loopback(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return self;
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
