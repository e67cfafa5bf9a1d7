// The signature of a request with a body on a signing upstream, made once the forward stage has
// read the body (src/forward/signed-body.ts): with the body's Content-Digest covered when it fits
// digestMaxBody, or tagged `certgate-nobody` when the route lets a larger body pass unsigned.
// Requests without a body are signed by the headers stage at once and never build this.
import type { LargeBodies } from './config.js';
import type { RequestSigner, SignedHeaders, SignInput } from './request-signer.js';
import { contentDigestValue } from '../wire/content-digest.js';

export class PendingBodySignature {
  constructor(
    private readonly signer: RequestSigner,
    private readonly input: SignInput,
    /** the upstream request's flat header list, to which the signature is added */
    private readonly headers: string[],
    readonly digestMaxBody: number,
    readonly largeBodies: LargeBodies,
  ) {}

  /** Adds `Content-Digest` of the whole body and the signature covering it. */
  signWithDigest(body: Uint8Array): void {
    const contentDigest = contentDigestValue(body);
    this.headers.push('content-digest', contentDigest);
    this.add(this.signer.sign({ ...this.input, contentDigest }));
  }

  /** Adds the signature tagged `certgate-nobody`: the body goes without a digest. */
  signWithoutBody(): void {
    this.add(this.signer.sign({ ...this.input, unsignedBody: true }));
  }

  private add(sig: SignedHeaders): void {
    this.headers.push('signature-input', sig.signatureInput, 'signature', sig.signature);
  }
}
