// The forward stage for a request with a body on a signing upstream (issue 14): the body is read
// whole, up to the upstream's digestMaxBody, so that its Content-Digest can be signed, then sent
// with its Content-Length. A body over the limit (declared, or a chunked one growing past it) is
// refused with 413 before any upstream connection is taken (`largeBodies: reject`), or forwarded
// as request-body.ts would, under a signature tagged `certgate-nobody` (`unsigned-body`).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../errors.js';
import type { PendingBodySignature } from '../signing/body-signature.js';
import type { ForwardDone, ForwardOptions } from './forward-request.js';
import { bufferRequestBody, type BufferedBody } from './request-body.js';

const EMPTY = Buffer.alloc(0);

export function forwardSignedBody(req: IncomingMessage, res: ServerResponse, opts: ForwardOptions, sig: PendingBodySignature, done: ForwardDone): void {
  const max = sig.digestMaxBody;
  const declared = req.headers['content-length'];
  // Node has checked Content-Length is one decimal number; over the limit, nothing is read.
  if (declared !== undefined && Number(declared) > max) {
    overLimit(req, res, opts, sig, done, undefined);
    return;
  }
  bufferRequestBody(req, res, Math.max(max, opts.bodyBuffer), (body) => {
    if (body === undefined) done({ aborted: true });
    else if (body.complete && body.length <= max) {
      sig.signWithDigest(body.chunks[0] ?? EMPTY);
      opts.client.forward(req, res, { ...opts, body }, done);
    } else overLimit(req, res, opts, sig, done, body);
  });
}

function overLimit(req: IncomingMessage, res: ServerResponse, opts: ForwardOptions, sig: PendingBodySignature, done: ForwardDone, body: BufferedBody | undefined): void {
  if (sig.largeBodies === 'reject') {
    // The rest of the body is discarded, not read into memory, and the connection closes after
    // the answer: a client still sending it cannot be framed for a next request anyway.
    res.shouldKeepAlive = false;
    req.resume();
    done({ error: new GatewayError('BODY_TOO_LARGE', `the request body is over ${sig.digestMaxBody} bytes, the most this route forwards signed`) });
    return;
  }
  sig.signWithoutBody();
  if (body !== undefined) {
    opts.client.forward(req, res, { ...opts, body }, done);
    return;
  }
  bufferRequestBody(req, res, opts.bodyBuffer, (read) => {
    if (read === undefined) done({ aborted: true });
    else opts.client.forward(req, res, { ...opts, body: read }, done);
  });
}
