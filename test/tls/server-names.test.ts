// Which SNI host a name belongs to (src/tls/server-names.ts): exact names, and `*.example.com`
// for exactly one more label, an exact name winning over a wildcard.
import t from 'tap';
import { ServerNames } from '../../src/tls/server-names.js';

const names = new ServerNames<string>([
  [['mtls.example.com', '*.example.com'], 'a'],
  [['api.example.com'], 'b'],
]);

t.equal(names.lookup('mtls.example.com'), 'a');
t.equal(names.lookup('api.example.com'), 'b', 'an exact name wins over a wildcard');
t.equal(names.lookup('other.example.com'), 'a', 'the wildcard covers one more label');
t.equal(names.lookup('a.b.example.com'), undefined, 'but not two');
t.equal(names.lookup('example.com'), undefined, 'nor none');
t.equal(names.lookup('.example.com'), undefined, 'nor an empty label');
t.equal(names.lookup('idp.example.org'), undefined);
t.equal(names.lookup(''), undefined);
