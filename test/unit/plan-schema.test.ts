/**
 * The published JSON Schema and the loader agree: same keys, and the same verdict on a set of
 * valid and invalid example plans. The schema is checked with a small validator for the subset
 * of JSON Schema it uses (no validator dependency ships for an editor aid).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parsePlan, TOP_KEYS, PHASE_KEYS } from '../../src/config/plan-loader.js';
import { starterPlan } from '../../src/workflows/init.js';
import { ROOT, SPEC_PLAN } from '../helpers/repo.js';

type Schema = Record<string, any>;
const schema = JSON.parse(readFileSync(join(ROOT, 'schema/parallel.schema.json'), 'utf8')) as Schema;

/** Errors of `value` against `s` (subset: type, const, pattern, lengths, bounds, object/array keywords, oneOf/anyOf/not/if-then, $ref). */
function validate(value: unknown, s: Schema, path = '$'): string[] {
  if (s.$ref) return validate(value, schema.$defs[(s.$ref as string).replace('#/$defs/', '')], path);
  const errs: string[] = [];
  const isObj = typeof value === 'object' && value !== null && !Array.isArray(value);
  if (s.type) {
    const ok = s.type === 'object' ? isObj : s.type === 'array' ? Array.isArray(value) : s.type === 'integer' ? Number.isInteger(value) : typeof value === s.type;
    if (!ok) return [`${path}: not ${s.type}`];
  }
  if ('const' in s && value !== s.const) errs.push(`${path}: not ${s.const}`);
  if (typeof value === 'string') {
    if (s.pattern && !new RegExp(s.pattern, 'u').test(value)) errs.push(`${path}: pattern`);
    if (s.minLength !== undefined && [...value].length < s.minLength) errs.push(`${path}: minLength`);
    if (s.maxLength !== undefined && [...value].length > s.maxLength) errs.push(`${path}: maxLength`);
  }
  if (typeof value === 'number') {
    if (s.minimum !== undefined && value < s.minimum) errs.push(`${path}: minimum`);
    if (s.maximum !== undefined && value > s.maximum) errs.push(`${path}: maximum`);
  }
  if (Array.isArray(value)) {
    if (s.minItems !== undefined && value.length < s.minItems) errs.push(`${path}: minItems`);
    if (s.items) value.forEach((v, i) => errs.push(...validate(v, s.items, `${path}[${i}]`)));
  }
  if (isObj) {
    const obj = value as Record<string, unknown>;
    for (const k of s.required ?? []) if (!(k in obj)) errs.push(`${path}: missing ${k}`);
    for (const [k, v] of Object.entries(obj)) {
      if (s.properties?.[k]) errs.push(...validate(v, s.properties[k], `${path}.${k}`));
      else if (s.additionalProperties === false) errs.push(`${path}: unknown ${k}`);
    }
  }
  if (s.oneOf && s.oneOf.filter((x: Schema) => validate(value, x, path).length === 0).length !== 1) errs.push(`${path}: oneOf`);
  if (s.anyOf && !s.anyOf.some((x: Schema) => validate(value, x, path).length === 0)) errs.push(`${path}: anyOf`);
  if (s.not && validate(value, s.not, path).length === 0) errs.push(`${path}: not`);
  if (s.if && validate(value, s.if, path).length === 0 && s.then) errs.push(...validate(value, s.then, path));
  return errs;
}

const FULL_SPEC_PLAN = `version: 1
name: client-portal
base: main
test: npm test
worktrees: ../{repo}-{phase}
setup: [npm ci]
copy: [.env]
ports: { base: 3100 }
shared: [package-lock.json]
timeouts: { heartbeat: 5m, session: 4h, test: 30m }
test_retries: 1
phases:
  - id: schema
    task: Database schema for users, projects, files and invoices
    owns: [src/db/, migrations/**]
    exclude: [src/db/generated/**]
    checklist:
      - Create the users table
      - text: Migrations run cleanly
        verify: npm run migrate:check
  - id: auth
    needs: [schema]
    task: Login, signup and password reset
    owns: [src/auth/, test/auth/]
  - id: dashboard
    needs: [schema]
    owns: [src/dashboard/]
  - id: review-auth
    reviews: auth
    criteria: [No hard-coded secrets, Errors use AUTH_ codes]
`;

const MIN = 'version: 1\nname: demo\nphases:\n  - id: a\n';
const valid: Record<string, string> = {
  'SPEC example (every key)': FULL_SPEC_PLAN,
  'test helper plan': SPEC_PLAN,
  'this repository\'s own plan': readFileSync(join(ROOT, '.parallel.yml'), 'utf8'),
  'init starter plan': starterPlan('demo', 'main', ['src/a/x.ts', 'src/b/y.ts', 'package.json']).text,
  'minimal': MIN,
  'setup as one string': `${MIN.replace('phases:', 'setup: npm ci\nphases:')}`,
  'globs with braces and classes': `${MIN}    owns: ["{src,test}/auth/**", "file[0-9].txt", ".github/"]\n`,
};
const invalid: Record<string, string> = {
  'unknown top key': `${MIN}colour: red\n`,
  'unknown phase key': `${MIN}    owner: me\n`,
  'missing name': 'version: 1\nphases:\n  - id: a\n',
  'version 2': MIN.replace('version: 1', 'version: 2'),
  'no phases': 'version: 1\nname: demo\nphases: []\n',
  'owns as a string': `${MIN}    owns: src/\n`,
  'id HEAD': MIN.replace('id: a', 'id: HEAD'),
  'id integration': MIN.replace('id: a', 'id: integration'),
  'id 0123 (a number)': MIN.replace('id: a', 'id: 0123'),
  'name with capitals': MIN.replace('name: demo', 'name: Demo'),
  'absolute glob': `${MIN}    owns: [/etc/**]\n`,
  'negated glob': `${MIN}    owns: ["!src/**"]\n`,
  'dot-dot glob': `${MIN}    owns: [../x]\n`,
  'backslash glob': `${MIN}    owns: ["src\\\\a"]\n`,
  'empty glob': `${MIN}    owns: [""]\n`,
  'extglob': `${MIN}    owns: ["a/@(b|c)"]\n`,
  'reviewer that owns': `${MIN}  - id: r\n    reviews: a\n    owns: [x/]\n`,
  'ports out of range': MIN.replace('phases:', 'ports: { base: 70000 }\nphases:'),
  'bad duration': MIN.replace('phases:', 'timeouts: { heartbeat: 5 minutes }\nphases:'),
  'zero duration': MIN.replace('phases:', 'timeouts: { test: 0s }\nphases:'),
  'test_retries 11': MIN.replace('phases:', 'test_retries: 11\nphases:'),
  'worktrees without {phase}': MIN.replace('phases:', 'worktrees: ../wt\nphases:'),
  'checklist item without text': `${MIN}    checklist:\n      - verify: "true"\n`,
  'task as a number': `${MIN}    task: 42\n`,
};

describe('schema and loader agree', () => {
  it('on the keys of the plan and of a phase', () => {
    expect(Object.keys(schema.properties).sort()).toEqual([...TOP_KEYS].sort());
    expect(Object.keys(schema.$defs.phase.properties).sort()).toEqual([...PHASE_KEYS].sort());
    expect(schema.required).toEqual(['version', 'name', 'phases']);
  });
  it.each(Object.entries(valid))('accept: %s', (_, text) => {
    const res = parsePlan(text);
    expect(res.ok ? [] : res.problems).toEqual([]);
    expect(validate(parse(text), schema)).toEqual([]);
  });
  it.each(Object.entries(invalid))('reject: %s', (_, text) => {
    expect(parsePlan(text).ok).toBe(false);
    expect(validate(parse(text), schema)).not.toEqual([]);
  });
});
