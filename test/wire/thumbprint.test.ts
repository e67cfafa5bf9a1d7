// The thumbprint helpers of src/wire/thumbprint.ts: what config accepts as an x5t#S256.
import t from 'tap';
import { isThumbprint } from '../../src/wire/thumbprint.js';

t.test('isThumbprint: 43 base64url characters, no padding (RFC 8705 section 3.1)', async (t) => {
  t.ok(isThumbprint('OID_Sc2yReTDx9QS7f1SMUzNxsh7khJYmaIwqXw8Yuw'));
  t.notOk(isThumbprint('OID_Sc2yReTDx9QS7f1SMUzNxsh7khJYmaIwqXw8Yu'), '42 characters');
  t.notOk(isThumbprint('OID_Sc2yReTDx9QS7f1SMUzNxsh7khJYmaIwqXw8Yu='), 'padding');
  t.notOk(isThumbprint('OID+Sc2yReTDx9QS7f1SMUzNxsh7khJYmaIwqXw8Yuw'), 'base64, not base64url');
});
