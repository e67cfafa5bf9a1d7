// The listener verdict per verify mode, with the expectations written out here (never taken from
// src/tls/verify-mode.ts or src/identity/client-identity.ts tables). optional_no_ca follows
// nginx's ssl_verify_client optional_no_ca: only "not issued by a trusted CA" is tolerated; a
// certificate that is expired, not yet valid, for the wrong purpose, too deep, badly signed or
// revoked is refused whatever the trust anchors.
import t from 'tap';
import { listenerVerdict } from '../../src/tls/verify-mode.js';
import type { ClientIdentity } from '../../src/identity/types.js';
import type { ClientAuthMode } from '../../src/config/types.js';

const failed = (verifyReason: string | undefined): ClientIdentity => ({ chain: [], verify: 'FAILED', ...(verifyReason !== undefined ? { verifyReason } : {}) });
const none: ClientIdentity = { chain: [], verify: 'NONE' };
const ok: ClientIdentity = { chain: [], verify: 'SUCCESS' };

/** OpenSSL verify errors that mean only "issuer not trusted / not found": optional_no_ca lets them pass. */
const TOLERATED_BY_OPTIONAL_NO_CA = [
  'DEPTH_ZERO_SELF_SIGNED_CERT', // X509_V_ERR 18: a self-signed leaf (pinned by thumbprint upstream)
  'SELF_SIGNED_CERT_IN_CHAIN', // 19: the chain ends in a self-signed CA nobody here trusts
  'UNABLE_TO_GET_ISSUER_CERT', // 2
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', // 20
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', // 21: a lone leaf whose issuer is unknown
];

/** Everything else is refused, with the description the client sees. */
const REFUSED: ReadonlyArray<[reason: string, description: RegExp]> = [
  ['INVALID_PURPOSE', /^client certificate is not valid for TLS client authentication$/],
  ['CERT_CHAIN_TOO_LONG', /^client certificate chain is longer than verifyDepth allows$/],
  ['PATH_LENGTH_EXCEEDED', /^client certificate chain is longer than verifyDepth allows$/],
  ['CERT_HAS_EXPIRED', /^client certificate has expired$/],
  ['ERROR_IN_CERT_NOT_AFTER_FIELD', /^client certificate has expired$/],
  ['CERT_NOT_YET_VALID', /^client certificate is not yet valid$/],
  ['ERROR_IN_CERT_NOT_BEFORE_FIELD', /^client certificate is not yet valid$/],
  ['CERT_SIGNATURE_FAILURE', /^client certificate signature is invalid$/],
  ['CERT_REVOKED', /^client certificate has been revoked$/],
  ['INVALID_CA', /^client certificate could not be verified$/],
  ['CERT_REJECTED', /^client certificate is not issued by a trusted CA$/],
  ['CERT_UNTRUSTED', /^client certificate is not issued by a trusted CA$/],
  ['UNABLE_TO_DECRYPT_CERT_SIGNATURE', /^client certificate could not be verified$/],
  ['INVALID_EXTENSION', /^client certificate could not be verified$/],
  ['UNHANDLED_CRITICAL_EXTENSION', /^client certificate could not be verified$/],
  ['KEY_USAGE_NO_CERTSIGN', /^client certificate could not be verified$/],
  ['SOMETHING_NEW_IN_OPENSSL_4', /^client certificate could not be verified$/],
  ['UNKNOWN', /^client certificate could not be verified$/],
  ['', /^client certificate could not be verified$/],
  // Exact names only: a differently spelled reason is not a tolerated one.
  ['depth_zero_self_signed_cert', /could not be verified/],
  [' DEPTH_ZERO_SELF_SIGNED_CERT', /could not be verified/],
  ['DEPTH_ZERO_SELF_SIGNED_CERT_X', /could not be verified/],
];

t.test('optional_no_ca tolerates exactly the untrusted-issuer errors', async (t) => {
  for (const reason of TOLERATED_BY_OPTIONAL_NO_CA) {
    t.equal(listenerVerdict('optional_no_ca', failed(reason)), undefined, `${reason}: passes to routing`);
  }
});

t.test('optional_no_ca refuses every other verify error with CLIENT_CERT_INVALID', async (t) => {
  for (const [reason, description] of REFUSED) {
    const v = listenerVerdict('optional_no_ca', failed(reason));
    t.equal(v?.code, 'CLIENT_CERT_INVALID', `${JSON.stringify(reason)}: refused`);
    t.match(v?.description, description, `${JSON.stringify(reason)}: ${v?.description}`);
  }
  const noReason = listenerVerdict('optional_no_ca', failed(undefined));
  t.equal(noReason?.code, 'CLIENT_CERT_INVALID', 'FAILED without a reason: refused');
});

t.test('require and optional refuse every failed verification, the untrusted kinds too', async (t) => {
  for (const mode of ['require', 'optional'] as const) {
    for (const reason of [...TOLERATED_BY_OPTIONAL_NO_CA, ...REFUSED.map(([r]) => r)]) {
      t.equal(listenerVerdict(mode, failed(reason))?.code, 'CLIENT_CERT_INVALID', `${mode}: ${reason}`);
    }
  }
  t.match(listenerVerdict('require', failed('DEPTH_ZERO_SELF_SIGNED_CERT'))?.description, /^client certificate is self-signed and not trusted$/);
  t.match(listenerVerdict('optional', failed('SELF_SIGNED_CERT_IN_CHAIN'))?.description, /^client certificate chain ends in an untrusted self-signed CA$/);
  t.match(listenerVerdict('require', failed('UNABLE_TO_GET_ISSUER_CERT_LOCALLY'))?.description, /^client certificate is not issued by a trusted CA$/);
});

t.test('no certificate: require answers CLIENT_CERT_REQUIRED, the optional modes pass', async (t) => {
  const r = listenerVerdict('require', none);
  t.equal(r?.code, 'CLIENT_CERT_REQUIRED');
  t.equal(r?.description, 'a client certificate is required');
  t.equal(listenerVerdict('optional', none), undefined);
  t.equal(listenerVerdict('optional_no_ca', none), undefined);
});

t.test('a verified certificate passes every mode; off never looks at the certificate', async (t) => {
  for (const mode of ['require', 'optional', 'optional_no_ca', 'off'] as ClientAuthMode[]) t.equal(listenerVerdict(mode, ok), undefined, mode);
  for (const reason of ['CERT_HAS_EXPIRED', 'INVALID_PURPOSE', 'DEPTH_ZERO_SELF_SIGNED_CERT']) t.equal(listenerVerdict('off', failed(reason)), undefined, `off: ${reason}`);
  t.equal(listenerVerdict('off', none), undefined);
});
