// 50 MB up and 50 MB down stream through the gateway without buffering: the gateway's RSS grows
// by less than 64 MB. The gateway runs as its own process (the built CLI), so its RSS high-water
// mark is read from /proc without the client's and upstream's buffers mixed in.
import t from 'tap';
import https from 'node:https';
import { Readable } from 'node:stream';
import { makeTestPki } from '../helpers/pki.js';
import { startRecordingUpstream, listenerDir } from '../helpers/gateway-harness.js';
import { startGatewayProcess } from '../helpers/gateway-process.js';

const MB = 1024 * 1024;
const SIZE = Number(process.env.BODY_MB ?? 50) * MB;
const pki = await makeTestPki();
const dir = await listenerDir(pki);

function chunks(total: number): Readable {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      sent += chunk.length;
      this.push(chunk);
    },
  });
}

const upstream = await startRecordingUpstream((req, res, got) => {
  if (req.url === '/download') {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': SIZE });
    chunks(SIZE).pipe(res);
    return;
  }
  const body = JSON.stringify({ bodyBytes: got.bodyBytes });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
});
const gw = await startGatewayProcess(
  dir,
  `
logging: { level: warn }
listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: require, trustedCAs: [ca.pem] }
upstreams:
  app: { url: ${upstream.url} }
routes:
  - { name: all, match: { pathPrefix: / }, upstream: app }
`,
);
t.teardown(async () => {
  await gw.stop();
  await upstream.close();
});

function request(pathname: string, body?: Readable): Promise<{ status: number; bytes: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: gw.port,
        servername: 'localhost',
        path: pathname,
        method: body ? 'POST' : 'GET',
        ca: pki.rootCa.certPem,
        cert: pki.client.certPem,
        key: pki.client.keyPem,
        agent: false,
        headers: body ? { 'content-length': SIZE } : {},
      },
      (res) => {
        let bytes = 0;
        let text = '';
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          if (text.length < 1000) text += c.toString('latin1');
        });
        res.on('end', () => resolve({ status: res.statusCode!, bytes, text }));
      },
    );
    req.on('error', reject);
    if (body) body.pipe(req);
    else req.end();
  });
}

t.test('50 MB request and 50 MB response stream with gateway RSS growth under 64 MB', async (t) => {
  // Warm up TLS, undici and the JIT so the baseline is a serving gateway, not an idle one.
  for (let i = 0; i < 20; i++) t.equal((await request('/warm')).status, 200);
  const before = gw.rssBytes();
  const up = await request('/upload', chunks(SIZE));
  const down = await request('/download');
  const peak = gw.peakRssBytes();
  t.equal(up.status, 200);
  t.equal((JSON.parse(up.text) as { bodyBytes: number }).bodyBytes, SIZE, 'the upstream received every request byte');
  t.equal(down.status, 200);
  t.equal(down.bytes, SIZE, 'the client received every response byte');
  const growthMb = (peak - before) / MB;
  t.ok(growthMb < 64, `gateway RSS grew by ${growthMb.toFixed(1)} MB (peak over baseline)`);
});
