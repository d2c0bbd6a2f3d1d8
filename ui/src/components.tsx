// Small shared pieces: status badges, health summaries, error and loading states.
import type { ComponentChildren } from 'preact';
import type { HealthCounts } from './health.ts';
import type { CheckStatus } from './types.ts';
import { Link } from './router.tsx';

const SYMBOL: Readonly<Record<CheckStatus, string>> = { passing: '✓', warning: '!', critical: '✕', maintenance: '⏸' };

/** A status is always spelled out; colour and symbol only repeat it. */
export function StatusBadge({ status }: { status: CheckStatus }) {
  return (
    <span class={`badge badge-${status}`} data-status={status}>
      <span aria-hidden="true">{SYMBOL[status]} </span>
      {status}
    </span>
  );
}

export function HealthSummary({ counts }: { counts: HealthCounts | undefined }) {
  if (counts === undefined) return <span class="muted">no checks</span>;
  const parts = (['passing', 'warning', 'critical'] as const).filter((s) => counts[s] > 0);
  return (
    <span class="summary">
      {parts.map((s) => (
        <span key={s} class={`badge badge-${s}`} data-status={s}>
          {counts[s]} {s}
        </span>
      ))}
    </span>
  );
}

export function ErrorBox({ error }: { error: { status: number; message: string } | undefined }) {
  if (error === undefined) return null;
  const denied = error.status === 403 || error.status === 401;
  return (
    <div class="error" role="alert">
      <strong>{error.status === 0 ? 'Connection error' : `Error ${error.status}`}:</strong> {error.message}
      {denied && error.message !== 'ACL support disabled' && (
        <p>
          This needs an ACL token with more permissions: <Link to="login">log in with a token</Link>.
        </p>
      )}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function Page({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section aria-labelledby="page-title">
      <div class="page-head">
        <h1 id="page-title" tabIndex={-1}>
          {title}
        </h1>
        {actions}
      </div>
      {children}
    </section>
  );
}

export function Tags({ tags }: { tags: readonly string[] | null | undefined }) {
  if (tags === null || tags === undefined || tags.length === 0) return <span class="muted">—</span>;
  return (
    <ul class="tags" aria-label="Tags">
      {tags.map((t) => (
        <li key={t}>{t}</li>
      ))}
    </ul>
  );
}
