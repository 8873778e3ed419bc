// Copies the non-TypeScript files the built CLI needs (scenario YAML, sandbox UI, .proto files) into dist/.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const assets = ['config/scenarios', 'config/workloads', 'sandbox/ui', 'sandbox/proto'];
for (const rel of assets) {
  const from = path.join(root, rel);
  if (!fs.existsSync(from)) continue;
  fs.cpSync(from, path.join(root, 'dist', rel), { recursive: true });
}
