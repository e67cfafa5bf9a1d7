// What a benchmark result depends on besides the code: CPU, kernel, nginx, Node and OpenSSL versions.
import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** A Node binary's version and its OpenSSL version; `tag` is the major version (v20). */
export function nodeRuntime(path) {
  const [version, openssl] = execFileSync(path, ['-p', 'process.version + " " + process.versions.openssl'], { encoding: 'utf8' }).trim().split(' ');
  return { path, version, openssl, tag: version.split('.')[0] };
}

export function environment(nodes) {
  return {
    command: `node bench/run.mjs ${process.argv.slice(2).join(' ')}`.trim(),
    cpu: os.cpus()[0]?.model,
    cpus: os.cpus().length,
    kernel: `${os.type()} ${os.release()}`,
    nginx: execFileSync('sh', ['-c', 'nginx -v 2>&1'], { encoding: 'utf8' }).trim(),
    openssl_cli: execFileSync('openssl', ['version'], { encoding: 'utf8' }).trim(),
    node: nodes.map((n) => ({ path: n.path, version: n.version, openssl: n.openssl })),
  };
}

export function formatEnvironment(env) {
  return (
    `command: ${env.command}\n` +
    `cpu: ${env.cpus} × ${env.cpu}; kernel ${env.kernel}\n` +
    `${env.nginx}; ${env.openssl_cli} (CLI; the load generator links the system libssl)\n` +
    env.node.map((n) => `node ${n.version} (OpenSSL ${n.openssl}): ${n.path}\n`).join('')
  );
}
