// RFC 7662 token introspection: POST token=... to the authorization server's endpoint, the
// gateway authenticated with HTTP Basic or its own client certificate (the TLS options are built
// by the one owner of upstream TLS, src/forward/upstream-tls.ts). Only `active: true` admits a
// token; `iss` and `aud`, when the answer carries them, must be what the route accepts. A bounded
// deadline and answer size: a slow or hostile endpoint can neither hang requests nor fill memory.
import { Agent, request } from 'undici';
import { upstreamTlsOptions } from '../forward/upstream-tls.js';
import type { IntrospectionConfig } from './config.js';
import { TokenRejection, VerificationUnavailable } from './token-errors.js';
import { confirmationThumbprint, type VerifiedToken } from './verified-token.js';

const TIMEOUT = 5_000;
const MAX_ANSWER_BYTES = 64 * 1024;

export interface IntrospectionClient {
  /** One call to the endpoint; rejects with TokenRejection or VerificationUnavailable. */
  introspect(token: string): Promise<VerifiedToken>;
  close(): Promise<void>;
}

export function createIntrospectionClient(config: IntrospectionConfig): IntrospectionClient {
  const tls = upstreamTlsOptions({ url: config.url, tls: config.tls, authentication: config.authentication });
  const agent = new Agent({ connect: { timeout: TIMEOUT, ...tls }, headersTimeout: TIMEOUT, bodyTimeout: TIMEOUT, connections: 16 });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  for (const auth of config.authentication) if (auth.header) headers[auth.header[0]] = auth.header[1];

  return {
    async introspect(token: string): Promise<VerifiedToken> {
      const answer = await post(agent, config.url, headers, new URLSearchParams({ token, token_type_hint: 'access_token' }).toString());
      return judge(answer, config);
    },
    close: () => agent.close(),
  };
}

async function post(agent: Agent, url: URL, headers: Record<string, string>, body: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    const res = await request(url, { method: 'POST', headers, body, dispatcher: agent, signal: AbortSignal.timeout(TIMEOUT) });
    if (res.statusCode !== 200) {
      await res.body.dump().catch(() => undefined);
      throw new VerificationUnavailable(`introspection endpoint answered HTTP ${res.statusCode}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_ANSWER_BYTES) {
        res.body.destroy();
        throw new VerificationUnavailable(`introspection answer larger than ${MAX_ANSWER_BYTES} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    text = Buffer.concat(chunks).toString('utf8');
  } catch (err) {
    if (err instanceof VerificationUnavailable) throw err;
    throw new VerificationUnavailable(`introspection endpoint unreachable: ${(err as Error).message}`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new VerificationUnavailable('introspection answer is not JSON', { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new VerificationUnavailable('introspection answer is not a JSON object');
  return parsed as Record<string, unknown>;
}

/** RFC 7662 section 2.2: the answer as a verdict on the token. */
function judge(answer: Record<string, unknown>, config: IntrospectionConfig): VerifiedToken {
  if (answer['active'] !== true) throw new TokenRejection('the access token is not active');
  const now = Date.now();
  const exp = answer['exp'];
  if (exp !== undefined && (typeof exp !== 'number' || exp * 1000 <= now)) throw new TokenRejection('the access token has expired');
  const iss = answer['iss'];
  if (iss !== undefined && config.issuer !== undefined && iss !== config.issuer) throw new TokenRejection('the access token is from an issuer this route does not accept');
  const aud = answer['aud'];
  if (aud !== undefined && config.audiences !== undefined) {
    const audiences = Array.isArray(aud) ? aud : [aud];
    if (!audiences.some((a) => typeof a === 'string' && config.audiences!.includes(a))) throw new TokenRejection('the access token is not meant for this audience');
  }
  // Cached no longer than cacheMaxAge, so a revoked token stops working within it.
  const until = now + config.cacheMaxAge;
  return { x5tS256: confirmationThumbprint(answer), expiresAt: typeof exp === 'number' ? Math.min(exp * 1000, until) : until };
}
