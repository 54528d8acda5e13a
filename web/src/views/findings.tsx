/**
 * Findings: open and dismissed findings with a minimum-severity filter, category and text
 * filters, dismiss/undismiss (persisted by the server before it answers), remediation hints,
 * evidence, the CVE detail modal for CVEs a finding names, and — with blocking enabled — a
 * "Block…" action on findings that point at something blockable (the manual block form,
 * prefilled). Rules: the list is refetched on the `findings` topic and after every action;
 * evidence values are shown as text.
 */
import { Fragment } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { post, seg } from '../api/client';
import type { DismissResponse, Finding, FindingsResponse, Severity } from '../api/types';
import { useApi } from '../api/use-api';
import { ActionButton } from '../components/action-button';
import { BlockModal, useBlockingEnabled } from '../components/block-form';
import { CveModal } from '../components/cve-modal';
import { Empty, ErrorNote, Loading, SearchBox, Segmented, SeverityBadge } from '../components/ui';
import { blockSubjectOf } from '../lib/block';
import { cvesIn } from '../lib/cve';
import { ago, count, dateTime } from '../lib/format';
import { href } from '../lib/route';

const SEV_ORDER: Severity[] = ['info', 'low', 'medium', 'high', 'critical'];
type MinSev = 'all' | Severity;
type Show = 'open' | 'dismissed' | 'all';

export function FindingsView() {
  const r = useApi<FindingsResponse>('api/findings?dismissed=true', ['findings']);
  const [minSev, setMinSev] = useState<MinSev>('all');
  const [show, setShow] = useState<Show>('open');
  const [category, setCategory] = useState('');
  const [q, setQ] = useState('');
  const [cve, setCve] = useState<string | undefined>(undefined);
  const [blocking, setBlocking] = useState<{ value: string; reason: string } | undefined>(undefined);
  const canBlock = useBlockingEnabled();

  const all = r.data?.findings ?? [];
  const categories = useMemo(() => [...new Set(all.map((f) => f.category))].sort(), [all]);
  const list = useMemo(() => {
    const min = minSev === 'all' ? 0 : SEV_ORDER.indexOf(minSev);
    const needle = q.trim().toLowerCase();
    return all
      .filter((f) => (show === 'all' ? true : show === 'open' ? !f.dismissed : f.dismissed))
      .filter((f) => SEV_ORDER.indexOf(f.severity) >= min)
      .filter((f) => !category || f.category === category)
      .filter((f) => !needle || `${f.title} ${f.detail} ${f.sourceIp} ${f.category} ${f.key}`.toLowerCase().includes(needle))
      .sort((a, b) => SEV_ORDER.indexOf(b.severity) - SEV_ORDER.indexOf(a.severity) || b.lastSeenMs - a.lastSeenMs);
  }, [all, minSev, show, category, q]);
  const open = all.filter((f) => !f.dismissed);

  if (!r.data) return r.error ? <ErrorNote error={r.error} onRetry={r.reload} /> : <Loading what="findings" />;
  return (
    <div class="view" data-testid="view-findings">
      <h1 class="view-title">
        Findings <span class="muted title-count">{count(open.length)} open · {count(r.data.openActionable)} high or critical</span>
      </h1>
      <ErrorNote error={r.error} onRetry={r.reload} />
      <div class="toolbar">
        <Segmented
          label="Minimum severity"
          testId="severity-filter"
          value={minSev}
          onChange={setMinSev}
          options={[
            { k: 'all', label: 'All' },
            { k: 'critical', label: 'Critical' },
            { k: 'high', label: 'High+' },
            { k: 'medium', label: 'Medium+' },
            { k: 'low', label: 'Low+' },
          ]}
        />
        <Segmented
          label="Show"
          testId="dismissed-filter"
          value={show}
          onChange={setShow}
          options={[
            { k: 'open', label: 'Open' },
            { k: 'dismissed', label: 'Dismissed' },
            { k: 'all', label: 'Both' },
          ]}
        />
        <label class="select">
          <span class="visually-hidden">Category</span>
          <select value={category} onChange={(e) => setCategory((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">All categories</option>
            {categories.map((c) => (
              <option key={c} value={c}>
                {c.replace(/_/g, ' ')}
              </option>
            ))}
          </select>
        </label>
        <SearchBox value={q} onInput={setQ} label="Search findings" />
      </div>
      {list.length === 0 ? (
        <Empty>{all.length === 0 ? 'No findings yet.' : 'No findings match these filters.'}</Empty>
      ) : (
        <ul class="finding-list" data-testid="finding-list">
          {list.map((f) => (
            <FindingItem key={f.key} f={f} onChanged={r.reload} onCve={setCve} onBlock={canBlock ? setBlocking : undefined} />
          ))}
        </ul>
      )}
      {cve && <CveModal key={cve} id={cve} onClose={() => setCve(undefined)} />}
      {blocking && <BlockModal value={blocking.value} reason={blocking.reason} onClose={() => setBlocking(undefined)} />}
    </div>
  );
}

function FindingItem(props: { f: Finding; onChanged: () => void; onCve: (id: string) => void; onBlock: ((b: { value: string; reason: string }) => void) | undefined }) {
  const f = props.f;
  const subject = props.onBlock ? blockSubjectOf(f) : undefined;
  const cves = cvesIn(f.evidence, f.title, f.detail);
  const act = async () => {
    await post<DismissResponse>(`api/findings/${seg(f.key)}/${f.dismissed ? 'undismiss' : 'dismiss'}`);
    props.onChanged();
  };
  const evidence = Object.entries(f.evidence).filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0));
  return (
    <li class={f.dismissed ? 'finding dismissed' : 'finding'} data-key={f.key} data-testid="finding">
      <div class="finding-head">
        <SeverityBadge severity={f.severity} />
        <h2 class="finding-title">{f.title}</h2>
        <ActionButton run={act} class="btn btn-small" busyLabel="Saving…" label={`${f.dismissed ? 'Restore' : 'Dismiss'}: ${f.title}`} testId={f.dismissed ? 'undismiss' : 'dismiss'}>
          {f.dismissed ? 'Restore' : 'Dismiss'}
        </ActionButton>
        {subject && (
          <button type="button" class="btn btn-small" onClick={() => props.onBlock?.({ value: subject, reason: f.title })} aria-label={`Block ${subject}…`} data-testid="block-open">
            Block…
          </button>
        )}
      </div>
      <p class="finding-meta small muted">
        <span>{f.category.replace(/_/g, ' ')}</span>
        <span>
          source{' '}
          <a class="mono" href={href('hosts', f.sourceIp)}>
            {f.sourceIp}
          </a>
        </span>
        <span>
          {count(f.occurrences)}× · last {ago(f.lastSeenMs)} · first {dateTime(f.firstSeenMs)}
        </span>
        {f.dismissed && <span class="badge badge-plain">dismissed</span>}
      </p>
      {f.detail && <p class="finding-detail">{f.detail}</p>}
      {cves.length > 0 && (
        <p class="cve-links">
          {cves.map((id) => (
            <button key={id} type="button" class="btn btn-small btn-link mono" onClick={() => props.onCve(id)}>
              {id}
            </button>
          ))}
        </p>
      )}
      {f.remediation && (
        <p class="remediation">
          <strong>Fix: </strong>
          {f.remediation}
        </p>
      )}
      {evidence.length > 0 && (
        <details class="evidence">
          <summary>Evidence</summary>
          <dl class="facts small">
            {evidence.map(([k, v]) => (
              <Fragment key={k}>
                <dt>{k}</dt>
                <dd class="wrap">
                  {typeof v === 'string' ? v : Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ') : JSON.stringify(v)}
                </dd>
              </Fragment>
            ))}
          </dl>
        </details>
      )}
    </li>
  );
}
