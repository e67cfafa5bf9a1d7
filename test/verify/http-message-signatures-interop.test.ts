// Cross-check with an independent RFC 9421 implementation (the http-message-signatures package):
// what certgate signs, it verifies; what it signs, certgate/verify accepts.
import t from 'tap';
import { createSigner, createVerifier, httpbis } from 'http-message-signatures';
import { createRequestSigner } from '../../src/signing/request-signer.js';
import { verifyForwardedRequest } from '../../src/verify/index.js';
import { encodeCertHeader } from '../../src/wire/header-codecs.js';
import { LEAF_DER, signatureConfig } from './forwarded-request-fixture.js';

const ALGS = ['ed25519', 'ecdsa-p256-sha256', 'hmac-sha256'] as const;
const AUTHORITY = 'idp.internal:8443';
const certHeader = encodeCertHeader('pem-urlencoded', LEAF_DER);

for (const alg of ALGS) {
  t.test(`${alg}: certgate signs, http-message-signatures verifies`, async (t) => {
    const sig = signatureConfig(alg, `gw-${alg}`);
    const added = ['X-Client-Cert', certHeader, 'X-Client-Verify', 'SUCCESS'];
    const signed = createRequestSigner(sig).sign({ method: 'POST', authority: AUTHORITY, path: '/token', query: '?a=b%20c', added });
    const message = {
      method: 'POST',
      url: `https://${AUTHORITY}/token?a=b%20c`,
      headers: {
        'x-client-cert': certHeader,
        'x-client-verify': 'SUCCESS',
        'signature-input': signed.signatureInput,
        signature: signed.signature,
      } as Record<string, string>,
    };
    const keyLookup = async (params: { keyid?: string }) => (params.keyid === sig.keyId ? { id: sig.keyId, algs: [alg], verify: createVerifier(sig.publicKey, alg) } : null);
    const config = {
      keyLookup,
      requiredFields: ['@method', '@authority', '@path', '@query', 'x-client-cert'],
      requiredParams: ['created', 'keyid', 'alg'],
    };
    t.equal(await httpbis.verifyMessage(config, message), true);

    message.headers['x-client-verify'] = 'FAILED:x';
    t.not(await httpbis.verifyMessage(config, message).catch(() => false), true, 'a tampered header fails there too');
  });

  t.test(`${alg}: http-message-signatures signs, certgate/verify verifies`, async (t) => {
    const sig = signatureConfig(alg, `ext-${alg}`);
    const request = {
      method: 'POST',
      url: `https://${AUTHORITY}/token?grant_type=client_credentials`,
      headers: { host: AUTHORITY, 'x-client-cert': certHeader, 'x-client-verify': 'SUCCESS' } as Record<string, string>,
    };
    const signed = await httpbis.signMessage(
      {
        key: createSigner(sig.key, alg, sig.keyId),
        name: 'certgate',
        fields: ['@method', '@authority', '@path', '@query', 'x-client-cert', 'x-client-verify'],
        params: ['created', 'keyid', 'alg', 'expires'],
      },
      request,
    );
    const upstreamView = { method: 'POST', url: '/token?grant_type=client_credentials', headers: lowerCase(signed.headers) };
    const id = verifyForwardedRequest(upstreamView, { keys: { [sig.keyId]: sig.publicKey }, maxAge: 60 });
    t.equal(id.keyId, sig.keyId);
    t.ok(id.certificate!.der.equals(LEAF_DER));

    t.throws(() => verifyForwardedRequest({ ...upstreamView, method: 'PUT' }, { keys: { [sig.keyId]: sig.publicKey }, maxAge: 60 }), { code: 'ERR_BAD_SIGNATURE' });
  });
}

function lowerCase(headers: Record<string, string | string[]>): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
