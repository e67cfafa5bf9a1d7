// The one entry point to @peculiar/x509 in certgate: import it from here, never directly, so the
// Reflect shim it needs is in place before the library loads (ES modules evaluate their imports
// in order) and the WebCrypto provider is set once.
import './reflect-metadata-shim.js';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
