// Shared helpers for the ACL engine tests: compile authorizers straight from rules texts.

import { compileAuthorizer, parsePolicyRules, type Authorizer, type PolicyRules } from '../../../storage/acl/index.ts';

export function rulesOf(text: string): PolicyRules {
  const result = parsePolicyRules(text);
  if (!result.ok) throw new Error(`test rules do not parse: ${result.message}`);
  return result.rules;
}

/** An authorizer for a token holding one policy per text. */
export function authorizerFor(texts: string | readonly string[], defaultPolicy: 'allow' | 'deny', accessorId = 'acc-1'): Authorizer {
  const list = typeof texts === 'string' ? [texts] : texts;
  return compileAuthorizer({ accessorId, defaultPolicy, policies: list.map(rulesOf) });
}

export const DEFAULTS = ['allow', 'deny'] as const;
