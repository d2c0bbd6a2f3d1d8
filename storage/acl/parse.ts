// Rules text (HCL or JSON) → typed PolicyRules, or the error text Consul gives for it
// (acl.NewPolicyFromSource). The HTTP layer answers a failure with 500 and this text.

import { decodePolicy } from './decode.ts';
import { parseHcl } from './hcl-parse.ts';
import { readJson } from './json-source.ts';
import { emptyRules, type PolicyRules } from './types.ts';
import { validatePolicy } from './validate.ts';

export type ParseRulesResult =
  | {
      readonly ok: true;
      readonly rules: PolicyRules;
      /** Top-level keys that name no resource. Consul accepts and ignores them; callers may log them. */
      readonly ignored: readonly string[];
    }
  | { readonly ok: false; readonly message: string };

const PARSE_FAILED = 'Failed to parse ACL rules: ';

export function parsePolicyRules(source: string): ParseRulesResult {
  if (source === '') return { ok: true, rules: emptyRules(), ignored: [] };
  const tree = isJson(source) ? readJson(source) : parseHcl(source);
  if (!tree.ok) return { ok: false, message: PARSE_FAILED + tree.message };
  const decoded = decodePolicy(tree.list);
  if (!decoded.ok) return { ok: false, message: PARSE_FAILED + decoded.message };
  const validated = validatePolicy(decoded.policy);
  if (!validated.ok) return validated;
  return { ok: true, rules: validated.rules, ignored: decoded.policy.ignored };
}

/** hcl's lexMode: JSON when the first non-space character is `{`. */
function isJson(source: string): boolean {
  return /^\p{White_Space}*\{/u.test(source);
}
