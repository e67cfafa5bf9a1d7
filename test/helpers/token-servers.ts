// The authorization server's side of token binding, real and on loopback: a JWKS endpoint and an
// RFC 7662 introspection endpoint, each counting what it was asked. Keys and JWTs come from jose.
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';

export interface JwksServer {
  readonly url: string;
  /** GETs of the key set so far. */
  fetches: number;
  close(): Promise<void>;
}

export interface SigningKey {
  readonly alg: string;
  readonly kid: string;
  readonly privateKey: CryptoKey;
}

/** Serves `{ keys }` with the public halves of `signers` at /jwks. */
export async function startJwksServer(signers: readonly SigningKey[], publicKeys: readonly CryptoKey[]): Promise<JwksServer> {
  const keys = await Promise.all(publicKeys.map(async (k, i) => ({ ...(await exportJWK(k)), kid: signers[i]!.kid, alg: signers[i]!.alg, use: 'sig' })));
  const body = JSON.stringify({ keys });
  const state = { fetches: 0 };
  const server = http.createServer((req, res) => {
    state.fetches++;
    res.writeHead(200, { 'content-type': 'application/jwk-set+json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  const port = await listen(server);
  return Object.assign(state, { url: `http://127.0.0.1:${port}/jwks`, close: () => closeServer(server) });
}

export async function signingKey(alg: 'ES256' | 'RS256' | 'PS256', kid: string): Promise<{ signer: SigningKey; publicKey: CryptoKey }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { signer: { alg, kid, privateKey }, publicKey };
}

/** A JWT access token (RFC 9068): iss, aud, iat, exp (seconds from now), plus `claims`. */
export function accessToken(key: SigningKey, o: { iss: string; aud: string; expiresIn?: number; claims?: JWTPayload }): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ client_id: 'client-1', ...o.claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
    .setIssuer(o.iss)
    .setAudience(o.aud)
    .setIssuedAt(now - 60)
    .setExpirationTime(now + (o.expiresIn ?? 300))
    .sign(key.privateKey);
}

export interface IntrospectionCall {
  readonly token: string | null;
  readonly authorization: string | undefined;
  /** The subject of the client certificate the gateway presented, if any. */
  readonly peerSubject: string | undefined;
}

export interface IntrospectionServer {
  readonly url: string;
  readonly calls: IntrospectionCall[];
  /** The answer per token; unknown tokens answer `{ active: false }`. A number answers that HTTP status. */
  readonly answers: Map<string, Record<string, unknown> | number>;
  /** While set, answers wait for it. */
  hold: Promise<void> | undefined;
  close(): Promise<void>;
}

export async function startIntrospectionServer(tlsOptions?: https.ServerOptions): Promise<IntrospectionServer> {
  const state: { calls: IntrospectionCall[]; answers: Map<string, Record<string, unknown> | number>; hold: Promise<void> | undefined } = {
    calls: [],
    answers: new Map(),
    hold: undefined,
  };
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const token = new URLSearchParams(body).get('token');
      const socket = req.socket as TLSSocket;
      const peer = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
      state.calls.push({ token, authorization: req.headers.authorization, peerSubject: peer?.subject ? `CN=${String(peer.subject.CN)}` : undefined });
      const answer = state.answers.get(token ?? '') ?? { active: false };
      const send = (): void => {
        if (typeof answer === 'number') {
          res.writeHead(answer);
          res.end();
          return;
        }
        const json = JSON.stringify(answer);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
        res.end(json);
      };
      if (state.hold) void state.hold.then(send);
      else send();
    });
  };
  const server = tlsOptions ? https.createServer(tlsOptions, handler) : http.createServer(handler);
  const port = await listen(server);
  const url = `${tlsOptions ? 'https://localhost' : 'http://127.0.0.1'}:${port}/introspect`;
  return Object.assign(state, { url, close: () => closeServer(server) });
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
