/**
 * Hosts: the device inventory as a searchable, sortable table with the role dropdown (saved
 * at once through the API, persisted in homesec_roles.yaml), risk and CVE counts, and a
 * detail panel per host (host-detail.tsx). Rules: refetched on the `devices`, `scan` and
 * `vulnerabilities` topics; a route argument (#/hosts/<ip>) opens that host; every name,
 * vendor and service string is text.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { post, seg } from '../api/client';
import type { Device, HostScan, HostsResponse, Role, ScanHostsResponse } from '../api/types';
import { useApi } from '../api/use-api';
import { Empty, ErrorNote, Loading, SearchBox, Segmented, SeverityBadge, SortTh, type SortDir } from '../components/ui';
import { ago, compareIp, count } from '../lib/format';
import { HostDetail } from './host-detail';

export const ROLES: Role[] = ['gateway', 'camera', 'iot', 'desktop', 'server', 'mobile', 'printer', 'nas', 'tv', 'unknown'];
type SortKey = 'name' | 'ip' | 'role' | 'vendor' | 'ports' | 'risk' | 'lastSeen';
type Filter = 'all' | 'active' | 'risk' | 'new' | 'scanned';
const RISK = ['info', 'low', 'medium', 'high', 'critical'];

export function deviceLabel(d: Device): string {
  return d.name ?? d.hostname ?? d.ip ?? d.mac ?? `device ${d.id}`;
}

function riskRank(d: Device): number {
  return d.atRisk ? 10 + RISK.indexOf(d.riskLevel ?? 'high') : d.riskLevel ? RISK.indexOf(d.riskLevel) : -1;
}

export function HostsView(props: { selected?: string | undefined }) {
  const hosts = useApi<HostsResponse>('api/hosts', ['devices', 'scan', 'vulnerabilities']);
  const scans = useApi<ScanHostsResponse>('api/scan/hosts', ['scan']);
  const [q, setQ] = useState('');
  const [filter, setFilter] = useState<Filter>('all');
  const [sort, setSort] = useState<SortKey>('ip');
  const [dir, setDir] = useState<SortDir>('asc');
  const [open, setOpen] = useState<Set<number>>(new Set());

  const devices = hosts.data?.devices ?? [];
  const scanByIp = useMemo(() => new Map<string, HostScan>((scans.data?.hosts ?? []).map((h) => [h.ip, h])), [scans.data]);

  useEffect(() => {
    if (!props.selected || devices.length === 0) return;
    const d = devices.find((x) => x.ip === props.selected || x.ips.some((i) => i.ip === props.selected) || String(x.id) === props.selected || x.mac === props.selected);
    if (!d) return;
    setOpen((s) => new Set(s).add(d.id));
    window.requestAnimationFrame(() => document.getElementById(`host-${d.id}`)?.scrollIntoView({ block: 'center' }));
  }, [props.selected, devices.length]);

  const rows = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const dayAgo = Date.now() - 24 * 3600_000;
    const list = devices.filter((d) => {
      if (filter === 'active' && d.lastSeenMs < dayAgo) return false;
      if (filter === 'risk' && !d.atRisk) return false;
      if (filter === 'new' && (d.baseline || d.firstSeenMs < dayAgo)) return false;
      if (filter === 'scanned' && !(d.ip && scanByIp.has(d.ip))) return false;
      if (!needle) return true;
      const hay = [d.name, d.hostname, d.ip, ...d.ips.map((i) => i.ip), d.mac, ...d.macs, d.vendor, d.role, d.os, ...d.services.map((s) => `${s.port} ${s.name} ${s.product ?? ''} ${s.version ?? ''}`)]
        .filter(Boolean)
        .join(' ')
        .toLowerCase();
      return hay.includes(needle);
    });
    const cmp: Record<SortKey, (a: Device, b: Device) => number> = {
      name: (a, b) => deviceLabel(a).localeCompare(deviceLabel(b)),
      ip: (a, b) => compareIp(a.ip, b.ip),
      role: (a, b) => a.role.localeCompare(b.role),
      vendor: (a, b) => (a.vendor ?? '~').localeCompare(b.vendor ?? '~'),
      ports: (a, b) => a.openPorts.length - b.openPorts.length,
      risk: (a, b) => riskRank(a) - riskRank(b) || a.vulnerabilities.critical - b.vulnerabilities.critical || a.vulnerabilities.high - b.vulnerabilities.high,
      lastSeen: (a, b) => a.lastSeenMs - b.lastSeenMs,
    };
    const sign = dir === 'asc' ? 1 : -1;
    return list.sort((a, b) => sign * cmp[sort](a, b) || compareIp(a.ip, b.ip));
  }, [devices, q, filter, sort, dir, scanByIp]);

  const onSort = (k: SortKey, d: SortDir) => {
    setSort(k);
    setDir(d);
  };
  const toggle = (id: number) =>
    setOpen((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });

  if (!hosts.data) return hosts.error ? <ErrorNote error={hosts.error} onRetry={hosts.reload} /> : <Loading what="hosts" />;
  return (
    <div class="view" data-testid="view-hosts">
      <h1 class="view-title">
        Hosts <span class="muted title-count">{count(devices.length)} devices</span>
      </h1>
      <ErrorNote error={hosts.error} onRetry={hosts.reload} />
      <div class="toolbar">
        <SearchBox value={q} onInput={setQ} label="Search hosts (name, IP, MAC, vendor, service)" placeholder="Search name, IP, MAC, vendor, service…" />
        <Segmented
          label="Show"
          value={filter}
          onChange={setFilter}
          options={[
            { k: 'all', label: 'All' },
            { k: 'active', label: 'Active 24 h' },
            { k: 'scanned', label: 'Scanned' },
            { k: 'risk', label: 'At risk' },
            { k: 'new', label: 'New' },
          ]}
        />
      </div>
      {rows.length === 0 ? (
        <Empty>{devices.length === 0 ? 'No devices yet: they appear once flows arrive or a scan finds them.' : 'No hosts match.'}</Empty>
      ) : (
        <div class="table-wrap">
          <table class="table hosts-table" data-testid="hosts-table">
            <caption class="visually-hidden">Devices, sortable</caption>
            <thead>
              <tr>
                <SortTh k="name" label="Device" sort={sort} dir={dir} onSort={onSort} defaultDir="asc" />
                <SortTh k="ip" label="IP" sort={sort} dir={dir} onSort={onSort} defaultDir="asc" class="hide-xs" />
                <SortTh k="vendor" label="Vendor / MAC" sort={sort} dir={dir} onSort={onSort} defaultDir="asc" class="hide-sm" />
                <SortTh k="role" label="Role" sort={sort} dir={dir} onSort={onSort} defaultDir="asc" />
                <SortTh k="ports" label="Open ports" sort={sort} dir={dir} onSort={onSort} class="hide-sm" />
                <SortTh k="risk" label="Risk / CVEs" sort={sort} dir={dir} onSort={onSort} />
                <SortTh k="lastSeen" label="Last seen" sort={sort} dir={dir} onSort={onSort} class="hide-sm" />
                <th scope="col">
                  <span class="visually-hidden">Details</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <HostRow key={d.id} d={d} scan={d.ip ? scanByIp.get(d.ip) : undefined} open={open.has(d.id)} onToggle={() => toggle(d.id)} onChanged={hosts.reload} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function HostRow(props: { d: Device; scan: HostScan | undefined; open: boolean; onToggle: () => void; onChanged: () => void }) {
  const d = props.d;
  const label = deviceLabel(d);
  const v = d.vulnerabilities;
  const detailId = `host-detail-${d.id}`;
  return (
    <>
      <tr id={`host-${d.id}`} class={d.atRisk ? 'row-risk' : undefined} data-testid="host-row" data-ip={d.ip}>
        <td>
          <span class="host-name">{label}</span>
          {d.ip && <span class="mono small block show-xs">{d.ip}</span>}
          {d.hostname && d.name && d.hostname !== d.name && <span class="muted small block">{d.hostname}</span>}
          <span class="small block">
            {d.trusted && <span class="badge badge-plain">trusted</span>}
            {!d.baseline && Date.now() - d.firstSeenMs < 24 * 3600_000 && <span class="badge sev-medium">new</span>}
            {d.os && <span class="muted"> {d.os}</span>}
          </span>
        </td>
        <td class="mono hide-xs">{d.ip ?? '–'}</td>
        <td class="hide-sm">
          {d.vendor ?? <span class="muted">unknown vendor</span>}
          {d.mac && <span class="muted small block mono">{d.mac}</span>}
        </td>
        <td>
          <RoleSelect d={d} onChanged={props.onChanged} />
        </td>
        <td class="hide-sm mono small">{d.openPorts.length > 0 ? d.openPorts.slice(0, 8).join(', ') + (d.openPorts.length > 8 ? ` +${d.openPorts.length - 8}` : '') : '–'}</td>
        <td>
          {d.atRisk ? <SeverityBadge severity={d.riskLevel ?? 'high'} label="at risk" /> : d.riskLevel ? <SeverityBadge severity={d.riskLevel} /> : <span class="muted">–</span>}
          {v.total > 0 && (
            <span class="small block">
              {v.total} CVE{v.total === 1 ? '' : 's'}
              {v.critical > 0 ? ` · ${v.critical} crit` : ''}
              {v.high > 0 ? ` · ${v.high} high` : ''}
              {v.kev > 0 ? ` · ${v.kev} KEV` : ''}
            </span>
          )}
        </td>
        <td class="hide-sm">{ago(d.lastSeenMs)}</td>
        <td>
          <button type="button" class="btn btn-small" aria-expanded={props.open} aria-controls={detailId} onClick={props.onToggle} aria-label={`Details of ${label}`}>
            {props.open ? 'Hide' : 'Details'}
          </button>
        </td>
      </tr>
      {props.open && (
        <tr class="detail-row" id={detailId}>
          <td colSpan={8}>
            <HostDetail d={d} scan={props.scan} onChanged={props.onChanged} />
          </td>
        </tr>
      )}
    </>
  );
}

function RoleSelect(props: { d: Device; onChanged: () => void }) {
  const d = props.d;
  const [state, setState] = useState<{ busy: boolean; msg?: string; bad?: boolean }>({ busy: false });
  const value = d.roleSource === 'override' ? d.role : '';
  const change = async (v: string) => {
    setState({ busy: true });
    try {
      await post<Device>(`api/hosts/${seg(d.id)}/role`, { role: v === '' ? null : (v as Role) });
      setState({ busy: false, msg: 'Saved' });
      props.onChanged();
    } catch (err) {
      setState({ busy: false, msg: err instanceof Error ? err.message : String(err), bad: true });
    }
  };
  return (
    <span class="role-cell">
      <label>
        <span class="visually-hidden">Role of {deviceLabel(d)}</span>
        <select value={value} disabled={state.busy} data-testid="role-select" onChange={(e) => void change((e.currentTarget as HTMLSelectElement).value)}>
          <option value="">auto: {d.inferredRole}</option>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </label>
      <span class={state.bad ? 'action-msg bad' : 'action-msg'} role="status">
        {state.msg ?? ''}
      </span>
    </span>
  );
}
