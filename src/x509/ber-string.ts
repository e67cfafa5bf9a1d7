// Attribute values of distinguished names as BER: decoding the string types found in
// certificates, and encoding a UTF8String for the `#hex` form RFC 4514 section 2.4 requires
// when an attribute type has no short name.
import * as asn1js from 'asn1js';

const UNIVERSAL = 1;
// Universal tag numbers of the string types X.520 DirectoryString and friends use.
const UTF8_STRING = 12;
const NUMERIC_STRING = 18;
const PRINTABLE_STRING = 19;
const TELETEX_STRING = 20;
const IA5_STRING = 22;
const VISIBLE_STRING = 26;
const UNIVERSAL_STRING = 28;
const BMP_STRING = 30;

/**
 * The text of a BER-encoded string value, or undefined when the value is not one of the string
 * types (then it can only be compared and printed as bytes).
 */
export function decodeStringValue(ber: Uint8Array): string | undefined {
  const parsed = asn1js.fromBER(ber);
  if (parsed.offset !== ber.byteLength) return undefined;
  const block = parsed.result;
  if (block.idBlock.tagClass !== UNIVERSAL || block.idBlock.isConstructed) return undefined;
  const content = Buffer.from((block.valueBlock as unknown as { valueHexView: Uint8Array }).valueHexView);
  switch (block.idBlock.tagNumber) {
    case UTF8_STRING:
      return content.toString('utf8');
    case NUMERIC_STRING:
    case PRINTABLE_STRING:
    case IA5_STRING:
    case VISIBLE_STRING:
      return content.toString('latin1');
    // T.61 in theory; in practice CAs put Latin-1 in it, which is what OpenSSL prints too.
    case TELETEX_STRING:
      return content.toString('latin1');
    case BMP_STRING:
      return decodeUcs(content, 2);
    case UNIVERSAL_STRING:
      return decodeUcs(content, 4);
    default:
      return undefined;
  }
}

function decodeUcs(content: Buffer, width: 2 | 4): string | undefined {
  if (content.length % width !== 0) return undefined;
  const codePoints: number[] = [];
  for (let i = 0; i < content.length; i += width) {
    codePoints.push(width === 2 ? content.readUInt16BE(i) : content.readUInt32BE(i));
  }
  try {
    return String.fromCodePoint(...codePoints);
  } catch {
    return undefined;
  }
}

/** True when `ber` is exactly one well-formed BER element (a `#hex` value must be). */
export function isSingleBerElement(ber: Uint8Array): boolean {
  return ber.byteLength > 0 && asn1js.fromBER(ber).offset === ber.byteLength;
}

/** DER of a UTF8String holding `text`. */
export function encodeUtf8String(text: string): Buffer {
  return Buffer.from(new asn1js.Utf8String({ value: text }).toBER());
}
