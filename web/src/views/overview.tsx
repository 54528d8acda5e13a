/**
 * Overview: summary numbers, the Active Scan card (with Trigger Scan), NetFlow listener
 * health, recent alerts and the NVD keyword chips coloured by where each keyword came from.
 * Rules: refetched on every live topic; Trigger Scan is offered only when the scanner is on
 * and idle (a 409 says a scan is already running); every name is rendered as text.
 */
import { ApiFailure, post } from '../api/client';
import type { CollectorHealth, KeywordChip, OverviewResponse, ScanSummary, StartedResponse } from '../api/types';
import { useApi } from '../api/use-api';
import { ActionButton } from '../components/action-button';
import { Card, Empty, ErrorNote, Loading, SeverityBadge, Stat } from '../components/ui';
import { ago, bytes, count, dateTime, duration, seconds } from '../lib/format';
import { href } from '../lib/route';

const ALL_TOPICS = ['findings', 'devices', 'scan', 'vulnerabilities', 'intel', 'flows', 'collector'] as const;

export function OverviewView() {
  const o = useApi<OverviewResponse>('api/overview', ALL_TOPICS);
  if (!o.data) return o.error ? <ErrorNote error={o.error} onRetry={o.reload} /> : <Loading what="overview" />;
  const d = o.data;
  const s = d.stats;
  const v = s.vulnerabilities;
  return (
    <div class="view overview" data-testid="view-overview">
      <h1 class="view-title">Overview</h1>
      <ErrorNote error={o.error} onRetry={o.reload} />
      <div class="stats" data-testid="overview-stats">
        <Stat label="Active devices" value={count(s.devices.active)} hint={`${count(s.devices.total)} known`} href={href('hosts')} />
        <Stat label="Scanned devices" value={count(s.devices.scanned)} href={href('hosts')} />
        <Stat label="Devices at risk" value={count(s.devices.atRisk)} tone={s.devices.atRisk > 0 ? 'bad' : 'good'} href={href('hosts')} />
        <Stat label="New devices (24 h)" value={count(s.devices.new)} tone={s.devices.new > 0 ? 'warn' : undefined} href={href('hosts')} />
        <Stat label="Total flows" value={count(s.flowsTotal)} />
        <Stat
          label="Open findings (high+)"
          value={count(s.openActionable)}
          tone={s.openActionable > 0 ? 'bad' : 'good'}
          hint={`${count(Object.values(s.openFindings).reduce((a, b) => a + b, 0))} open in all`}
          href={href('findings')}
        />
        <Stat
          label="Vulnerabilities"
          value={v ? count(v.critical + v.high + v.medium + v.low) : 'off'}
          tone={v && v.critical + v.high > 0 ? 'bad' : undefined}
          hint={v ? `${v.critical} critical · ${v.high} high · ${v.kev} KEV` : 'NVD lookups are off'}
          href={href('vulnerabilities')}
        />
        <Stat label="Suspicious sources" value={count(s.suspiciousSources)} tone={s.suspiciousSources > 0 ? 'warn' : undefined} href={href('findings')} />
        <Stat label="High egress sources" value={count(s.highEgressSources)} tone={s.highEgressSources > 0 ? 'warn' : undefined} href={href('findings')} />
        <Stat label="External IPs" value={count(s.externalIps.known)} hint={`${count(s.externalIps.flagged)} flagged`} tone={s.externalIps.flagged > 0 ? 'warn' : undefined} href={href('external')} />
      </div>
      <div class="grid-2">
        <ScanCard scan={d.scan} onStarted={o.reload} />
        <CollectorCard c={d.collector} flowsTotal={s.flowsTotal} />
      </div>
      <div class="grid-2">
        <Card title="Recent alerts" actions={<a href={href('findings')}>All findings →</a>} testId="recent-alerts">
          {d.recentFindings.length === 0 ? (
            <Empty>No open findings. 🎉</Empty>
          ) : (
            <ul class="alert-list">
              {d.recentFindings.map((f) => (
                <li key={f.key}>
                  <SeverityBadge severity={f.severity} />
                  <span class="alert-title">{f.title}</span>
                  <span class="muted mono">{f.sourceIp}</span>
                  <span class="muted">{ago(f.lastSeenMs)}</span>
                </li>
              ))}
            </ul>
          )}
        </Card>
        <KeywordsCard chips={d.nvdKeywords} enabled={d.features.nvd} />
      </div>
      {(!d.features.scanner || !d.features.threatIntel || !d.features.nvd) && (
        <p class="muted small">
          Turned off in the configuration: {[!d.features.scanner && 'active scanner', !d.features.threatIntel && 'threat intel', !d.features.nvd && 'NVD vulnerability lookups'].filter(Boolean).join(', ')}.
        </p>
      )}
      <p class="muted small">Updated {dateTime(d.generatedMs)}</p>
    </div>
  );
}

function ScanCard(props: { scan: ScanSummary; onStarted: () => void }) {
  const s = props.scan;
  const trigger = async () => {
    try {
      await post<StartedResponse>('api/scan');
      props.onStarted();
      return 'Scan started.';
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 409) return 'A scan is already running.';
      if (err instanceof ApiFailure && err.status === 503) return 'The active scanner is off (enable_scanner).';
      throw err;
    }
  };
  return (
    <Card
      title="Active Scan"
      testId="scan-card"
      actions={
        <ActionButton run={trigger} disabled={!s.enabled || s.running} busyLabel="Starting…" class="btn btn-primary btn-small" testId="trigger-scan" title={s.enabled ? 'Scan the network now' : 'The active scanner is off (enable_scanner)'}>
          Trigger Scan
        </ActionButton>
      }
    >
      {!s.enabled && <p class="note">The active scanner is off (enable_scanner: false).</p>}
      {s.running && (
        <div class="progress-line" role="status">
          Scanning{s.progress ? ` — ${s.progress.phase}: ${count(s.progress.done)} / ${count(s.progress.total)}` : '…'}
          {s.progress && s.progress.total > 0 && <progress max={s.progress.total} value={s.progress.done} />}
        </div>
      )}
      <dl class="facts">
        <dt>Last scan</dt>
        <dd>{s.lastScanMs ? `${dateTime(s.lastScanMs)} (${ago(s.lastScanMs)})` : 'not yet'}</dd>
        <dt>Duration</dt>
        <dd>{duration(s.lastDurationMs)}</dd>
        <dt>Hosts found</dt>
        <dd>
          {count(s.hostsFound)} of {count(s.targets)} targets{s.skippedTargets > 0 ? ` (${count(s.skippedTargets)} skipped)` : ''}
        </dd>
        <dt>Open ports / services</dt>
        <dd>
          {count(s.openPorts)} / {count(s.services)}
        </dd>
        <dt>Scan interval</dt>
        <dd>{seconds(s.intervalSeconds)}</dd>
        {s.lastTrigger && (
          <>
            <dt>Last trigger</dt>
            <dd>{s.lastTrigger}</dd>
          </>
        )}
      </dl>
    </Card>
  );
}

function CollectorCard(props: { c: CollectorHealth; flowsTotal: number }) {
  const c = props.c;
  const stale = c.lastDatagramMs === undefined || Date.now() - c.lastDatagramMs > 10 * 60_000;
  const reasons = Object.entries(c.dropsByReason).filter(([, n]) => n > 0);
  return (
    <Card title="NetFlow listener" testId="collector-card">
      <p class={c.listening ? (stale ? 'health warn' : 'health ok') : 'health bad'}>
        <span class="health-dot" aria-hidden="true" />
        {c.listening
          ? `Listening on udp://${c.address ?? '?'}:${c.port ?? '?'}${stale ? (c.lastDatagramMs ? ` — nothing received for ${ago(c.lastDatagramMs).replace(' ago', '')}` : ' — nothing received yet') : ''}`
          : 'Not listening'}
      </p>
      <dl class="facts">
        <dt>Datagrams / records</dt>
        <dd>
          {count(c.datagrams)} / {count(c.records)}
        </dd>
        <dt>Flows stored</dt>
        <dd>{count(props.flowsTotal)}</dd>
        <dt>Last datagram</dt>
        <dd>{c.lastDatagramMs ? ago(c.lastDatagramMs) : 'never'}</dd>
        <dt>Templates</dt>
        <dd>{count(c.templates)}</dd>
        <dt>Dropped</dt>
        <dd>
          {count(c.dropped)}
          {c.decodeErrors > 0 ? ` (${count(c.decodeErrors)} decode errors)` : ''}
          {reasons.length > 0 ? ` — ${reasons.map(([r, n]) => `${r}: ${count(n)}`).join(', ')}` : ''}
        </dd>
        {c.kernelDrops !== undefined && (
          <>
            <dt>Kernel drops</dt>
            <dd>
              {count(c.kernelDrops)}
              {c.receiveBuffer ? ` (buffer ${bytes(c.receiveBuffer)})` : ''}
            </dd>
          </>
        )}
      </dl>
      {c.exporters.length > 0 && (
        <div class="table-wrap">
          <table class="table compact">
            <caption class="visually-hidden">Exporters</caption>
            <thead>
              <tr>
                <th scope="col">Exporter</th>
                <th scope="col">Versions</th>
                <th scope="col" class="num">Records</th>
                <th scope="col" class="num">Templates</th>
                <th scope="col" class="num">Seq. gaps</th>
                <th scope="col">Last seen</th>
              </tr>
            </thead>
            <tbody>
              {c.exporters.map((e) => (
                <tr key={e.ip}>
                  <td class="mono">{e.ip}</td>
                  <td>{e.versions.join(', ')}</td>
                  <td class="num">{count(e.records)}</td>
                  <td class="num">{count(e.templates)}</td>
                  <td class="num">{count(e.sequenceGaps)}</td>
                  <td>{ago(e.lastSeenMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {c.exporterCount > c.exporters.length && <p class="muted small">and {count(c.exporterCount - c.exporters.length)} more exporters</p>}
        </div>
      )}
    </Card>
  );
}

const SOURCE_LABEL: Record<string, string> = { custom: 'configured', product_map: 'product map', fingerprint: 'HTTP fingerprint', banner: 'banner' };

function KeywordsCard(props: { chips: KeywordChip[]; enabled: boolean }) {
  const sources = [...new Set(props.chips.map((c) => c.source))];
  return (
    <Card title="NVD keywords" actions={<a href={href('vulnerabilities')}>CVE browser →</a>} testId="nvd-keywords">
      {!props.enabled ? (
        <Empty>NVD lookups are off (enable_nvd: false).</Empty>
      ) : props.chips.length === 0 ? (
        <Empty>No keywords yet.</Empty>
      ) : (
        <>
          <ul class="chips">
            {props.chips.map((c) => (
              <li
                key={`${c.source}:${c.keyword}`}
                class={`chip src-${SOURCE_LABEL[c.source] ? c.source : 'custom'}${c.error ? ' chip-error' : ''}`}
                title={`${SOURCE_LABEL[c.source] ?? c.source}${c.fetchedMs ? ` · fetched ${dateTime(c.fetchedMs)}` : ''}${c.pending ? ` · ${c.pending} pending` : ''}${c.error ? ` · ${c.error}` : ''}`}
              >
                <span>{c.keyword}</span>
                <span class="chip-count">{c.pending > 0 && c.cves === 0 ? '…' : count(c.cves)}</span>
              </li>
            ))}
          </ul>
          <p class="legend small">
            {sources.map((s) => (
              <span key={s} class={`legend-item src-${SOURCE_LABEL[s] ? s : 'custom'}`}>
                <span class="legend-swatch" aria-hidden="true" />
                {SOURCE_LABEL[s] ?? s}
              </span>
            ))}
          </p>
        </>
      )}
    </Card>
  );
}
