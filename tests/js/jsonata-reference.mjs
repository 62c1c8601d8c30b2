// Evaluates every case of tests/jsonata/cases.json with the pinned `jsonata`
// package (the reference implementation) and writes what it answers:
// {"value": ...}, {"undefined": true} or {"error": "CODE"} per case, in order.
//   node jsonata-reference.mjs           write tests/jsonata/expected.json
//   node jsonata-reference.mjs --check   fail when the file is not what jsonata answers
// (ctest jsonata_reference_check; exit 77, skipped, without node_modules).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let jsonata;
try {
  jsonata = (await import('jsonata')).default;
} catch {
  console.log('jsonata is not installed here (npm ci in tests/js): skipped');
  process.exit(77);  // ctest's SKIP_RETURN_CODE
}

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.join(here, '..', 'jsonata');
const { documents, cases } = JSON.parse(fs.readFileSync(path.join(dir, 'cases.json'), 'utf8'));

const answers = [];
for (const [expr, doc] of cases) {
  let answer;
  try {
    const compiled = jsonata(expr);
    const value = await compiled.evaluate(documents[doc]);
    // Functions have no JSON form: nimbus leaves them out of results.
    const plain = (k, v) => (v && typeof v === 'object' && (v._jsonata_lambda || v._jsonata_function) ? undefined : v);
    const text = JSON.stringify(value, plain);
    answer = text === undefined ? { undefined: true } : { value: JSON.parse(text) };
  } catch (e) {
    answer = { error: e.code ?? String(e) };
  }
  answers.push(answer);
}
const text = '[\n' + answers.map((a) => JSON.stringify(a)).join(',\n') + '\n]\n';
const file = path.join(dir, 'expected.json');
if (process.argv.includes('--check')) {
  if (fs.readFileSync(file, 'utf8') !== text) {
    console.error('tests/jsonata/expected.json is not what jsonata answers; run node tests/js/jsonata-reference.mjs');
    process.exit(1);
  }
  console.log(`${answers.length} cases: expected.json matches jsonata`);
} else {
  fs.writeFileSync(file, text);
  console.log(`${answers.length} cases written`);
}
