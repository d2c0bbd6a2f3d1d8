// Untyped policy → typed PolicyRules, rejecting what Consul's PolicyRules.Validate rejects
// (acl/policy.go) with its messages: `Invalid key policy: &acl.KeyRule{…}`. A level is
// accepted in any letter case; `list` only on keys; an empty top-level level means "unset".

import { POLICY_FIELDS, type RawPolicy, type RawRule, type RuleShape } from './decode.ts';
import { goQuote, goStructPointer, type GoField } from './go-format.ts';
import type { AccessLevel, Grant, GlobalResource, PolicyRules, Rule, RuleListKey, ServiceRule } from './types.ts';

export type ValidateResult = { readonly ok: true; readonly rules: PolicyRules } | { readonly ok: false; readonly message: string };

const LEVELS: ReadonlySet<string> = new Set<AccessLevel>(['deny', 'read', 'list', 'write']);

/** AccessLevelFromString plus isPolicyValid's `list` restriction; null when invalid. */
export function toGrant(text: string, allowList: boolean): Grant | null {
  const level = text.toLowerCase();
  if (!LEVELS.has(level) || (level === 'list' && !allowList)) return null;
  return text === level ? { policy: level as AccessLevel } : { policy: level as AccessLevel, spelling: text };
}

export function validatePolicy(raw: RawPolicy): ValidateResult {
  const global: Partial<Record<GlobalResource, Grant>> = {};
  const lists = {} as Record<RuleListKey, Rule[]>;
  for (const field of POLICY_FIELDS) {
    if (field.kind === 'level') {
      const text = raw.global[field.name];
      if (text === '') continue;
      const grant = toGrant(text, false);
      if (grant === null) return { ok: false, message: `Invalid ${field.name} policy: ${goQuote(text)}` };
      global[field.name] = grant;
      continue;
    }
    const rules: Rule[] = [];
    for (const rawRule of raw.lists[field.name]) {
      const rule = validateRule(field.name, field.shape, rawRule);
      if (typeof rule === 'string') return { ok: false, message: rule };
      rules.push(rule);
    }
    lists[field.name] = rules;
  }
  return { ok: true, rules: { ...global, ...lists } };
}

/** The typed rule, or Consul's error text for it. */
function validateRule(list: RuleListKey, shape: RuleShape, raw: RawRule): Rule | ServiceRule | string {
  const grant = toGrant(raw.policy, list === 'key' || list === 'key_prefix');
  if (grant === null) return `Invalid ${list} policy: ${describe(shape, raw)}`;
  if (!shape.hasIntentions || raw.intentions === '') return { segment: raw.segment, ...grant };
  const intentions = toGrant(raw.intentions, false);
  if (intentions === null) return `Invalid ${list} intentions policy: ${describe(shape, raw)}`;
  return { segment: raw.segment, ...grant, intentions };
}

/** %#v of the Go rule struct, as Consul prints it in the error. */
function describe(shape: RuleShape, raw: RawRule): string {
  const fields: GoField[] = [
    [shape.segmentField, raw.segment],
    ['Policy', raw.policy],
  ];
  if (shape.hasIntentions) fields.push(['Intentions', raw.intentions]);
  if (shape.hasEnterprise) fields.push(['EnterpriseRule', { raw: 'acl.EnterpriseRule{}' }]);
  return goStructPointer(shape.goType, fields);
}
