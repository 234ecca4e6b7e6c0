// Checks what the sample's template must hold: both export resources, the handler on
// provided.al2023, one provider, and no Node.js runtime older than 22 anywhere (mappings included).
const fs = require('fs');
const file = process.argv[2];
const text = fs.readFileSync(file, 'utf8');
const template = JSON.parse(text);
const resources = Object.values(template.Resources);
const count = (type) => resources.filter((r) => r.Type === type).length;
const problems = [];
if (count('Custom::ExportedVmImage') !== 1) problems.push('expected one Custom::ExportedVmImage');
if (count('Custom::AppStreamAmiExport') !== 1) problems.push('expected one Custom::AppStreamAmiExport');
const functions = resources.filter((r) => r.Type === 'AWS::Lambda::Function').map((r) => r.Properties);
const handlers = functions.filter((p) => p.Runtime === 'provided.al2023').map((p) => p.Handler).sort();
if (handlers.join(',') !== 'exports') problems.push(`expected one handler function (onEvent, isComplete and poll) on provided.al2023, got ${handlers}`);
if (functions.filter((p) => p.Handler === 'framework.onEvent').length !== 1) problems.push('expected one provider (one framework onEvent function)');
if (count('AWS::CloudFormation::WaitCondition') !== 2) problems.push('expected a WaitCondition per export (the sample waits on the long path)');
if (count('AWS::CloudFormation::WaitConditionHandle') !== 0) problems.push('expected no WaitConditionHandle (its URL is a bearer credential; conditions are signalled through SignalResource)');
const old = text.match(/nodejs(1\d|20)\.x/g);
if (old) problems.push(`Node.js runtimes older than 22: ${[...new Set(old)]}`);
for (const p of functions) {
  if (typeof p.Runtime !== 'string') problems.push(`a function's runtime is not a plain string: ${JSON.stringify(p.Runtime)}`);
}
if (problems.length) {
  console.error(`template check failed for ${file}:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log(`template check passed: ${file} (${resources.length} resources, runtimes ${[...new Set(functions.map((p) => p.Runtime))].join(', ')})`);
