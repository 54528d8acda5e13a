/**
 * Network Map: devices and top external peers as a live force-directed graph (map/), with
 * the filters All / Scanned / Flow only / External, a legend, the selected node's details,
 * the top external peers, and a text list of the drawn nodes (keyboard and screen-reader
 * access to everything the canvas shows). Rules: refetched on traffic, device, scan, intel
 * and vulnerability updates without resetting the layout; labels are text.
 */
import { useMemo, useState } from 'preact/hooks';
import type { GraphNode, GraphResponse } from '../api/types';
import { useApi } from '../api/use-api';
import { Card, Empty, ErrorNote, Loading, Segmented, ThreatBadge } from '../components/ui';
import { bytes, compareIp, count, dateTime } from '../lib/format';
import { href } from '../lib/route';
import type { MapFilter } from '../map/graph-model';
import { MapCanvas } from '../map/map-canvas';

const FILTERS: { k: MapFilter; label: string }[] = [
  { k: 'all', label: 'All' },
  { k: 'scanned', label: 'Scanned' },
  { k: 'flow', label: 'Flow only' },
  { k: 'external', label: 'External' },
];

function shown(g: GraphResponse, f: MapFilter): GraphNode[] {
  switch (f) {
    case 'all':
      return g.nodes;
    case 'scanned':
      return g.nodes.filter((n) => n.kind === 'device' && n.scanned);
    case 'flow':
      return g.nodes.filter((n) => n.kind === 'device' && n.flowOnly);
    case 'external': {
      const ext = new Set(g.nodes.filter((n) => n.kind === 'external').map((n) => n.id));
      const talk = new Set<string>();
      for (const e of g.edges) if (ext.has(e.source) || ext.has(e.target)) talk.add(e.source).add(e.target);
      return g.nodes.filter((n) => ext.has(n.id) || talk.has(n.id));
    }
  }
}

export function NetworkMapView() {
  const [filter, setFilter] = useState<MapFilter>('all');
  const [maxExternal, setMaxExternal] = useState(50);
  const [sel, setSel] = useState<GraphNode | undefined>(undefined);
  const [focusSeq, setFocusSeq] = useState(0);
  const [listOpen, setListOpen] = useState(false);
  const r = useApi<GraphResponse>(`api/graph?max_external=${maxExternal}`, ['flows', 'devices', 'scan', 'intel', 'vulnerabilities'], { trailingMs: 12_000 });
  const g = r.data;
  const list = useMemo(() => (g ? shown(g, filter).sort((a, b) => Number(b.gateway) - Number(a.gateway) || a.kind.localeCompare(b.kind) || compareIp(a.ip, b.ip)) : []), [g, filter]);
  const select = (n: GraphNode) => {
    setSel(n);
    setFocusSeq((x) => x + 1);
  };

  return (
    <div class="view map-view" data-testid="view-map">
      <h1 class="view-title">
        Network Map {g && <span class="muted title-count">{`${count(g.nodes.filter((n) => n.kind === 'device').length)} devices · ${count(g.nodes.filter((n) => n.kind === 'external').length)} external peers · last ${g.windowMinutes} min`}</span>}
      </h1>
      <ErrorNote error={r.error} onRetry={r.reload} />
      <div class="toolbar">
        <Segmented label="Filter nodes" options={FILTERS} value={filter} onChange={setFilter} testId="map-filter" />
        <label class="select">
          <span>External peers</span>{' '}
          <select value={String(maxExternal)} onChange={(e) => setMaxExternal(Number((e.currentTarget as HTMLSelectElement).value))}>
            {[0, 25, 50, 100, 200, 500].map((n) => (
              <option key={n} value={String(n)}>
                {n === 0 ? 'none' : `top ${n}`}
              </option>
            ))}
          </select>
        </label>
      </div>
      {!g && !r.error && <Loading what="the map" />}
      <div class="map-layout">
        <div class="map-main card">
          <MapCanvas graph={g} filter={filter} selectedId={sel?.id} onSelect={setSel} focusSeq={focusSeq} />
          <Legend />
          {g && g.nodes.length === 0 && <Empty>Nothing to draw yet: devices appear when flows arrive or a scan finds them.</Empty>}
          {g && (g.omitted.devices > 0 || g.omitted.external > 0 || g.omitted.edges > 0) && (
            <p class="muted small">
              Not drawn (caps): {count(g.omitted.devices)} devices, {count(g.omitted.external)} external peers, {count(g.omitted.edges)} connections.
            </p>
          )}
        </div>
        <aside class="map-side">
          <Card title="Selected" testId="map-selected">
            {sel ? <NodeFacts n={sel} g={g} /> : <p class="muted small">Click a node (or pick one in the lists) to see it here.</p>}
          </Card>
          <Card title="Top external peers" testId="top-external">
            {!g || g.topExternal.length === 0 ? (
              <Empty>No external traffic in the window.</Empty>
            ) : (
              <ol class="peer-list">
                {g.topExternal.slice(0, 15).map((p) => {
                  const node = g.nodes.find((n) => n.id === p.ip);
                  return (
                    <li key={p.ip}>
                      <button type="button" class="btn-link peer" onClick={() => node && select(node)}>
                        <span class="peer-label">{p.label}</span>
                        <span class="muted small mono">{p.ip}</span>
                      </button>
                      <span class="peer-meta small">
                        <ThreatBadge level={p.threat.level} score={p.threat.score} /> {bytes(p.bytes)} · {p.devices} dev.
                        {p.country ? ` · ${p.country}` : ''}
                      </span>
                    </li>
                  );
                })}
              </ol>
            )}
          </Card>
        </aside>
      </div>
      {g && (
        <details class="node-list" onToggle={(e) => setListOpen((e.currentTarget as HTMLDetailsElement).open)}>
          <summary>Nodes drawn, as a list ({count(list.length)})</summary>
          {listOpen && (
            <div class="table-wrap">
              <table class="table compact" data-testid="map-node-list">
                <thead>
                  <tr>
                    <th scope="col">Node</th>
                    <th scope="col">Address</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Flags</th>
                    <th scope="col" class="num">Traffic</th>
                  </tr>
                </thead>
                <tbody>
                  {list.slice(0, 2000).map((n) => (
                    <tr key={n.id}>
                      <td>
                        <button type="button" class="btn-link" onClick={() => select(n)}>
                          {n.label}
                        </button>
                      </td>
                      <td class="mono">{n.ip}</td>
                      <td>{n.kind === 'external' ? 'external' : (n.role ?? 'device')}</td>
                      <td class="small">{flags(n).join(', ')}</td>
                      <td class="num">{bytes(n.bytes)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </details>
      )}
      {g && <p class="muted small">Updated {dateTime(g.generatedMs)}</p>}
    </div>
  );
}

function flags(n: GraphNode): string[] {
  return [n.gateway && 'gateway', n.atRisk && 'at risk', n.kind === 'device' && (n.scanned ? 'scanned' : 'flow only'), n.threat && n.threat.level !== 'unknown' && `threat ${n.threat.level}`].filter((x): x is string => typeof x === 'string');
}

function NodeFacts(props: { n: GraphNode; g: GraphResponse | undefined }) {
  const n = props.n;
  const peers = props.g ? props.g.edges.filter((e) => e.source === n.id || e.target === n.id).length : 0;
  return (
    <div data-testid="map-selected-facts">
      <p class="node-title">{n.label}</p>
      <dl class="facts small">
        <dt>Address</dt>
        <dd class="mono">{n.ip}</dd>
        <dt>Kind</dt>
        <dd>{n.kind === 'external' ? 'external peer' : `device${n.role ? ` (${n.role})` : ''}`}</dd>
        {n.vendor && (
          <>
            <dt>Vendor</dt>
            <dd>{n.vendor}</dd>
          </>
        )}
        {n.threat && (
          <>
            <dt>Threat</dt>
            <dd>
              <ThreatBadge level={n.threat.level} score={n.threat.score} />
            </dd>
          </>
        )}
        {(n.country || n.org) && (
          <>
            <dt>Where</dt>
            <dd>{[n.country, n.org].filter(Boolean).join(' · ')}</dd>
          </>
        )}
        <dt>Flags</dt>
        <dd>{flags(n).join(', ') || '–'}</dd>
        <dt>Traffic</dt>
        <dd>
          {bytes(n.bytes)} in {count(n.flows)} flows · {peers} connection{peers === 1 ? '' : 's'}
        </dd>
      </dl>
      <p class="small">{n.kind === 'external' ? <a href={href('external', n.ip)}>Open in External IPs →</a> : <a href={href('hosts', n.ip)}>Open in Hosts →</a>}</p>
    </div>
  );
}

function Legend() {
  return (
    <ul class="legend map-legend small" aria-label="Legend">
      <li>
        <span class="lg lg-gateway" aria-hidden="true" /> gateway
      </li>
      <li>
        <span class="lg lg-device" aria-hidden="true" /> scanned device
      </li>
      <li>
        <span class="lg lg-flow" aria-hidden="true" /> seen in flows only
      </li>
      <li>
        <span class="lg lg-risk" aria-hidden="true" /> at risk
      </li>
      <li>
        <span class="lg lg-ext" aria-hidden="true" /> external
      </li>
      <li>
        <span class="lg lg-ext-bad" aria-hidden="true" /> external, rated medium/high
      </li>
    </ul>
  );
}
