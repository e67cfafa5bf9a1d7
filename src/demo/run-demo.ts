// `certgate demo`: the development PKI, the echo upstream and the gateway with config/gateway.yaml,
// in one process. It shows the mission: a good certificate forwarded and signed (the echo verifies
// the signature), no certificate and a revoked one (listed in the dev PKI's CRL) refused. The PKI directory and every port can be chosen (port 0 = any free port, read
// back and printed), so tests and a second demo never fight over 8443/9080/9901 or the checkout.
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { isScalar, parseDocument, visit } from 'yaml';
import { loadConfigFromString } from '../config/load-config.js';
import type { UpstreamConfig } from '../config/types.js';
import { ConfigError } from '../errors.js';
import { startGateway, type RunningGateway } from '../gateway.js';
import { createLogger } from '../observability/logger.js';
import { hasDevPki, writeDevPki } from '../pki/dev-pki.js';
import { gatewayVerificationKeys, signatureDescriber, type DescribeSignature } from './echo-signature-check.js';
import { createEchoUpstream } from './echo-upstream.js';

export interface DemoOptions {
  /** The demo config template (config/gateway.yaml); its `../certs/` paths point into `dir`. */
  readonly template: string;
  /** Where the development PKI is read from (and written to when absent). */
  readonly dir: string;
  /** Overrides of the template's listener host and port, the echo upstream's and the admin port. */
  readonly host?: string;
  readonly port?: number;
  readonly upstreamPort?: number;
  readonly adminPort?: number;
}

const TEMPLATE_CERTS = '../certs/';

export async function runDemo(opts: DemoOptions): Promise<number> {
  if (!(await hasDevPki(opts.dir))) {
    await writeDevPki(opts.dir);
    process.stdout.write(`certgate demo: wrote a development PKI to ${opts.dir}\n`);
  }
  // Replaced once the gateway is up and its keys can be read.
  let describeSignature: DescribeSignature = () => 'not checked: the gateway is still starting';
  const echo = createEchoUpstream((req) => describeSignature(req));
  const echoPort = opts.upstreamPort ?? 9080;
  try {
    await new Promise<void>((resolve, reject) => {
      echo.once('error', reject);
      echo.listen(echoPort, '127.0.0.1', () => resolve());
    });
  } catch (err) {
    process.stderr.write(`certgate demo: cannot start the echo upstream on 127.0.0.1:${echoPort}: ${describeListenError(err, '--upstream-port')}\n`);
    return 2;
  }
  const realEchoPort = (echo.address() as AddressInfo).port;

  let gateway: RunningGateway;
  let adminPort: number | undefined;
  let echoUpstream: UpstreamConfig | undefined;
  try {
    const text = demoConfigText(await readFile(opts.template, 'utf8'), opts, realEchoPort);
    const config = await loadConfigFromString(text, opts.template);
    adminPort = config.admin?.listen.port;
    echoUpstream = config.upstreams.get('echo');
    gateway = await startGateway({ ...config, workers: 1 }, { logger: createLogger(config.logging.level) });
  } catch (err) {
    echo.close();
    if (err instanceof ConfigError) {
      process.stderr.write(`certgate demo: invalid config\n${err.message}\n`);
      return 1;
    }
    process.stderr.write(
      `certgate demo: cannot start the gateway: ${describeListenError(err, adminPort !== undefined && (err as { port?: number }).port === adminPort ? '--admin-port' : '--port')}\n`,
    );
    return 2;
  }
  const stop = (): void => {
    echo.close();
    gateway.close().then(
      () => process.exit(0),
      () => process.exit(2),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);

  const listener = [...gateway.addresses.values()][0]!;
  const admin = gateway.adminAddress;
  const jwksUrl = admin ? `http://127.0.0.1:${admin.port}/.well-known/certgate-keys` : undefined;
  if (echoUpstream) {
    try {
      describeSignature = signatureDescriber(echoUpstream, await gatewayVerificationKeys(echoUpstream, jwksUrl));
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      describeSignature = () => `not checked: the echo upstream could not read the gateway's keys (${why})`;
    }
  }
  const rel = path.relative(process.cwd(), opts.dir);
  const certs = rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? opts.dir : rel;
  const url = `https://localhost:${listener.port}`;
  const sig = echoUpstream?.signature;
  const curl = (cert: string): string => `  curl --cacert ${certs}/ca.pem${cert === '' ? '' : ` --cert ${certs}/${cert}.pem --key ${certs}/${cert}-key.pem`} ${url}/hello\n`;
  process.stdout.write(
    `\ncertgate demo is running: echo upstream on http://127.0.0.1:${realEchoPort}, gateway on ${url}` +
      `${admin ? `, admin on http://127.0.0.1:${admin.port}` : ''}\n` +
      (sig
        ? `The gateway signs the headers it forwards (RFC 9421, ${sig.alg}, keyid ${sig.keyId}); the echo upstream verifies them with certgate/verify` +
          ` against ${jwksUrl ?? sig.keyPath}.\n`
        : '') +
      `Try:\nA good certificate (200; the echo shows the forwarded certificate${sig ? ` and "signature": "verified (keyid ${sig.keyId})"` : ''}):\n${curl('client')}` +
      `Without a client certificate (401 CLIENT_CERT_REQUIRED):\n${curl('')}` +
      `A revoked certificate, listed in ${certs}/ca.crl (401 CLIENT_CERT_REVOKED):\n${curl('client-revoked')}\n`,
  );
  return 0;
}

/** The template with its certificate paths in `dir`, the chosen ports and the echo upstream's real port. */
function demoConfigText(template: string, opts: DemoOptions, echoPort: number): string {
  const doc = parseDocument(template);
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && node.value.startsWith(TEMPLATE_CERTS)) node.value = path.join(opts.dir, node.value.slice(TEMPLATE_CERTS.length));
    },
  });
  const listen = doc.getIn(['listeners', 0, 'listen']);
  const [host, port] = splitHostPort(String(isScalar(listen) ? listen.value : listen));
  doc.setIn(['listeners', 0, 'listen'], joinHostPort(opts.host ?? host, opts.port ?? port));
  if (opts.adminPort !== undefined) doc.setIn(['admin', 'listen'], joinHostPort('127.0.0.1', opts.adminPort));
  doc.setIn(['upstreams', 'echo', 'url'], `http://127.0.0.1:${echoPort}`);
  return doc.toString();
}

function splitHostPort(listen: string): [string, number] {
  const at = listen.lastIndexOf(':');
  return [listen.slice(0, at).replace(/^\[|\]$/g, ''), Number(listen.slice(at + 1))];
}

function joinHostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function describeListenError(err: unknown, flag: string): string {
  const e = err as NodeJS.ErrnoException & { port?: number; address?: string };
  if (e.code === 'EADDRINUSE') {
    const where = e.port !== undefined ? `${e.address ?? ''}:${e.port}` : 'the port';
    return `${where} is already in use (another certgate demo?). Choose another port with ${flag} N, or ${flag} 0 for any free port.`;
  }
  return e.message;
}
