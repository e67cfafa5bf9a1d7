// The demo upstream: answers every request with JSON {method, url, signature, headers, bodyBytes}
// of what it received, so a user can see exactly which headers the gateway forwarded and whether
// their signature verifies (`signature`, from src/demo/echo-signature-check.ts).
import http from 'node:http';
import type { DescribeSignature } from './echo-signature-check.js';

export function createEchoUpstream(describeSignature: DescribeSignature): http.Server {
  return http.createServer((req, res) => {
    let bodyBytes = 0;
    req.on('data', (chunk: Buffer) => {
      bodyBytes += chunk.length;
    });
    req.on('end', () => {
      const answer = { method: req.method, url: req.url, signature: describeSignature(req), headers: req.headers, bodyBytes };
      const body = JSON.stringify(answer, null, 2) + '\n';
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
}
