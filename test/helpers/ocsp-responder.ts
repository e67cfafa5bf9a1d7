// An HTTP OCSP responder written with pkijs, for the faults `openssl ocsp` cannot produce:
// foreign signing key, responder certificate without id-kp-OCSPSigning, wrong CertID, stale or
// future times, missing or wrong nonce, garbage bytes, error statuses, and a responder that never
// answers. It counts the requests it receives.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject, type X509Certificate } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

export type ResponderMode =
  'normal' | 'unrelated-key' | 'wrong-certid' | 'stale' | 'future' | 'no-nonce' | 'wrong-nonce' | 'garbage' | 'hang' | 'http-500' | 'try-later' | 'unsigned-status';

export interface Signer {
  readonly key: KeyObject;
  /** Included in the response's certs (a delegated responder); omit when the CA signs itself. */
  readonly cert?: X509Certificate;
}

export interface TestResponderOptions {
  readonly issuer: X509Certificate;
  readonly signer: Signer;
  mode?: ResponderMode;
  /** Status per serial (lower-case hex without leading zeros); default 'good'. */
  statuses?: Map<string, { status: 'good' | 'revoked' | 'unknown'; revokedAt?: Date; reason?: number }>;
  /** nextUpdate distance in ms; null = omit nextUpdate. */
  nextUpdateIn?: number | null;
  /** Delay before answering, ms. */
  delay?: number;
}

const OID_NONCE = '1.3.6.1.5.5.7.48.1.2';

function secondDate(ms: number): Date {
  return new Date(Math.floor(ms / 1000) * 1000);
}

function sigAlgFor(key: KeyObject): pkijs.AlgorithmIdentifier {
  return key.asymmetricKeyType === 'ec'
    ? new pkijs.AlgorithmIdentifier({ algorithmId: '1.2.840.10045.4.3.2' })
    : new pkijs.AlgorithmIdentifier({ algorithmId: '1.2.840.113549.1.1.11', algorithmParams: new asn1js.Null() });
}

export class TestOcspResponder {
  requests = 0;
  /** Responses sent (a test can tell "before the answer" from "after" without a clock). */
  answered = 0;
  url = '';
  private server: Server | undefined;
  private readonly hanging = new Set<ServerResponse>();

  constructor(readonly opts: TestResponderOptions) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    const { port } = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${port}/`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const r of this.hanging) r.destroy();
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.requests++;
      const answer = (): void => {
        const mode = this.opts.mode ?? 'normal';
        if (mode === 'hang') {
          this.hanging.add(res);
          return;
        }
        if (mode === 'http-500') {
          res.writeHead(500).end();
          return;
        }
        const body = mode === 'garbage' ? randomBytes(200) : this.respond(Buffer.concat(chunks), mode);
        this.answered++;
        res.writeHead(200, { 'content-type': 'application/ocsp-response' }).end(body);
      };
      if (this.opts.delay) setTimeout(answer, this.opts.delay);
      else answer();
    });
  }

  respond(reqDer: Buffer, mode: ResponderMode): Buffer {
    if (mode === 'try-later' || mode === 'unsigned-status') {
      return Buffer.from(new pkijs.OCSPResponse({ responseStatus: new asn1js.Enumerated({ value: mode === 'try-later' ? 3 : 6 }) }).toSchema().toBER(false));
    }
    const ocspReq = pkijs.OCSPRequest.fromBER(reqDer);
    const certId = ocspReq.tbsRequest.requestList[0]!.reqCert;
    const serialHex = Buffer.from(certId.serialNumber.valueBlock.valueHexView)
      .toString('hex')
      .replace(/^(00)+(?=.)/, '');
    const st = this.opts.statuses?.get(serialHex) ?? { status: 'good' as const };
    const now = Date.now();

    let respCertId = certId;
    if (mode === 'wrong-certid') {
      const serial = Buffer.from(certId.serialNumber.valueBlock.valueHexView);
      serial.writeUInt8(serial.readUInt8(serial.length - 1) ^ 1, serial.length - 1);
      respCertId = new pkijs.CertID({
        hashAlgorithm: certId.hashAlgorithm,
        issuerNameHash: certId.issuerNameHash,
        issuerKeyHash: certId.issuerKeyHash,
        serialNumber: new asn1js.Integer({ valueHex: serial }),
      });
    }
    let certStatus: asn1js.BaseBlock;
    if (st.status === 'good') certStatus = new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 } });
    else if (st.status === 'unknown') certStatus = new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 2 } });
    else {
      certStatus = new asn1js.Constructed({
        idBlock: { tagClass: 3, tagNumber: 1 },
        value: [
          new asn1js.GeneralizedTime({ valueDate: secondDate(st.revokedAt?.getTime() ?? now - 60_000) }),
          ...(st.reason !== undefined ? [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1js.Enumerated({ value: st.reason })] })] : []),
        ],
      });
    }
    const thisUpdate = mode === 'stale' ? now - 7_200_000 : mode === 'future' ? now + 3_600_000 : now - 1000;
    const nextIn = this.opts.nextUpdateIn === undefined ? 300_000 : this.opts.nextUpdateIn;
    const nextUpdate = mode === 'stale' ? now - 3_600_000 : nextIn === null ? undefined : thisUpdate + nextIn;
    const single = new pkijs.SingleResponse({
      certID: respCertId,
      certStatus,
      thisUpdate: secondDate(thisUpdate),
      ...(nextUpdate !== undefined ? { nextUpdate: secondDate(nextUpdate) } : {}),
    });

    const sentNonce = ocspReq.tbsRequest.requestExtensions?.find((e) => e.extnID === OID_NONCE);
    let extensions: pkijs.Extension[] | undefined;
    if (sentNonce && mode !== 'no-nonce') {
      const value = mode === 'wrong-nonce' ? new asn1js.OctetString({ valueHex: randomBytes(16) }).toBER(false) : sentNonce.extnValue.valueBlock.valueHexView.slice().buffer;
      extensions = [new pkijs.Extension({ extnID: OID_NONCE, extnValue: value })];
    }

    const signer: Signer = mode === 'unrelated-key' ? { key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey } : this.opts.signer;
    const signerPub = signer.cert?.publicKey ?? this.opts.issuer.publicKey;
    const spki = signerPub.export({ type: 'spki', format: 'der' });
    // byKey responderID; certgate selects the signer by signature, so an approximate hash suffices here.
    const keyHash = createHash('sha1').update(spki).digest();
    const rd = new pkijs.ResponseData({
      responderID: new asn1js.OctetString({ valueHex: keyHash }),
      producedAt: secondDate(now),
      responses: [single],
      ...(extensions ? { responseExtensions: extensions } : {}),
    });
    const tbs = Buffer.from((rd.toSchema(true) as asn1js.Sequence).toBER(false));
    rd.tbsView = new Uint8Array(tbs);
    const sig = sign('sha256', tbs, signer.key.asymmetricKeyType === 'ec' ? { key: signer.key, dsaEncoding: 'der' } : signer.key);
    const basic = new pkijs.BasicOCSPResponse({
      tbsResponseData: rd,
      signatureAlgorithm: sigAlgFor(signer.key),
      signature: new asn1js.BitString({ valueHex: sig }),
      ...(signer.cert ? { certs: [pkijs.Certificate.fromBER(signer.cert.raw)] } : {}),
    });
    const resp = new pkijs.OCSPResponse({
      responseStatus: new asn1js.Enumerated({ value: 0 }),
      responseBytes: new pkijs.ResponseBytes({
        responseType: '1.3.6.1.5.5.7.48.1.1',
        response: new asn1js.OctetString({ valueHex: basic.toSchema().toBER(false) }),
      }),
    });
    return Buffer.from(resp.toSchema().toBER(false));
  }
}
