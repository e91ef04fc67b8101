import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { measureInstantiation } from '../host/bench/instantiate-parts.js';

const parts = suite('bench: instantiation cost by module part');

parts('every variant, hello as deployed included, instantiates and is measured', async () => {
  const rows = await measureInstantiation(1, 2);
  assert.equal(rows.map((r) => r.name), [
    'empty (imported memory, one export)', '+ 4 imported functions', '+ 8 imported functions',
    '+ a funcref table with an element segment', '+ a start function', 'all three (4 imports)', 'hello (SDK, as deployed)',
  ]);
  for (const r of rows) {
    assert.is(r.samples, 2);
    assert.ok(r.p50Us > 0 && r.p50Us <= r.p90Us, `${r.name}: ${r.p50Us} / ${r.p90Us}`);
  }
});

parts.run();
