// Runs cdk-nag's AwsSolutions rules on synthesized CloudFormation templates and fails, listing
// them, on every error or warning that is not suppressed.
//
//   node .ci/nag.js cdk.out/ExportConstructsSample.template.json [more templates...]
//
// The constructs are C#, and the Cdklabs.CdkNag NuGet package is not at hand, so each template is
// loaded into a JavaScript CDK app (aws-cdk-lib's CfnInclude) and checked there. Suppressions are
// the ones the constructs write into the template: resource Metadata
//   "cdk_nag": { "rules_to_suppress": [ { "id", "reason", "applies_to": [ findings ] } ] }
// (cdk-nag v2 reads that format itself; v3 acknowledges rules in the construct tree instead and can
// write them back in that format). Each entry becomes a v3 acknowledgment of the resource: the
// rule, or, with applies_to, only the findings it names (`AwsSolutions-IAM5[Resource::...]`).
//
// Also refused: a suppression without a reason of at least 10 characters, an IAM4/IAM5
// suppression without applies_to (it would hide every wildcard of the resource, future ones too),
// and a suppression that suppresses nothing (stale, or misspelt).
const fs = require('fs');
const path = require('path');
const { App, Stack, Validations } = require('aws-cdk-lib');
const { CfnInclude } = require('aws-cdk-lib/cloudformation-include');
const { AwsSolutionsChecks } = require('cdk-nag');

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node .ci/nag.js TEMPLATE.json [TEMPLATE.json...]');
  process.exit(2);
}

// A finding's id as cdk-nag v3 reports it: the rule, and for a rule with several findings per
// resource (IAM4, IAM5) the finding in brackets.
const findingsOf = (pack, scope, byPath) => {
  const found = [];
  for (const violation of pack.validateScope(scope).violations) {
    for (const resource of violation.violatingResources) {
      found.push({
        id: violation.ruleName,
        severity: violation.severity,
        logicalId: byPath.get(resource.constructPath) ?? resource.constructPath,
        description: violation.description,
      });
    }
  }
  return found;
};

let failed = false;
for (const file of files) {
  const template = JSON.parse(fs.readFileSync(file, 'utf8'));
  const app = new App();
  const stack = new Stack(app, 'Nag');
  const include = new CfnInclude(stack, 'Template', { templateFile: file });
  const byPath = new Map();
  const problems = [];
  const suppressions = [];
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    const cfn = include.getResource(logicalId);
    byPath.set(cfn.node.path, logicalId);
    const rules = resource.Metadata?.cdk_nag?.rules_to_suppress ?? [];
    for (const rule of rules) {
      if (typeof rule.id !== 'string' || !rule.id) { problems.push(`${logicalId}: a suppression without an id`); continue; }
      if (typeof rule.reason !== 'string' || rule.reason.length < 10) problems.push(`${logicalId}: suppression of ${rule.id} without a reason of at least 10 characters`);
      const applies = rule.applies_to;
      if (applies === undefined && /^AwsSolutions-IAM[45]$/.test(rule.id)) {
        problems.push(`${logicalId}: suppression of ${rule.id} without applies_to (name each wildcard it accepts)`);
        continue;
      }
      const ids = applies === undefined ? [rule.id] : applies.map((finding) => {
        if (typeof finding !== 'string') { problems.push(`${logicalId}: ${rule.id} applies_to entries must be strings, got ${JSON.stringify(finding)}`); return undefined; }
        return `${rule.id}[${finding}]`;
      }).filter((id) => id !== undefined);
      for (const id of ids) suppressions.push({ logicalId, cfn, id, reason: rule.reason });
    }
  }

  // Once with nothing acknowledged (every finding), once with the suppressions acknowledged.
  const pack = new AwsSolutionsChecks(app);
  const all = findingsOf(pack, stack, byPath);
  for (const s of suppressions) Validations.of(s.cfn).acknowledge({ id: s.id, reason: s.reason });
  const left = findingsOf(pack, stack, byPath);

  for (const s of suppressions) {
    if (!all.some((f) => f.logicalId === s.logicalId && f.id === s.id))
      problems.push(`${s.logicalId}: suppression of ${s.id} matches no finding (stale or misspelt)`);
  }
  const errors = left.filter((f) => f.severity === 'error').length;
  const name = path.basename(file);
  console.log(`cdk-nag AwsSolutions on ${name}: ${all.length} findings (${all.filter((f) => f.severity === 'error').length} errors, ${all.filter((f) => f.severity !== 'error').length} warnings), ${all.length - left.length} suppressed, ${left.length} left (${errors} errors, ${left.length - errors} warnings)`);
  for (const f of left) {
    const where = template.Resources?.[f.logicalId]?.Metadata?.['aws:cdk:path'];
    console.log(`  ${f.severity} ${f.id} on ${f.logicalId}${where ? ` (${where})` : ''}: ${f.description}`);
  }
  for (const p of problems) console.log(`  suppression problem: ${p}`);
  if (left.length || problems.length) failed = true;
}
process.exit(failed ? 1 : 0);
