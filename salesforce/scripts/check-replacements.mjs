#!/usr/bin/env node
// Checks the environment variables that the "replacements" of sfdx-project.json put into the metadata, before
// `sf project deploy start` does it. The sf CLI substitutes with JavaScript's String.prototype.replace, which reads
// `$&`, `$1`..`$99`, `$$`, `` $` ``, `$'` and `$<name>` in the value as patterns, not text; and the value lands in
// XML text, where `&` and `<` are markup. Either way the deployed file would not hold what the variable says, so
// such a value is refused here. An unset or empty variable is named (the CLI treats empty as unset).
// Values are never printed: the Outbound Message URL can carry the endpoint token.
//
// Usage, from salesforce/: node scripts/check-replacements.mjs [project folder]   (npm run deploy runs it first)
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const XML_MARKUP = ['&', '<'];
const REPLACE_PATTERN = /\$(?:[$&`']|\d|<)/;

// The replacements the CLI applies in this environment: one whose replaceWhenEnv conditions do not all hold is skipped.
function activeReplacements(project, env) {
  return (project.replacements ?? []).filter(
    (replacement) =>
      replacement.replaceWithEnv &&
      (replacement.replaceWhenEnv ?? []).every((condition) => env[condition.env] === condition.value),
  );
}

function valueProblems(name, value, filename) {
  const problems = XML_MARKUP.filter((character) => value.includes(character)).map(
    (character) => `${name} contains "${character}", which is XML markup in ${filename}; it cannot be substituted as text`,
  );
  const pattern = value.match(REPLACE_PATTERN);
  if (pattern) {
    problems.push(
      `${name} contains "${pattern[0]}", which String.replace (used by the sf CLI) reads as a replacement pattern, ` +
        `so ${filename} would not get the value as written`,
    );
  }
  return problems;
}

export function checkReplacementValues(project, env) {
  const problems = [];
  const checked = new Set();
  for (const replacement of activeReplacements(project, env)) {
    const name = replacement.replaceWithEnv;
    if (checked.has(name)) continue;
    checked.add(name);
    const value = env[name];
    if (!value) {
      problems.push(`${name} is not set: sfdx-project.json puts it into ${replacement.filename}`);
    } else {
      problems.push(...valueProblems(name, value, replacement.filename));
    }
  }
  return { checked: [...checked], problems };
}

function main() {
  const folder = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..');
  const project = JSON.parse(readFileSync(join(folder, 'sfdx-project.json'), 'utf8'));
  const { checked, problems } = checkReplacementValues(project, process.env);
  for (const problem of problems) console.error(`FAIL deploy-time value: ${problem}`);
  if (problems.length > 0) {
    console.error('Nothing was deployed. Set the variables above (docs/salesforce-setup.md, step 1.2) and run again.');
    process.exit(1);
  }
  console.log(`Deploy-time values: ${checked.length} variable(s) set and safe to substitute (${checked.join(', ')})`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
