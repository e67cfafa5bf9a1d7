// The expected `x5t#S256` computed by the test itself (RFC 8705 section 3.1), not by the code
// under test.
import { createHash } from 'node:crypto';

export const expectedX5t = (der: Uint8Array): string => createHash('sha256').update(der).digest('base64url');
