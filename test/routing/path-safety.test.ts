import t from 'tap';
import { isAmbiguousPath } from '../../src/routing/path-safety.js';

const cases: [string, boolean][] = [
  ['/', false],
  ['/api/', false],
  ['/api/items/1', false],
  ['/oauth/v2/oauth-token?x=../..', false],
  ['/a.b/c..d/.well-known/x', false],
  ['/api/%20x%41', false],
  ['/api/x%2', false],
  ['/api/..', true],
  ['/api/../admin', true],
  ['/api/./admin', true],
  ['/.', true],
  ['/api/%2e%2e/admin', true],
  ['/api/%2E./admin', true],
  ['/api%2fadmin', true],
  ['/api%2Fadmin', true],
  ['/api%5cadmin', true],
  ['/api\\..\\admin', true],
  ['//admin', true],
  ['/api//x', true],
  ['', true],
  ['api/', true],
  ['*', true],
  ['http://evil/admin', true],
];

for (const [path, want] of cases) {
  t.test(JSON.stringify(path), async (t) => {
    t.equal(isAmbiguousPath(path), want);
  });
}
