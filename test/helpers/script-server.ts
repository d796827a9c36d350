import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface ScriptServer {
  url: string;
  server: Server;
  /** Swap the behaviour while running. */
  handler: Handler;
  requests: number;
  close(): Promise<void>;
}

/** A real HTTP server on port 0 whose behaviour a test scripts (slow, garbage, hanging…). */
export async function startScriptServer(handler: Handler): Promise<ScriptServer> {
  const state = { handler, requests: 0 } as ScriptServer;
  const server = createServer((req, res) => {
    state.requests += 1;
    state.handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.server = server;
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return state;
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(text);
}

export const HEALTHY_BODY = {
  status: 'ok',
  queue: { pending: 1, retrying: 0, processing: 0, dead_letter: 0, oldest_ready_at: null, oldest_ready_age_seconds: null },
};
