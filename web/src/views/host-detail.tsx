/**
 * One host's detail panel: identity (names, addresses, MACs, vendor), role inference
 * reasons, risk, traffic, the last scan (services with products/versions, banners, HTTP
 * titles and technologies, TLS certificates, OS guess), CVEs per service with the detail
 * modal, the DNS section, and the trusted toggle. Rules: banners, titles, certificate
 * fields and DNS names come from the network and are rendered as text only.
 */
import { useState } from 'preact/hooks';
import { post, seg } from '../api/client';
import type { Device, HostDnsResponse, HostScan, ScannedService, VulnerabilitiesResponse, VulnMatch } from '../api/types';
import { useApi } from '../api/use-api';
import { ActionButton } from '../components/action-button';
import { CveModal } from '../components/cve-modal';
import { Empty, Loading, SeverityBadge } from '../components/ui';
import { ago, bytes, count, dateTime } from '../lib/format';

export function HostDetail(props: { d: Device; scan: HostScan | undefined; onChanged: () => void }) {
  const d = props.d;
  const [cve, setCve] = useState<string | undefined>(undefined);
  const toggleTrusted = async () => {
    await post<Device>(`api/hosts/${seg(d.id)}/trusted`, { trusted: !d.trusted });
    props.onChanged();
    return d.trusted ? 'No longer trusted.' : 'Marked trusted.';
  };
  return (
    <div class="host-detail" data-testid="host-detail">
      <div class="detail-grid">
        <section>
          <h3>Identity</h3>
          <dl class="facts">
            {d.name && (
              <>
                <dt>Name</dt>
                <dd>{d.name}</dd>
              </>
            )}
            <dt>Hostname</dt>
            <dd data-testid="host-hostname">
              {d.hostname ?? '–'}
              {d.hostnameSource && <span class="muted small"> (from {d.hostnameSource})</span>}
            </dd>
            <dt>Addresses</dt>
            <dd class="mono">
              {d.ips.length === 0
                ? (d.ip ?? '–')
                : d.ips.map((i) => (
                    <span key={i.ip} class="block">
                      {i.ip} <span class="muted small">last {ago(i.lastSeenMs)}</span>
                    </span>
                  ))}
            </dd>
            <dt>MAC</dt>
            <dd class="mono">
              {d.macs.length > 0 ? d.macs.join(', ') : '–'}
              {d.randomizedMac && <span class="badge badge-plain">private (randomised) MAC</span>}
            </dd>
            <dt>Vendor</dt>
            <dd>
              {d.vendor ?? '–'}
              {d.virtualNic && <span class="muted"> (virtual NIC: {d.virtualNic})</span>}
            </dd>
            <dt>First / last seen</dt>
            <dd>
              {dateTime(d.firstSeenMs)} / {ago(d.lastSeenMs)}
            </dd>
            <dt>Trusted</dt>
            <dd>
              {d.trusted ? `yes${d.trustSource === 'config' ? ' (trusted_macs)' : ''}` : 'no'}{' '}
              {d.trustSource !== 'config' && (
                <ActionButton run={toggleTrusted} class="btn btn-small" testId="trusted-toggle">
                  {d.trusted ? 'Untrust' : 'Mark trusted'}
                </ActionButton>
              )}
            </dd>
            {d.possibleDuplicates.length > 0 && (
              <>
                <dt>Possibly the same as</dt>
                <dd>{d.possibleDuplicates.map((id) => `device ${id}`).join(', ')}</dd>
              </>
            )}
          </dl>
        </section>
        <section>
          <h3>Role and risk</h3>
          <dl class="facts">
            <dt>Role</dt>
            <dd>
              {d.role} {d.roleSource === 'override' ? <span class="muted">(set by you; inferred {d.inferredRole})</span> : <span class="muted">(inferred, {Math.round(d.roleConfidence)}%)</span>}
            </dd>
            {d.roleReasons.length > 0 && (
              <>
                <dt>Why</dt>
                <dd>
                  <ul class="plain">
                    {d.roleReasons.map((r, i) => (
                      <li key={i}>{r}</li>
                    ))}
                  </ul>
                </dd>
              </>
            )}
            <dt>Risk</dt>
            <dd>
              {d.atRisk ? <SeverityBadge severity={d.riskLevel ?? 'high'} label="at risk" /> : d.riskLevel ? <SeverityBadge severity={d.riskLevel} /> : 'none known'}
              {d.riskReasons.length > 0 && (
                <ul class="plain small">
                  {d.riskReasons.map((r, i) => (
                    <li key={i}>{r}</li>
                  ))}
                </ul>
              )}
            </dd>
            {d.traffic && (
              <>
                <dt>Traffic</dt>
                <dd>
                  {count(d.traffic.flows)} flows · {bytes(d.traffic.bytesOut)} out · {bytes(d.traffic.bytesIn)} in
                </dd>
              </>
            )}
          </dl>
        </section>
      </div>
      <ScanSection d={d} scan={props.scan} />
      {d.ip && <CveSection ip={d.ip} onCve={setCve} />}
      {d.ip && <DnsSection ip={d.ip} />}
      {cve && <CveModal key={cve} id={cve} onClose={() => setCve(undefined)} />}
    </div>
  );
}

function ScanSection(props: { d: Device; scan: HostScan | undefined }) {
  const s = props.scan;
  if (!s)
    return (
      <section>
        <h3>Scan</h3>
        {props.d.services.length === 0 ? (
          <Empty>No scan result for this host.</Empty>
        ) : (
          <ul class="plain">
            {props.d.services.map((x) => (
              <li key={x.port}>
                <span class="mono">{x.port}</span> {x.name} {x.product ?? ''} {x.version ?? ''}
              </li>
            ))}
          </ul>
        )}
      </section>
    );
  return (
    <section data-testid="scan-section">
      <h3>
        Scan <span class="muted small">{dateTime(s.scannedAtMs)}</span>
      </h3>
      <p class="small">
        {s.alive ? `alive (${s.aliveBy === 'icmp' ? 'ping' : s.aliveBy === 'tcp' ? 'TCP answer' : s.aliveBy})` : 'not answering'}
        {s.pingMs !== undefined && ` · ping ${s.pingMs.toFixed(1)} ms`}
        {s.ttl !== undefined && ` · TTL ${s.ttl}`}
        {` · ${s.openPorts.length} open, ${s.closedCount} closed, ${s.filteredCount} filtered`}
      </p>
      {s.os && (
        <p class="small">
          OS guess: <strong>{s.os.family}</strong>
          {s.os.detail ? ` (${s.os.detail})` : ''} <span class="muted">{Math.round(s.os.confidence)}%</span>
          {s.os.reasons.length > 0 && <span class="muted"> — {s.os.reasons.join('; ')}</span>}
        </p>
      )}
      {s.hints.length > 0 && <p class="small muted">Hints: {s.hints.join(', ')}</p>}
      {s.services.length === 0 ? (
        <Empty>No open ports found.</Empty>
      ) : (
        <div class="table-wrap">
          <table class="table compact services" data-testid="services-table">
            <caption class="visually-hidden">Open ports and services</caption>
            <thead>
              <tr>
                <th scope="col" class="num">Port</th>
                <th scope="col">Service</th>
                <th scope="col">Product / version</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {s.services.map((x) => (
                <ServiceRow key={x.port} s={x} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function ServiceRow(props: { s: ScannedService }) {
  const s = props.s;
  return (
    <tr>
      <td class="num mono">{s.port}</td>
      <td>{s.name}</td>
      <td>
        {[s.productName ?? s.product, s.version].filter(Boolean).join(' ') || '–'}
        {s.extra && <span class="muted small block">{s.extra}</span>}
        {s.distro && <span class="muted small block">{s.distro}</span>}
      </td>
      <td class="small">
        {s.http && (
          <span class="block" data-testid="http-info">
            HTTP {s.http.status}
            {s.http.title !== undefined && (
              <>
                {' · title '}
                <q class="http-title">{s.http.title}</q>
              </>
            )}
            {s.http.server && ` · ${s.http.server}`}
            {s.http.poweredBy && ` · ${s.http.poweredBy}`}
            {s.http.redirect && ` · → ${s.http.redirect}`}
          </span>
        )}
        {s.http && s.http.technologies.length > 0 && (
          <span class="block">
            {s.http.technologies.map((t) => (
              <span key={t.name} class="chip chip-small">
                {t.name}
                {t.version ? ` ${t.version}` : ''}
              </span>
            ))}
          </span>
        )}
        {s.tls && (
          <span class="block">
            TLS{s.tls.protocol ? ` ${s.tls.protocol}` : ''}
            {s.tls.subject && ` · ${s.tls.subject}`}
            {s.tls.selfSigned && ' · self-signed'}
            {s.tls.expired && ' · EXPIRED'}
            {s.tls.validTo && ` · until ${s.tls.validTo.slice(0, 10)}`}
          </span>
        )}
        {s.banner && <code class="banner block">{s.banner}</code>}
        <span class="muted block">
          by {s.method}, confidence {s.confidence}/10
        </span>
      </td>
    </tr>
  );
}

function CveSection(props: { ip: string; onCve: (id: string) => void }) {
  const r = useApi<VulnerabilitiesResponse>(`api/vulnerabilities?ip=${seg(props.ip)}`, ['vulnerabilities']);
  if (r.status === 404 || r.status === 503) return null; // NVD lookups off
  if (!r.data) return r.error ? <p class="note note-error">{r.error}</p> : <Loading what="CVEs" />;
  const h = r.data.hosts.find((x) => x.ip === props.ip) ?? r.data.hosts[0];
  const services = h?.services.filter((s) => s.affected.length + s.possible.length > 0) ?? [];
  return (
    <section data-testid="cve-section">
      <h3>CVEs</h3>
      {services.length === 0 ? (
        <Empty>No known CVEs for the services found.</Empty>
      ) : (
        services.map((s) => (
          <div key={s.port} class="cve-service">
            <p>
              <span class="mono">{s.port}</span> {s.label}
              {s.dropped > 0 && <span class="muted small"> ({s.dropped} more not shown)</span>}
            </p>
            <ul class="cve-chips">
              {[...s.affected, ...s.possible].map((m) => (
                <CveChip key={m.cve} m={m} onCve={props.onCve} />
              ))}
            </ul>
          </div>
        ))
      )}
    </section>
  );
}

function CveChip(props: { m: VulnMatch; onCve: (id: string) => void }) {
  const m = props.m;
  return (
    <li>
      <button type="button" class={`cve-chip ${m.status === 'possible' ? 'possible' : ''}`} onClick={() => props.onCve(m.cve)} title={m.description.slice(0, 200)}>
        <SeverityBadge severity={m.severity} label={m.cvss ? m.cvss.score.toFixed(1) : m.severity} />
        <span class="mono">{m.cve}</span>
        {m.kev && <span class="badge kev">KEV</span>}
        {m.status === 'possible' && <span class="muted small">possible</span>}
      </button>
    </li>
  );
}

function DnsSection(props: { ip: string }) {
  const r = useApi<HostDnsResponse>(`api/hosts/${seg(props.ip)}/dns`, ['devices']);
  if (r.status === 404) return null;
  if (!r.data) return r.error ? <p class="note note-error">{r.error}</p> : <Loading what="DNS" />;
  const d = r.data;
  const st = d.stats;
  const top = st?.topDomains.slice(0, 10) ?? [];
  const blocked = st?.topBlocked.slice(0, 10) ?? [];
  return (
    <section data-testid="dns-section">
      <h3>DNS</h3>
      {d.source === 'none' ? (
        <Empty>DNS monitoring is off (dns_source: none).</Empty>
      ) : !st ? (
        <Empty>No DNS queries seen from this host.</Empty>
      ) : (
        <>
          <p class="small">
            {count(st.queries)} queries · {count(st.blocked)} blocked ({Math.round(st.blockedShare * 100)}%) · {count(st.nxdomain)} NXDOMAIN · last {ago(st.lastSeenMs)}
          </p>
          <div class="detail-grid">
            <div>
              <h4>Top domains</h4>
              <ol class="domains" data-testid="dns-top">
                {top.map((x) => (
                  <li key={x.domain}>
                    <span class="mono wrap">{x.domain}</span> <span class="muted">{count(x.count)}</span>
                  </li>
                ))}
              </ol>
            </div>
            {blocked.length > 0 && (
              <div>
                <h4>Top blocked</h4>
                <ol class="domains">
                  {blocked.map((x) => (
                    <li key={x.domain}>
                      <span class="mono wrap">{x.domain}</span> <span class="muted">{count(x.count)}</span>
                    </li>
                  ))}
                </ol>
              </div>
            )}
          </div>
        </>
      )}
      {d.newDomains.count > 0 || d.newDomains.recent.length > 0 ? (
        <div>
          <h4>
            New domains {d.newDomains.learning ? <span class="muted small">(still learning this device)</span> : <span class="muted small">({count(d.newDomains.count)})</span>}
          </h4>
          <ul class="domains">
            {d.newDomains.recent.slice(0, 20).map((x) => (
              <li key={x.domain}>
                <span class="mono wrap">{x.domain}</span> <span class="muted">{ago(x.atMs)}</span>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}
