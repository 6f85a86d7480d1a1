import { expect, it } from 'vitest';
import { describeEachStore } from '../../shared/src/test-stores.js';
import { playTerm } from './main.js';
import { studentView } from './projections.js';
import { uniqueEmails } from './unique-emails.js';

await describeEachStore('students program (npm start)', ({ open }) => {
  it('enrols, refuses a taken address until it is released, and every projection agrees', async () => {
    const store = await open({ projections: [studentView, uniqueEmails] });
    const lines: string[] = [];
    await playTerm(store, (line) => lines.push(line));
    const output = lines.join('\n');
    expect(output).toMatch(/✗ s2 UpdateStudent +→ rejected EMAIL_TAKEN/);
    expect(output.match(/ ✓ /g)).toHaveLength(8);
    expect(output).toContain('Live (folded now): {"exists":true,"id":"s1","fullName":"Nick Chapsas"');
    expect(output).toContain('Inline view (written with the events): Nick Chapsas <nick@dometrain.com>, Physics, version 5');
    expect(output).toContain('Async roster Maths: s2');
    expect(output).toContain('Async roster Physics: s1');
  });
});
