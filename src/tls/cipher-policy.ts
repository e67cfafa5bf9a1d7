// The TLS 1.2 cipher list used when `tls.ciphers` is not set: Mozilla's "intermediate" profile,
// ECDHE key exchange (forward secrecy) with AEAD ciphers only. CBC suites (Lucky13, POODLE-style
// padding oracles) and CCM8 (64-bit tags) are not offered. TLS 1.3 suites stay OpenSSL's
// defaults: a list without TLS_* names leaves them untouched.
export const DEFAULT_TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');
