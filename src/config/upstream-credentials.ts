// How the gateway authenticates itself to an upstream: TLS (trust, its own client certificate)
// and HTTP Basic. The password never appears in an issue; only its key and file path do.
import { checkKeyMatches, loadCertificateFile, loadPrivateKeyFile } from './certificate-files.js';
import { readConfiguredFile } from './config-files.js';
import type { ConfigSection } from './config-section.js';
import { headerNameProblem } from './header-names.js';
import { isHostname } from './listen-address.js';
import type { BasicAuthConfig, UpstreamTlsConfig } from './types.js';

export function readUpstreamTls(parent: ConfigSection, isHttps: boolean): UpstreamTlsConfig | undefined {
  const s = parent.section('tls', ['ca', 'cert', 'key', 'servername']);
  if (!s) return undefined;
  if (!isHttps) s.errorHere('tls is only for https:// upstreams; use an https:// url or remove tls');
  const ctx = s.ctx;
  const caPath = s.string('ca');
  const certPath = s.string('cert');
  const keyPath = s.string('key');
  const servername = s.string('servername');
  if (servername !== undefined && !isHostname(servername)) s.error('servername', `expected a DNS name for SNI, got '${servername}'`);
  const ca = caPath !== undefined ? loadCertificateFile(ctx, s.at('ca'), s.keyPath('ca'), caPath, 'CA certificate file') : undefined;
  const cert = certPath !== undefined ? loadCertificateFile(ctx, s.at('cert'), s.keyPath('cert'), certPath, 'client certificate file') : undefined;
  const key = keyPath !== undefined ? loadPrivateKeyFile(ctx, s.at('key'), s.keyPath('key'), keyPath) : undefined;
  if (s.has('cert') && !s.has('key')) s.error('cert', "tls.cert needs tls.key (the private key of the gateway's client certificate)");
  if (s.has('key') && !s.has('cert')) s.error('key', "tls.key needs tls.cert (the gateway's client certificate)");
  if (cert && key) checkKeyMatches(ctx, s.at('key'), s.keyPath('key'), cert, key);
  return {
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { keyPem: key.pem } : {}),
    ...(servername !== undefined ? { servername } : {}),
  };
}

export function readBasicAuth(parent: ConfigSection): { basic?: BasicAuthConfig } | undefined {
  const auth = parent.section('auth', ['basic']);
  if (!auth) return undefined;
  return readBasicCredentials(auth, { required: true });
}

/** `basic` within an already opened `auth` mapping (which may allow other methods beside it). */
export function readBasicCredentials(auth: ConfigSection, opts: { required?: boolean } = {}): { basic?: BasicAuthConfig } | undefined {
  const s = auth.section('basic', ['username', 'password', 'passwordFile', 'header'], opts);
  if (!s) return undefined;
  const username = s.string('username', { required: true });
  // RFC 7617 section 2: the user-id cannot contain a colon.
  if (username?.includes(':')) s.error('username', "a Basic username cannot contain ':' (RFC 7617)");
  let password: string | undefined;
  if (s.has('password') && s.has('passwordFile')) {
    s.error('passwordFile', 'give either password or passwordFile, not both');
  } else if (s.has('password')) {
    password = s.string('password', { secret: true });
  } else if (s.has('passwordFile')) {
    const configured = s.string('passwordFile');
    const file = configured !== undefined ? readConfiguredFile(s.ctx, s.at('passwordFile'), s.keyPath('passwordFile'), configured, 'password file') : undefined;
    if (file) {
      password = file.data.toString('utf8').trim();
      if (password === '') s.error('passwordFile', `password file ${file.path} is empty`);
    }
  } else {
    s.error('password', "missing required key 'password' (or 'passwordFile')");
  }
  const header = s.string('header') ?? 'Authorization';
  const problem = headerNameProblem(header);
  if (problem) s.error('header', problem);
  if (username === undefined || password === undefined) return undefined;
  const headerValue = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
  return { basic: { username, password, header, headerValue } };
}
