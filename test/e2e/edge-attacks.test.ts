// Attacks from the public side, each a bounded run against a real gateway over real TLS
// (issue 7's acceptance table). Each part lives in test/e2e/edge-attacks/ and owns its gateway.
import t from 'tap';
import { crashCertificates } from './edge-attacks/crash-certificates.js';
import { pipelinedAfterLeaving } from './edge-attacks/pipelining.js';
import { slowBodies } from './edge-attacks/slow-bodies.js';
import { idleConnections } from './edge-attacks/idle-connections.js';
import { prefixBypass } from './edge-attacks/prefix-bypass.js';
import { spoofedHeaders } from './edge-attacks/spoofed-headers.js';

t.test('crash certificates', crashCertificates);
t.test('pipelined slow requests from a client that leaves', pipelinedAfterLeaving);
t.test('slow-body connections do not starve a valid client', slowBodies);
t.test('idle connections are closed at the handshake timeout', idleConnections);
t.test('prefix bypass through path tricks', prefixBypass);
t.test('spoofed gateway-owned headers', spoofedHeaders);
