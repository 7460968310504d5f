// Assembles the FHIR NPM package profiles/package/ and the example folders from SUSHI's output
// (fsh-generated/), deterministically: the same FSH gives byte-identical files.
//   package/              conformance resources (one JSON per resource, with snapshots) + package.json + .index.json
//   package/example/      every example instance + .index.json
//   ../examples/valid/    examples from input/fsh/examples-*.fsh (one per profile, named for what it shows)
//   ../examples/journey/  the demo patient journey (input/fsh/examples-journey.fsh)
// examples/invalid/ is hand-maintained and not touched here.
import fs from 'node:fs';
import path from 'node:path';

const here = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const generated = path.join(here, 'fsh-generated', 'resources');
const index = JSON.parse(fs.readFileSync(path.join(here, 'fsh-generated', 'data', 'fsh-index.json'), 'utf8'));
const pkgDir = path.join(here, 'package');
const exampleDir = path.join(pkgDir, 'example');
const validDir = path.join(here, '..', 'examples', 'valid');
const journeyDir = path.join(here, '..', 'examples', 'journey');

for (const dir of [pkgDir, validDir, journeyDir]) {
  fs.rmSync(dir, { recursive: true, force: true });
}
for (const dir of [pkgDir, exampleDir, validDir, journeyDir]) {
  fs.mkdirSync(dir, { recursive: true });
}

const sourceOf = new Map(index.map((e) => [e.outputFile, e.fshFile]));
const byName = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
const files = fs.readdirSync(generated).filter((f) => f.endsWith('.json')).sort(byName);
const entries = { package: [], example: [] };

for (const file of files) {
  const text = fs.readFileSync(path.join(generated, file), 'utf8');
  const resource = JSON.parse(text);
  const fsh = sourceOf.get(file) ?? '';
  const isExample = path.basename(fsh).startsWith('examples-');
  if (isExample) {
    fs.writeFileSync(path.join(exampleDir, file), text);
    const target = path.basename(fsh) === 'examples-journey.fsh' ? journeyDir : validDir;
    fs.writeFileSync(path.join(target, file), text);
    entries.example.push(indexEntry(file, resource));
  } else {
    fs.writeFileSync(path.join(pkgDir, file), text);
    entries.package.push(indexEntry(file, resource));
  }
}

const ig = JSON.parse(fs.readFileSync(path.join(pkgDir, 'ImplementationGuide-fhir-ketamine.json'), 'utf8'));
const manifest = {
  name: ig.packageId,
  version: ig.version,
  description: ig.description,
  author: ig.publisher,
  license: ig.license,
  canonical: ig.url.replace(/\/ImplementationGuide\/[^/]+$/, ''),
  url: ig.url.replace(/\/ImplementationGuide\/[^/]+$/, ''),
  title: ig.title,
  type: 'IG',
  fhirVersions: ig.fhirVersion,
  dependencies: { 'hl7.fhir.r4.core': '4.0.1' },
  jurisdiction: 'urn:iso:std:iso:3166#US',
};
write(path.join(pkgDir, 'package.json'), manifest);
write(path.join(pkgDir, '.index.json'), { 'index-version': 1, files: entries.package });
write(path.join(exampleDir, '.index.json'), { 'index-version': 1, files: entries.example });
console.log(`package/: ${entries.package.length} resources; examples: ${entries.example.length}`);

function indexEntry(filename, r) {
  const entry = { filename, resourceType: r.resourceType, id: r.id };
  if (r.url) entry.url = r.url;
  if (r.version) entry.version = r.version;
  if (r.kind) entry.kind = r.kind;
  if (r.resourceType === 'StructureDefinition' && r.type) entry.type = r.type;
  return entry;
}

function write(file, value) {
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}
