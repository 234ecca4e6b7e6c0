// Checks what the sample's template must hold: both export resources and the chain of the two,
// the handler on provided.al2023, one provider, no dependency cycle (the CDK does not look for
// one inside a stack; CloudFormation refuses it), and no Node.js runtime older than 22 anywhere.
const fs = require('fs');
const file = process.argv[2];
const text = fs.readFileSync(file, 'utf8');
const template = JSON.parse(text);
const resources = Object.values(template.Resources);
const count = (type) => resources.filter((r) => r.Type === type).length;
const problems = [];
if (count('Custom::ExportedVmImage') !== 2) problems.push('expected two Custom::ExportedVmImage (one of them chained)');
if (count('Custom::AppStreamAmiExport') !== 2) problems.push('expected two Custom::AppStreamAmiExport');
const functions = resources.filter((r) => r.Type === 'AWS::Lambda::Function').map((r) => r.Properties);
const handlers = functions.filter((p) => p.Runtime === 'provided.al2023').map((p) => p.Handler).sort();
if (handlers.join(',') !== 'exports') problems.push(`expected one handler function (onEvent, isComplete and poll) on provided.al2023, got ${handlers}`);
if (functions.filter((p) => p.Handler === 'framework.onEvent').length !== 1) problems.push('expected one provider (one framework onEvent function)');
if (count('AWS::CloudFormation::WaitCondition') !== 4) problems.push('expected a WaitCondition per export (the sample waits on the long path)');
if (count('AWS::CloudFormation::WaitConditionHandle') !== 0) problems.push('expected no WaitConditionHandle (its URL is a bearer credential; conditions are signalled through SignalResource)');
// Dependencies as CloudFormation reads them: DependsOn, Ref, Fn::GetAtt and Fn::Sub variables.
const ids = new Set(Object.keys(template.Resources));
const dependencies = (node, into) => {
  if (Array.isArray(node)) node.forEach((x) => dependencies(x, into));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'Ref' && typeof value === 'string') into.add(value);
      else if (key === 'Fn::GetAtt') into.add(Array.isArray(value) ? value[0] : String(value).split('.')[0]);
      else if (key === 'Fn::Sub') {
        const body = Array.isArray(value) ? value[0] : value;
        for (const m of String(body).matchAll(/\$\{([^}!]+)\}/g)) into.add(m[1].split('.')[0]);
        if (Array.isArray(value)) dependencies(value[1], into);
      } else dependencies(value, into);
    }
  }
  return into;
};
const edges = {};
for (const [id, r] of Object.entries(template.Resources)) {
  const found = dependencies([r.Properties, r.CreationPolicy], new Set([].concat(r.DependsOn || [])));
  edges[id] = [...found].filter((d) => ids.has(d));
}
const state = {};
const visit = (id, path) => {
  if (state[id] === 2) return;
  if (state[id] === 1) { problems.push(`dependency cycle: ${[...path.slice(path.indexOf(id)), id].join(' -> ')}`); return; }
  state[id] = 1;
  for (const d of edges[id]) visit(d, [...path, id]);
  state[id] = 2;
};
for (const id of ids) visit(id, []);
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
