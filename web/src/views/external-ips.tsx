/**
 * External IPs: the enriched address table (threat rating with its explanation, VirusTotal
 * verdicts, AbuseIPDB score, country/organisation, reverse DNS, traffic, last seen), paged,
 * sorted and searched on the server, with a detail panel holding every provider's stored
 * answer, the on-demand lookup action and — with blocking enabled — "Block…" (the manual
 * block form, prefilled with the address and its rating). Rules: provider strings (org, hostname, ISP,
 * usage type) and rDNS names are text; lookups spend provider budget, so they run only on
 * the button, never on their own.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiFailure, post, seg } from '../api/client';
import type { ComponentChildren } from 'preact';
import type { AbuseIpDbData, ExternalIp, ExternalIpDetail, ExternalIpSort, ExternalIpsResponse, IpInfoData, IpLookupResponse, ProviderView, ShodanData, ThreatRating, VirusTotalData } from '../api/types';
import { useApi } from '../api/use-api';
import { ActionButton } from '../components/action-button';
import { BlockModal, useBlockingEnabled } from '../components/block-form';
import { Empty, ErrorNote, Loading, Pager, SearchBox, Segmented, SortTh, ThreatBadge, type SortDir } from '../components/ui';
import { ago, bytes, count, dateTime } from '../lib/format';
import { href } from '../lib/route';

const PAGE = 50;

export function ExternalIpsView(props: { selected?: string | undefined }) {
  const [sort, setSort] = useState<ExternalIpSort>('last_seen');
  const [order, setOrder] = useState<SortDir>('desc');
  const [offset, setOffset] = useState(0);
  const [q, setQ] = useState(props.selected ?? '');
  const [debounced, setDebounced] = useState(q);
  const [flagged, setFlagged] = useState<'all' | 'flagged'>('all');
  const [open, setOpen] = useState<string | undefined>(props.selected);

  useEffect(() => {
    const t = window.setTimeout(() => setDebounced(q.trim()), 250);
    return () => window.clearTimeout(t);
  }, [q]);
  useEffect(() => setOffset(0), [debounced, flagged, sort, order]);

  const params = new URLSearchParams({ limit: String(PAGE), offset: String(offset), sort, order });
  if (debounced) params.set('q', debounced);
  if (flagged === 'flagged') params.set('flagged', 'true');
  const r = useApi<ExternalIpsResponse>(`api/external-ips?${params.toString()}`, ['intel', 'flows'], { trailingMs: 12_000 });

  const onSort = (k: ExternalIpSort, d: SortDir) => {
    setSort(k);
    setOrder(d);
  };
  const d = r.data;
  return (
    <div class="view" data-testid="view-external">
      <h1 class="view-title">
        External IPs {d && <span class="muted title-count">{count(d.known)} known</span>}
      </h1>
      {d && !d.intelEnabled && <p class="note">Threat intel is off (enable_threat_intel: false): ratings show only stored answers, and lookups are not available.</p>}
      <ErrorNote error={r.error} onRetry={r.reload} />
      <div class="toolbar">
        <SearchBox value={q} onInput={setQ} label="Search by IP, country, organisation or reverse DNS (prefix)" placeholder="IP, country, org or rDNS prefix…" />
        <Segmented
          label="Show"
          value={flagged}
          onChange={setFlagged}
          options={[
            { k: 'all', label: 'All' },
            { k: 'flagged', label: 'Flagged only' },
          ]}
        />
      </div>
      {!d ? (
        r.error ? null : <Loading what="external IPs" />
      ) : d.items.length === 0 ? (
        <Empty>{d.known === 0 ? 'No external addresses seen yet.' : 'No addresses match.'}</Empty>
      ) : (
        <>
          <div class="table-wrap">
            <table class="table ext-table" data-testid="external-table">
              <caption class="visually-hidden">External IP addresses</caption>
              <thead>
                <tr>
                  <th scope="col">Address</th>
                  <SortTh k="rating" label="Threat" sort={sort} dir={order} onSort={onSort} />
                  <th scope="col" class="hide-sm">VirusTotal</th>
                  <th scope="col" class="hide-sm">AbuseIPDB</th>
                  <th scope="col">Country / org</th>
                  <SortTh k="devices" label="Devices" sort={sort} dir={order} onSort={onSort} class="num hide-sm" />
                  <SortTh k="bytes" label="Traffic" sort={sort} dir={order} onSort={onSort} class="num hide-sm" />
                  <SortTh k="last_seen" label="Last seen" sort={sort} dir={order} onSort={onSort} />
                  <th scope="col">
                    <span class="visually-hidden">Details</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {d.items.map((x) => (
                  <ExtRow key={x.ip} x={x} open={open === x.ip} onToggle={() => setOpen(open === x.ip ? undefined : x.ip)} intel={d.intelEnabled} onChanged={r.reload} />
                ))}
              </tbody>
            </table>
          </div>
          <Pager offset={d.offset} limit={d.limit} total={d.total} onPage={setOffset} />
        </>
      )}
    </div>
  );
}

function ExtRow(props: { x: ExternalIp; open: boolean; onToggle: () => void; intel: boolean; onChanged: () => void }) {
  const x = props.x;
  const vt = x.virustotal;
  const ab = x.abuseipdb;
  const id = `ext-${x.ip.replace(/[^0-9a-f]/gi, '-')}`;
  return (
    <>
      <tr class={x.flagged ? 'row-risk' : undefined} data-testid="external-row" data-ip={x.ip}>
        <td>
          <span class="mono">{x.ip}</span>
          {x.rdns && <span class="muted small block wrap">{x.rdns}</span>}
          {x.blacklists.length > 0 && <span class="badge sev-critical">listed: {x.blacklists.join(', ')}</span>}
        </td>
        <td>
          <ThreatBadge level={x.rating.level} score={x.rating.score} />
          {x.rating.reasons[0] && <span class="small muted block">{x.rating.reasons[0].said}</span>}
        </td>
        <td class="hide-sm">{vt ? <span class={vt.malicious > 0 ? 'bad' : undefined}>{`${vt.malicious} malicious · ${vt.suspicious} suspicious`}</span> : <span class="muted">–</span>}</td>
        <td class="hide-sm">
          {ab ? (
            <>
              <span class={ab.score >= 50 ? 'bad' : undefined}>{ab.score}%</span>
              <span class="muted small block">
                {count(ab.reports)} reports{ab.isTor ? ' · Tor' : ''}
                {ab.usageType ? ` · ${ab.usageType}` : ''}
              </span>
            </>
          ) : (
            <span class="muted">–</span>
          )}
        </td>
        <td>
          {x.country ?? '–'}
          {x.org && <span class="muted small block">{x.org}</span>}
        </td>
        <td class="num hide-sm">{count(x.devices)}</td>
        <td class="num hide-sm">{bytes(x.bytes)}</td>
        <td>{ago(x.lastSeenMs)}</td>
        <td>
          <button type="button" class="btn btn-small" aria-expanded={props.open} aria-controls={id} onClick={props.onToggle} aria-label={`Details of ${x.ip}`}>
            {props.open ? 'Hide' : 'Details'}
          </button>
        </td>
      </tr>
      {props.open && (
        <tr class="detail-row" id={id}>
          <td colSpan={9}>
            <ExtDetail ip={x.ip} intel={props.intel} onChanged={props.onChanged} />
          </td>
        </tr>
      )}
    </>
  );
}

function ExtDetail(props: { ip: string; intel: boolean; onChanged: () => void }) {
  const r = useApi<ExternalIpDetail>(`api/external-ips/${seg(props.ip)}`, ['intel']);
  const [lookup, setLookup] = useState<IpLookupResponse | undefined>(undefined);
  const canBlock = useBlockingEnabled();
  const [blocking, setBlocking] = useState(false);
  const run = async () => {
    try {
      const res = await post<IpLookupResponse>(`api/external-ips/${seg(props.ip)}/lookup`);
      setLookup(res);
      r.reload();
      props.onChanged();
      const asked = Object.values(res.providers).filter((p) => p.status === 'fresh').length;
      return res.enrichable ? `Looked up: ${asked} provider answer${asked === 1 ? '' : 's'}.` : 'Not a public address: providers were not asked.';
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 503) return 'Threat intel is off.';
      throw err;
    }
  };
  if (!r.data) return r.error ? <ErrorNote error={r.error} onRetry={r.reload} /> : <Loading what="details" />;
  const d = r.data;
  const providers = lookup?.providers ?? d.providers;
  const rating = lookup?.rating ?? d.rating;
  return (
    <div class="ext-detail" data-testid="external-detail">
      <div class="detail-grid">
        <section>
          <h3>Threat rating</h3>
          <RatingExplain rating={rating} />
          {d.blacklists.length > 0 && <p class="small">Listed by: {d.blacklists.join(', ')}</p>}
          <p class="small">
            <ActionButton run={run} disabled={!props.intel} class="btn btn-small btn-primary" busyLabel="Looking up…" testId="lookup" title={props.intel ? 'Ask the configured providers now (uses daily budget)' : 'Threat intel is off'}>
              Look up now
            </ActionButton>
            {canBlock && (
              <button type="button" class="btn btn-small" onClick={() => setBlocking(true)} data-testid="block-open">
                Block…
              </button>
            )}
          </p>
          {blocking && <BlockModal value={d.ip} reason={blockReason(d.ip, rating, d.blacklists)} onClose={() => setBlocking(false)} />}
        </section>
        <section>
          <h3>Traffic</h3>
          <dl class="facts">
            <dt>Reverse DNS</dt>
            <dd class="wrap">{d.rdns === null ? 'none' : (d.rdns ?? 'not resolved')}</dd>
            <dt>First / last seen</dt>
            <dd>
              {dateTime(d.firstSeenMs)} / {ago(d.lastSeenMs)}
            </dd>
            <dt>Flows</dt>
            <dd>{count(d.flows)}</dd>
            <dt>Sent to it / from it</dt>
            <dd>
              {bytes(d.bytesIn)} / {bytes(d.bytesOut)}
            </dd>
            <dt>Devices</dt>
            <dd>
              {d.deviceIps.length === 0
                ? '–'
                : d.deviceIps.map((ip, i) => (
                    <span key={ip}>
                      {i > 0 ? ', ' : ''}
                      <a class="mono" href={href('hosts', ip)}>
                        {ip}
                      </a>
                    </span>
                  ))}
            </dd>
          </dl>
        </section>
      </div>
      <div class="providers">
        <ProviderBox name="IPinfo" v={providers.ipinfo} render={(p: IpInfoData) => <IpInfoFacts p={p} />} />
        <ProviderBox name="VirusTotal" v={providers.virustotal} render={(p: VirusTotalData) => <VtFacts p={p} />} />
        <ProviderBox name="AbuseIPDB" v={providers.abuseipdb} render={(p: AbuseIpDbData) => <AbuseFacts p={p} />} />
        <ProviderBox name="Shodan" v={providers.shodan} render={(p: ShodanData) => <ShodanFacts p={p} />} />
      </div>
    </div>
  );
}

/** The prefilled reason of a block from this view: the rating and what it rests on. */
function blockReason(ip: string, rating: ThreatRating, blacklists: readonly string[]): string {
  const why = rating.reasons[0] ? `: ${rating.reasons[0].source} — ${rating.reasons[0].said}` : blacklists.length > 0 ? `: listed by ${blacklists.join(', ')}` : '';
  return `External IP ${ip}, threat ${rating.level} (${rating.score}/100)${why}`;
}

function RatingExplain(props: { rating: ThreatRating }) {
  const r = props.rating;
  return (
    <div data-testid="rating-explain">
      <p>
        <ThreatBadge level={r.level} score={r.score} /> <span class="muted small">score {r.score}/100</span>
      </p>
      {r.reasons.length === 0 ? (
        <p class="muted small">No source has said anything about this address.</p>
      ) : (
        <ul class="plain small">
          {r.reasons.map((x, i) => (
            <li key={i}>
              <strong>{x.source}</strong>: {x.said} <span class="muted">(+{x.score})</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function ProviderBox<D>(props: { name: string; v: ProviderView | undefined; render: (d: D) => ComponentChildren }) {
  const v = props.v;
  return (
    <section class="provider">
      <h4>
        {props.name} <span class={`pstatus ps-${v?.status ?? 'disabled'}`}>{v?.status ?? 'disabled'}</span>
      </h4>
      {v?.data ? props.render(v.data as D) : <p class="muted small">{v?.error ? `${v.error.kind}: ${v.error.detail}` : (v?.reason ?? (v?.status === 'disabled' ? 'Not configured.' : 'No answer stored.'))}</p>}
      {v?.fetchedMs && <p class="muted small">answered {ago(v.fetchedMs)}</p>}
    </section>
  );
}

function IpInfoFacts(props: { p: IpInfoData }) {
  const p = props.p;
  return (
    <dl class="facts small">
      {p.hostname && (
        <>
          <dt>Hostname</dt>
          <dd class="wrap">{p.hostname}</dd>
        </>
      )}
      <dt>Location</dt>
      <dd>{[p.city, p.region, p.country].filter(Boolean).join(', ') || '–'}</dd>
      <dt>Organisation</dt>
      <dd>{p.org ?? '–'}</dd>
      {p.timezone && (
        <>
          <dt>Time zone</dt>
          <dd>{p.timezone}</dd>
        </>
      )}
    </dl>
  );
}

function VtFacts(props: { p: VirusTotalData }) {
  const p = props.p;
  return (
    <dl class="facts small">
      <dt>Verdicts</dt>
      <dd>
        <span class={p.malicious > 0 ? 'bad' : undefined}>{p.malicious} malicious</span>, {p.suspicious} suspicious, {p.harmless} harmless, {p.undetected} undetected
      </dd>
      {p.reputation !== undefined && (
        <>
          <dt>Reputation</dt>
          <dd>{p.reputation}</dd>
        </>
      )}
      {p.asOwner && (
        <>
          <dt>AS owner</dt>
          <dd>{p.asOwner}</dd>
        </>
      )}
    </dl>
  );
}

function AbuseFacts(props: { p: AbuseIpDbData }) {
  const p = props.p;
  return (
    <dl class="facts small">
      <dt>Abuse confidence</dt>
      <dd class={p.abuseConfidenceScore >= 50 ? 'bad' : undefined}>{p.abuseConfidenceScore}%</dd>
      <dt>Reports</dt>
      <dd>
        {count(p.totalReports)} from {count(p.numDistinctUsers)} users{p.lastReportedAt ? `, last ${p.lastReportedAt.slice(0, 10)}` : ''}
      </dd>
      {(p.isp || p.domain) && (
        <>
          <dt>ISP</dt>
          <dd>{[p.isp, p.domain].filter(Boolean).join(' · ')}</dd>
        </>
      )}
      {p.usageType && (
        <>
          <dt>Usage</dt>
          <dd>{p.usageType}</dd>
        </>
      )}
      {p.isTor && (
        <>
          <dt>Tor</dt>
          <dd>exit node</dd>
        </>
      )}
    </dl>
  );
}

function ShodanFacts(props: { p: ShodanData }) {
  const p = props.p;
  if (!p.found) return <p class="muted small">Not in Shodan.</p>;
  return (
    <dl class="facts small">
      <dt>Open ports</dt>
      <dd class="mono">{p.ports.join(', ') || '–'}</dd>
      {p.vulns.length > 0 && (
        <>
          <dt>Vulns</dt>
          <dd class="mono wrap">{p.vulns.join(', ')}</dd>
        </>
      )}
      {p.hostnames.length > 0 && (
        <>
          <dt>Hostnames</dt>
          <dd class="wrap">{p.hostnames.join(', ')}</dd>
        </>
      )}
      {(p.org || p.isp) && (
        <>
          <dt>Org / ISP</dt>
          <dd>{[p.org, p.isp].filter(Boolean).join(' · ')}</dd>
        </>
      )}
      {p.os && (
        <>
          <dt>OS</dt>
          <dd>{p.os}</dd>
        </>
      )}
    </dl>
  );
}
