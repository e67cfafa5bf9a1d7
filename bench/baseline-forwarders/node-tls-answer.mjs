// Baseline: a Node https server with required client certificates that answers by itself
// ("ok\n"), no forwarding. The ceiling for any Node gateway on this machine.
import { createMtlsServer, options, clientCertHeader } from './common.mjs';

const opts = options();
createMtlsServer(opts, (req, res) => {
  clientCertHeader(req); // same per-connection identity work as the forwarders (cached)
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '3' });
  res.end('ok\n');
});
