/**
 * Small shared pieces: badges, cards, states, sortable headers. Rules: every value is
 * rendered as a text child (never as HTML); colours come from CSS classes named after the
 * level, never from the data itself (a level outside the known set gets the neutral class).
 */
import type { ComponentChildren } from 'preact';

const SEVERITIES = new Set(['info', 'low', 'medium', 'high', 'critical', 'none', 'unknown', 'clean']);
const level = (s: string | undefined) => (s && SEVERITIES.has(s) ? s : 'unknown');

export function SeverityBadge(props: { severity: string | undefined; label?: string }) {
  const s = level(props.severity);
  return <span class={`badge sev-${s}`}>{props.label ?? s}</span>;
}

export function ThreatBadge(props: { level: string | undefined; score?: number }) {
  const l = level(props.level);
  const cls = l === 'high' ? 'critical' : l === 'medium' ? 'high' : l === 'low' ? 'medium' : l;
  return (
    <span class={`badge sev-${cls}`} title={props.score !== undefined ? `score ${props.score}/100` : undefined}>
      {l}
      {props.score !== undefined && props.score > 0 ? ` · ${props.score}` : ''}
    </span>
  );
}

export function Card(props: { title?: ComponentChildren; actions?: ComponentChildren; children: ComponentChildren; class?: string; testId?: string }) {
  return (
    <section class={`card ${props.class ?? ''}`} data-testid={props.testId}>
      {(props.title || props.actions) && (
        <header class="card-head">
          {props.title && <h2>{props.title}</h2>}
          {props.actions && <div class="card-actions">{props.actions}</div>}
        </header>
      )}
      {props.children}
    </section>
  );
}

export function Stat(props: { label: string; value: ComponentChildren; tone?: 'bad' | 'warn' | 'good'; hint?: string; href?: string }) {
  const inner = (
    <>
      <span class="stat-value">{props.value}</span>
      <span class="stat-label">{props.label}</span>
      {props.hint && <span class="stat-hint">{props.hint}</span>}
    </>
  );
  return props.href ? (
    <a class={`stat ${props.tone ? `tone-${props.tone}` : ''}`} href={props.href}>
      {inner}
    </a>
  ) : (
    <div class={`stat ${props.tone ? `tone-${props.tone}` : ''}`}>{inner}</div>
  );
}

export function ErrorNote(props: { error: string | undefined; onRetry?: () => void }) {
  if (!props.error) return null;
  return (
    <div class="note note-error" role="alert">
      <span>{props.error}</span>
      {props.onRetry && (
        <button type="button" class="btn btn-small" onClick={props.onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function Loading(props: { what?: string }) {
  return (
    <p class="muted loading" role="status">
      Loading{props.what ? ` ${props.what}` : ''}…
    </p>
  );
}

export function Empty(props: { children: ComponentChildren }) {
  return <p class="muted empty">{props.children}</p>;
}

export type SortDir = 'asc' | 'desc';

/** A column header that sorts: a button inside <th>, with aria-sort. */
export function SortTh<K extends string>(props: { k: K; label: string; sort: K; dir: SortDir; onSort: (k: K, dir: SortDir) => void; class?: string; defaultDir?: SortDir }) {
  const active = props.sort === props.k;
  const next: SortDir = active ? (props.dir === 'asc' ? 'desc' : 'asc') : (props.defaultDir ?? 'desc');
  return (
    <th class={props.class} aria-sort={active ? (props.dir === 'asc' ? 'ascending' : 'descending') : 'none'} scope="col">
      <button type="button" class="th-btn" onClick={() => props.onSort(props.k, next)}>
        {props.label}
        <span class="sort-mark" aria-hidden="true">
          {active ? (props.dir === 'asc' ? '▲' : '▼') : '↕'}
        </span>
      </button>
    </th>
  );
}

/** A labelled search box. */
export function SearchBox(props: { value: string; onInput: (v: string) => void; label: string; placeholder?: string }) {
  return (
    <label class="search">
      <span class="visually-hidden">{props.label}</span>
      <input type="search" value={props.value} placeholder={props.placeholder ?? props.label} maxLength={100} onInput={(e) => props.onInput((e.currentTarget as HTMLInputElement).value)} />
    </label>
  );
}

/** A row of toggle buttons (aria-pressed), e.g. filters. */
export function Segmented<K extends string>(props: { label: string; options: readonly { k: K; label: string }[]; value: K; onChange: (k: K) => void; testId?: string }) {
  return (
    <div class="segmented" role="group" aria-label={props.label} data-testid={props.testId}>
      {props.options.map((o) => (
        <button key={o.k} type="button" aria-pressed={props.value === o.k} class={props.value === o.k ? 'seg on' : 'seg'} onClick={() => props.onChange(o.k)}>
          {o.label}
        </button>
      ))}
    </div>
  );
}

/** Previous/next paging for server-paged tables. */
export function Pager(props: { offset: number; limit: number; total: number; onPage: (offset: number) => void }) {
  const { offset, limit, total } = props;
  const from = total === 0 ? 0 : offset + 1;
  const to = Math.min(total, offset + limit);
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" class="btn btn-small" disabled={offset === 0} onClick={() => props.onPage(Math.max(0, offset - limit))}>
        ‹ Previous
      </button>
      <span class="muted" aria-live="polite">
        {from}–{to} of {total.toLocaleString('en-US')}
      </span>
      <button type="button" class="btn btn-small" disabled={to >= total} onClick={() => props.onPage(offset + limit)}>
        Next ›
      </button>
    </nav>
  );
}
