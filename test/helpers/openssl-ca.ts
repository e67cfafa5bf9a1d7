// A real CA driven by the openssl CLI in a temp dir: `openssl ca` database (index.txt, serial,
// crlnumber), leaf/intermediate/OCSP-responder certificates, revocation, `-gencrl`, and a real
// `openssl ocsp` responder process (OpenSSL 3 re-reads index.txt only between connections, so tests restart it after revoking).
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const execFileAsync = promisify(execFile);

export interface IssuedCert {
  readonly name: string;
  readonly certPath: string;
  readonly keyPath: string;
  readonly pem: string;
  readonly x509: X509Certificate;
}

export interface LeafOptions {
  readonly ocspUrl?: string;
  readonly crlUrl?: string;
  /** Extra openssl extension lines. */
  readonly extra?: readonly string[];
}

export interface CaOptions {
  readonly name?: string;
  /** 'rsa' (2048) or 'ec' (P-256). */
  readonly keyAlg?: 'rsa' | 'ec';
  /** keyUsage of the CA certificate; default keyCertSign, cRLSign. */
  readonly keyUsage?: string;
  /** Issue this CA from a parent (an intermediate) instead of self-signing. */
  readonly parent?: OpensslCa;
  readonly parentLeaf?: LeafOptions;
}

function keyArgs(alg: 'rsa' | 'ec'): string[] {
  return alg === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
}

export class OpensslCa {
  readonly dir: string;
  readonly name: string;
  readonly certPath: string;
  readonly keyPath: string;
  readonly cert: X509Certificate;
  private seq = 0;
  private readonly responders = new Set<ChildProcess>();

  constructor(opts: CaOptions = {}) {
    this.name = opts.name ?? 'Test CA';
    this.dir = mkdtempSync(join(tmpdir(), 'certgate-ca-'));
    writeFileSync(join(this.dir, 'index.txt'), '');
    writeFileSync(join(this.dir, 'index.txt.attr'), 'unique_subject = no\n');
    writeFileSync(join(this.dir, 'serial'), '1000\n');
    writeFileSync(join(this.dir, 'crlnumber'), '01\n');
    writeFileSync(
      join(this.dir, 'ca.cnf'),
      [
        '[ca]',
        'default_ca = CA_default',
        '[CA_default]',
        `dir = ${this.dir}`,
        'database = $dir/index.txt',
        'new_certs_dir = $dir',
        'serial = $dir/serial',
        'crlnumber = $dir/crlnumber',
        'certificate = $dir/ca.pem',
        'private_key = $dir/ca.key',
        'default_md = sha256',
        'default_days = 30',
        'default_crl_days = 1',
        'policy = policy_any',
        'unique_subject = no',
        'copy_extensions = none',
        'crl_extensions = crl_ext',
        '[policy_any]',
        'commonName = supplied',
        '[crl_ext]',
        'authorityKeyIdentifier = keyid:always',
        '[req]',
        'distinguished_name = dn',
        '[dn]',
        '',
      ].join('\n'),
    );
    const ku = opts.keyUsage ?? 'critical, keyCertSign, cRLSign';
    const alg = opts.keyAlg ?? 'rsa';
    this.certPath = join(this.dir, 'ca.pem');
    this.keyPath = join(this.dir, 'ca.key');
    if (!opts.parent) {
      this.openssl(
        'req',
        '-x509',
        '-new',
        ...keyArgs(alg),
        '-nodes',
        '-keyout',
        this.keyPath,
        '-out',
        this.certPath,
        '-subj',
        `/CN=${this.name}`,
        '-days',
        '30',
        '-config',
        join(this.dir, 'ca.cnf'),
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        `keyUsage=${ku}`,
        '-addext',
        'subjectKeyIdentifier=hash',
      );
    } else {
      const issued = opts.parent.issue(
        this.name,
        {
          ...opts.parentLeaf,
          extra: ['basicConstraints = critical, CA:TRUE', `keyUsage = ${ku}`, ...(opts.parentLeaf?.extra ?? [])],
        },
        alg,
      );
      writeFileSync(this.certPath, issued.pem);
      writeFileSync(this.keyPath, readFileSync(issued.keyPath));
    }
    this.cert = new X509Certificate(readFileSync(this.certPath));
  }

  openssl(...args: string[]): string {
    return execFileSync('openssl', args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  }

  /** Issues a certificate; `extra` replaces the default leaf usage lines when it sets keyUsage. */
  issue(cn: string, opts: LeafOptions = {}, alg: 'rsa' | 'ec' = 'ec'): IssuedCert {
    const id = `c${++this.seq}`;
    const keyPath = join(this.dir, `${id}.key`);
    const csr = join(this.dir, `${id}.csr`);
    const certPath = join(this.dir, `${id}.pem`);
    const ext = join(this.dir, `${id}.ext`);
    const extra = opts.extra ?? [];
    const lines = ['[v3]', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid'];
    if (!extra.some((l) => l.startsWith('basicConstraints'))) lines.push('basicConstraints = CA:FALSE');
    if (!extra.some((l) => l.startsWith('keyUsage'))) lines.push('keyUsage = critical, digitalSignature');
    if (!extra.some((l) => l.startsWith('extendedKeyUsage')) && !extra.some((l) => l.includes('CA:TRUE'))) lines.push('extendedKeyUsage = clientAuth');
    if (opts.ocspUrl) lines.push(`authorityInfoAccess = OCSP;URI:${opts.ocspUrl}`);
    if (opts.crlUrl) lines.push(`crlDistributionPoints = URI:${opts.crlUrl}`);
    lines.push(...extra);
    writeFileSync(ext, lines.join('\n') + '\n');
    this.openssl('req', '-new', ...keyArgs(alg), '-nodes', '-keyout', keyPath, '-out', csr, '-subj', `/CN=${cn}`, '-config', join(this.dir, 'ca.cnf'));
    this.openssl('ca', '-batch', '-config', join(this.dir, 'ca.cnf'), '-in', csr, '-out', certPath, '-extfile', ext, '-extensions', 'v3', '-notext');
    const pem = readFileSync(certPath, 'utf8');
    return { name: cn, certPath, keyPath, pem, x509: new X509Certificate(pem) };
  }

  /** A delegated OCSP responder certificate (id-kp-OCSPSigning, ocsp-nocheck). */
  issueOcspSigner(cn = `${this.name} OCSP`, opts: { eku?: boolean } = {}): IssuedCert {
    return this.issue(cn, {
      extra: ['keyUsage = critical, digitalSignature', opts.eku === false ? 'extendedKeyUsage = clientAuth' : 'extendedKeyUsage = OCSPSigning', 'noCheck = ignored'],
    });
  }

  revoke(cert: IssuedCert, reason: 'keyCompromise' | 'cACompromise' | 'superseded' | 'certificateHold' | 'unspecified' = 'keyCompromise'): void {
    const args = ['ca', '-config', join(this.dir, 'ca.cnf'), '-revoke', cert.certPath];
    if (reason === 'certificateHold') args.push('-crl_hold', 'holdInstructionReject');
    else args.push('-crl_reason', reason);
    this.openssl(...args);
  }

  /** `openssl ca -gencrl`; returns DER. */
  gencrl(opts: { hours?: number } = {}): Buffer {
    const pem = join(this.dir, `crl-${++this.seq}.pem`);
    this.openssl('ca', '-gencrl', '-config', join(this.dir, 'ca.cnf'), '-out', pem, '-crlhours', String(opts.hours ?? 24));
    return execFileSync('openssl', ['crl', '-in', pem, '-outform', 'DER'], { cwd: this.dir });
  }

  /**
   * Starts `openssl ocsp`. Without `port` it binds port 0 and the real port is read back from its
   * "ACCEPT" line (no probe-then-close race). `nmin: null` omits -nmin, so answers carry no
   * nextUpdate and the client's maxAge decides their lifetime.
   */
  async startOcsp(opts: { signer?: IssuedCert; port?: number; nmin?: number | null; sha?: string } = {}): Promise<OcspProcess> {
    const signer = opts.signer ?? { certPath: this.certPath, keyPath: this.keyPath };
    const args = [
      'ocsp',
      '-port',
      String(opts.port ?? 0),
      '-index',
      'index.txt',
      '-CA',
      this.certPath,
      '-rsigner',
      signer.certPath,
      '-rkey',
      signer.keyPath,
      ...(opts.nmin === null ? [] : ['-nmin', String(opts.nmin ?? 5)]),
      '-ignore_err',
    ];
    const child = spawn('openssl', args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    this.responders.add(child);
    let output = '';
    // Wait for its "ACCEPT" line rather than probing the port: openssl ocsp serves one connection
    // at a time, and an empty probe connection wedges it for every later client.
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`openssl ocsp did not start: ${output}`)), 10_000);
      const onData = (d: Buffer): void => {
        output += d.toString();
        // Only a whole line: a chunk may end in the middle of the port number.
        const m = /ACCEPT (?:\[[^\]]*\]|[^\s:]*):(\d+)\s/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', () => {
        clearTimeout(timer);
        reject(new Error(`openssl ocsp exited: ${output}`));
      });
    });
    child.removeAllListeners('exit');
    const url = `http://127.0.0.1:${port}`;
    const stop = async (): Promise<void> => {
      this.responders.delete(child);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    };
    // `openssl ocsp` re-reads index.txt at the top of its accept loop, so after one answered query
    // the next connection sees the current index: query until it reports what the test expects.
    const queryStatus = async (cert: IssuedCert): Promise<string> => {
      const { stdout: out } = await execFileAsync('openssl', ['ocsp', '-issuer', this.certPath, '-cert', cert.certPath, '-url', url, '-noverify', '-no_nonce'], {
        cwd: this.dir,
        timeout: 10_000,
      });
      const m = /: (good|revoked|unknown)\b/.exec(out);
      return m?.[1] ?? out;
    };
    const awaitStatus = async (cert: IssuedCert, status: 'good' | 'revoked' | 'unknown', attempts = 20): Promise<void> => {
      let last = '';
      for (let i = 0; i < attempts; i++) {
        last = await queryStatus(cert);
        if (last === status) return;
      }
      throw new Error(`openssl ocsp never answered ${status} for ${cert.name} (last: ${last})`);
    };
    return { port, url, stop, stderr: () => output, awaitStatus };
  }

  async close(): Promise<void> {
    for (const c of this.responders) {
      if (c.exitCode === null) {
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGKILL');
        await exited;
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface OcspProcess {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
  stderr(): string;
  /** Queries the responder (real `openssl ocsp` client) until it answers `status` for `cert`. */
  awaitStatus(cert: IssuedCert, status: 'good' | 'revoked' | 'unknown', attempts?: number): Promise<void>;
}
