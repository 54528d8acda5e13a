/**
 * Vulnerabilities: the CVE browser over every cached NVD CVE (detected on the network or
 * not) — CVSS, severity, service/technology, published date, CISA KEV flag, hosts where it
 * was detected — sorted, filtered and paged on the server, with the detail modal and the
 * Refresh NVD action. Rules: CVEs not detected on any host are dimmed and labelled "not
 * detected"; a route argument (#/vulnerabilities/CVE-…) opens that CVE; NVD text is text.
 */
import { useEffect, useState } from 'preact/hooks';
import { post } from '../api/client';
import type { CveRow, CvesResponse, CvssSeverity, NvdRefreshResponse, OverviewResponse, VulnerabilitySummaryResponse } from '../api/types';
import { useApi } from '../api/use-api';
import { ActionButton } from '../components/action-button';
import { CveModal } from '../components/cve-modal';
import { Empty, ErrorNote, Loading, Pager, SearchBox, SeverityBadge, SortTh, type SortDir } from '../components/ui';
import { ago, count, dateTime, isoDay, plural } from '../lib/format';
import { navigate } from '../lib/route';

type CveSort = CvesResponse['sort'];
const PAGE = 50;
const SEVERITIES: (CvssSeverity | '')[] = ['', 'critical', 'high', 'medium', 'low'];

export function VulnerabilitiesView(props: { selected?: string | undefined }) {
  const [sort, setSort] = useState<CveSort>('cvss');
  const [order, setOrder] = useState<SortDir>('desc');
  const [offset, setOffset] = useState(0);
  const [q, setQ] = useState('');
  const [debounced, setDebounced] = useState('');
  const [severity, setSeverity] = useState<CvssSeverity | ''>('');
  const [kev, setKev] = useState(false);
  const [detected, setDetected] = useState(false);

  useEffect(() => {
    const t = window.setTimeout(() => setDebounced(q.trim()), 250);
    return () => window.clearTimeout(t);
  }, [q]);
  useEffect(() => setOffset(0), [debounced, severity, kev, detected, sort, order]);

  const params = new URLSearchParams({ limit: String(PAGE), offset: String(offset), sort, order });
  if (debounced) params.set('q', debounced);
  if (severity) params.set('severity', severity);
  if (kev) params.set('kev', 'true');
  if (detected) params.set('detected', 'true');
  const r = useApi<CvesResponse>(`api/cves?${params.toString()}`, ['vulnerabilities']);
  const o = useApi<OverviewResponse>('api/overview', []);
  const v = useApi<VulnerabilitySummaryResponse>('api/vulnerabilities', ['vulnerabilities']);

  const onSort = (k: CveSort, d: SortDir) => {
    setSort(k);
    setOrder(d);
  };
  const refresh = async () => {
    await post<NvdRefreshResponse>('api/vulnerabilities/refresh');
    v.reload();
    return 'NVD refresh started: the cache is re-fetched in the background (minutes without an API key).';
  };
  const stats = v.data?.stats;
  const nvdOff = o.data ? !o.data.features.nvd : [v.status, r.status].some((x) => x === 404 || x === 503);

  return (
    <div class="view" data-testid="view-vulnerabilities">
      <h1 class="view-title">
        Vulnerabilities {r.data && <span class="muted title-count">{count(r.data.total)} CVEs</span>}
      </h1>
      {nvdOff ? (
        <p class="note">NVD vulnerability lookups are off (enable_nvd: false).</p>
      ) : (
        <>
          <div class="toolbar toolbar-split">
            <p class="small" data-testid="nvd-status">
              {stats ? (
                <>
                  {count(stats.cves)} CVEs cached · {count(stats.results.affected)} confirmed and {count(stats.results.possible)} possible matches on {plural(stats.results.hosts, 'host')} ·{' '}
                  {count(stats.results.atRisk)} at risk · CISA KEV: {count(stats.kev.entries)} entries{stats.kev.fetchedMs ? ` (fetched ${ago(stats.kev.fetchedMs)})` : ''}, {count(stats.kev.matched)} matched
                  {stats.kev.lastError && <span class="bad"> · KEV error: {stats.kev.lastError}</span>}
                  {stats.prefetch.running ? <strong> · fetching from NVD…</strong> : stats.prefetch.lastRunMs ? ` · NVD checked ${ago(stats.prefetch.lastRunMs)}` : ''}
                </>
              ) : (
                ' '
              )}
            </p>
            <ActionButton run={refresh} class="btn btn-small" busyLabel="Starting…" testId="nvd-refresh" title="Flush the NVD cache and fetch again">
              Refresh NVD
            </ActionButton>
          </div>
          <ErrorNote error={r.error} onRetry={r.reload} />
          <div class="toolbar">
            <SearchBox value={q} onInput={setQ} label="Search CVE id, product or description" placeholder="CVE id, product, text…" />
            <label class="select">
              <span class="visually-hidden">Severity</span>
              <select value={severity} onChange={(e) => setSeverity((e.currentTarget as HTMLSelectElement).value as CvssSeverity | '')}>
                {SEVERITIES.map((s) => (
                  <option key={s} value={s}>
                    {s === '' ? 'All severities' : s}
                  </option>
                ))}
              </select>
            </label>
            <label class="check">
              <input type="checkbox" checked={kev} onChange={(e) => setKev((e.currentTarget as HTMLInputElement).checked)} /> KEV only
            </label>
            <label class="check">
              <input type="checkbox" checked={detected} onChange={(e) => setDetected((e.currentTarget as HTMLInputElement).checked)} /> Detected only
            </label>
          </div>
          {!r.data ? (
            r.error ? null : <Loading what="CVEs" />
          ) : r.data.items.length === 0 ? (
            <Empty>{r.data.total === 0 && !debounced && !severity && !kev && !detected ? 'No CVEs cached yet: they are fetched for the services the scanner finds.' : 'No CVEs match.'}</Empty>
          ) : (
            <>
              <div class="table-wrap">
                <table class="table cve-table" data-testid="cve-table">
                  <caption class="visually-hidden">CVEs in the local NVD cache, sortable</caption>
                  <thead>
                    <tr>
                      <SortTh k="id" label="CVE" sort={sort} dir={order} onSort={onSort} />
                      <SortTh k="cvss" label="CVSS" sort={sort} dir={order} onSort={onSort} class="num" />
                      <th scope="col">Severity</th>
                      <th scope="col">Service / technology</th>
                      <SortTh k="published" label="Published" sort={sort} dir={order} onSort={onSort} class="hide-sm" />
                      <th scope="col">KEV</th>
                      <SortTh k="detected" label="On network" sort={sort} dir={order} onSort={onSort} />
                    </tr>
                  </thead>
                  <tbody>
                    {r.data.items.map((c) => (
                      <CveTr key={c.id} c={c} />
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager offset={r.data.offset} limit={r.data.limit} total={r.data.total} onPage={setOffset} />
              <p class="muted small">Updated {dateTime(r.data.generatedMs)}</p>
            </>
          )}
        </>
      )}
      {props.selected && <CveModal key={props.selected} id={props.selected} onClose={() => navigate('vulnerabilities')} />}
    </div>
  );
}

function CveTr(props: { c: CveRow }) {
  const c = props.c;
  const notDetected = c.detectedOn === 0 && c.possibleOn === 0;
  return (
    <tr class={notDetected ? 'dim' : undefined} data-testid="cve-row" data-cve={c.id}>
      <td>
        <button type="button" class="btn-link mono" onClick={() => navigate('vulnerabilities', c.id)} data-testid="cve-open">
          {c.id}
        </button>
        <span class="muted small block clamp">{c.summary}</span>
      </td>
      <td class="num">{c.cvss ? c.cvss.score.toFixed(1) : '–'}</td>
      <td>
        <SeverityBadge severity={c.severity} />
      </td>
      <td class="small">{c.products.join(', ') || '–'}</td>
      <td class="hide-sm nowrap">{isoDay(c.published)}</td>
      <td>{c.kev ? <span class="badge kev">KEV</span> : <span class="muted">–</span>}</td>
      <td>
        {notDetected ? (
          <span class="muted small" data-testid="not-detected">
            not detected
          </span>
        ) : (
          <>
            {c.detectedOn > 0 && <span class="bad">{c.detectedOn} host{c.detectedOn === 1 ? '' : 's'}</span>}
            {c.possibleOn > 0 && <span class="muted small block">{c.possibleOn} possible</span>}
          </>
        )}
      </td>
    </tr>
  );
}
