// structured-headers types a Byte Sequence as the DOM's `BufferSource`. certgate compiles without
// the DOM lib, so that name would be unresolved and every structured-headers BareItem an error
// type. This is the DOM's (and node:crypto's webcrypto) definition, as a global. A .d.ts is not
// emitted, so dist never declares it for a consumer that has the DOM lib.
type BufferSource = ArrayBufferView | ArrayBuffer;
