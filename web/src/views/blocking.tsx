/**
 * Blocking (automated response): the status (enabled, dry run, pause with its reason and a
 * Resume button, caps, each target's health), the active blocks with an Unblock button per
 * row, the manual block form, the "Release all" kill switch behind a confirm dialog, and
 * the audit log paged with `before`. Rules: everything refetches on the `blocking` topic and
 * after every action; values, reasons and target errors are text; nothing here holds a
 * secret (the API never answers one).
 */
import { useState } from 'preact/hooks';
import { post } from '../api/client';
import type { BlockActiveResponse, BlockAuditResponse, BlockResumeResponse, BlockStatusView, BlockView, ReleaseAllResultView, TargetHealthView, UnblockRequest, UnblockResultView } from '../api/types';
import { useApi } from '../api/use-api';
import { ActionButton } from '../components/action-button';
import { BlockForm } from '../components/block-form';
import { Modal } from '../components/modal';
import { Card, Empty, ErrorNote, Loading } from '../components/ui';
import { ago, count, dateTime, plural } from '../lib/format';

const AUDIT_PAGE = 50;

export function BlockingView() {
  const status = useApi<BlockStatusView>('api/block', ['blocking']);
  const active = useApi<BlockActiveResponse>('api/block/active', ['blocking']);
  const [pages, setPages] = useState<number[]>([]);
  const before = pages[pages.length - 1];
  const audit = useApi<BlockAuditResponse>(`api/block/audit?limit=${AUDIT_PAGE}${before !== undefined ? `&before=${before}` : ''}`, before === undefined ? ['blocking'] : []);
  const [confirm, setConfirm] = useState(false);

  const reloadAll = () => {
    status.reload();
    active.reload();
    audit.reload();
  };
  const s = status.data;
  if (!s) return status.error ? <ErrorNote error={status.error} onRetry={status.reload} /> : <Loading what="blocking" />;
  const blocks = active.data?.blocks ?? [];
  return (
    <div class="view" data-testid="view-blocking">
      <h1 class="view-title">
        Blocking <span class="muted title-count">{plural(s.active, 'active block')}</span>
      </h1>
      {!s.enabled && (
        <p class="note" data-testid="blocking-off">
          Blocking is off (block_enable: false): nothing is blocked automatically or by hand. Existing blocks can still be released. See docs/blocking.md to switch it on (it starts in dry run).
        </p>
      )}
      <ErrorNote error={status.error ?? active.error} onRetry={reloadAll} />
      <div class="grid-2">
        <StatusCard s={s} onChanged={reloadAll} />
        <Card title="Block by hand" testId="manual-block">
          {s.enabled ? <BlockForm onAnswered={reloadAll} /> : <p class="muted">Available once block_enable is true.</p>}
        </Card>
      </div>
      <Card
        title={`Active blocks (${count(blocks.length)})`}
        testId="active-blocks"
        actions={
          <button type="button" class="btn btn-small btn-danger" onClick={() => setConfirm(true)} data-testid="release-all">
            Release all…
          </button>
        }
      >
        {blocks.length === 0 ? <Empty>Nothing is blocked.</Empty> : <ActiveTable blocks={blocks} onChanged={reloadAll} />}
      </Card>
      <Card title="Audit log" testId="block-audit">
        <ErrorNote error={audit.error} onRetry={audit.reload} />
        {!audit.data ? (
          <Loading what="audit log" />
        ) : audit.data.entries.length === 0 ? (
          <Empty>No entries{before !== undefined ? ' on this page' : ' yet'}.</Empty>
        ) : (
          <AuditTable entries={audit.data.entries} />
        )}
        <nav class="pager" aria-label="Audit log pages">
          <button type="button" class="btn btn-small" disabled={pages.length === 0} onClick={() => setPages(pages.slice(0, -1))} data-testid="audit-newer">
            ‹ Newer
          </button>
          <span class="muted">{pages.length === 0 ? 'Newest entries' : `Page ${pages.length + 1}`}</span>
          <button type="button" class="btn btn-small" disabled={audit.data?.nextBefore === undefined} onClick={() => audit.data?.nextBefore !== undefined && setPages([...pages, audit.data.nextBefore])} data-testid="audit-older">
            Older ›
          </button>
        </nav>
      </Card>
      {confirm && <ReleaseAllModal count={blocks.length} onClose={() => setConfirm(false)} onDone={reloadAll} />}
    </div>
  );
}

function StatusCard(props: { s: BlockStatusView; onChanged: () => void }) {
  const s = props.s;
  const resume = async () => {
    const r = await post<BlockResumeResponse>('api/block/resume');
    props.onChanged();
    return r.resumed ? 'Automation resumed.' : 'It was not paused.';
  };
  return (
    <Card title="Status" testId="block-status">
      <p class={!s.enabled ? 'health warn' : s.paused ? 'health bad' : 'health ok'} data-testid="block-state">
        <span class="health-dot" aria-hidden="true" />
        {!s.enabled ? 'Off' : s.paused ? 'Automation paused' : s.dryRun ? 'On — dry run (records decisions, enforces nothing)' : 'On — enforcing'}
      </p>
      {s.paused && (
        <div class="note" data-testid="block-paused">
          <span>
            Paused {ago(s.paused.sinceMs)}: {s.paused.reason}. Existing blocks stay until they expire; manual blocks still work.
          </span>
          <ActionButton run={resume} class="btn btn-small btn-primary" busyLabel="Resuming…" testId="block-resume">
            Resume
          </ActionButton>
        </div>
      )}
      <dl class="facts">
        <dt>Enabled / dry run</dt>
        <dd>
          {s.enabled ? 'yes' : 'no'} / {s.dryRun ? 'yes' : 'no'}
        </dd>
        <dt>Active blocks</dt>
        <dd>
          {count(s.active)} of at most {count(s.caps.maxActive)}
        </dd>
        <dt>Automatic in the last hour</dt>
        <dd>
          {count(s.lastHourAutomatic)} of at most {count(s.caps.maxPerHour)}
        </dd>
        <dt>Duration</dt>
        <dd>
          {count(s.ttl.baseMinutes)} min, ×{s.ttl.escalationFactor} per repeat, at most {count(s.ttl.maxHours)} h
        </dd>
        <dt>Triggers</dt>
        <dd class="wrap">{s.triggers.categories.length === 0 ? 'manual blocks only' : `${s.triggers.categories.join(', ')} (${s.triggers.minSeverity} or worse)`}</dd>
        <dt>Last reconcile</dt>
        <dd>{s.lastReconcileMs ? ago(s.lastReconcileMs) : 'never'}</dd>
        {s.skippedWhilePaused > 0 && (
          <>
            <dt>Skipped while paused</dt>
            <dd>{count(s.skippedWhilePaused)}</dd>
          </>
        )}
      </dl>
      <h3>Targets</h3>
      {s.targets.length === 0 ? (
        <p class="muted small">No target configured: blocks are only recorded.</p>
      ) : (
        <ul class="plain target-list" data-testid="block-targets">
          {s.targets.map((t) => (
            <TargetItem key={t.name} t={t} />
          ))}
        </ul>
      )}
    </Card>
  );
}

function TargetItem(props: { t: TargetHealthView }) {
  const t = props.t;
  const tone = t.state === 'ok' ? 'ok' : t.state === 'error' ? 'bad' : 'warn';
  const label = t.state === 'dry_run' ? 'dry run: not contacted' : t.state === 'never' ? 'not contacted yet' : t.state;
  return (
    <li data-target={t.name}>
      <span class={`health ${tone}`}>
        <span class="health-dot" aria-hidden="true" />
        {t.name}: {label} <span class="muted small">({t.kinds.join(' + ')}, {t.mode})</span>
      </span>
      <span class="muted small block">
        {t.entries !== undefined ? `${count(t.entries)} entries · ` : ''}
        {count(t.added)} added · {count(t.removed)} removed{t.failed > 0 ? ` · ${count(t.failed)} refused` : ''}
        {t.lastOkMs ? ` · last ok ${ago(t.lastOkMs)}` : ''}
        {t.mode === 'pull' ? ` · fetched ${count(t.fetches ?? 0)}×${t.lastFetchMs ? `, last ${ago(t.lastFetchMs)}` : ''}` : ''}
      </span>
      {t.lastError && <span class="bad small block wrap">{t.lastError}</span>}
    </li>
  );
}

function ActiveTable(props: { blocks: BlockView[]; onChanged: () => void }) {
  return (
    <div class="table-wrap">
      <table class="table compact" data-testid="active-table">
        <caption class="visually-hidden">Active blocks</caption>
        <thead>
          <tr>
            <th scope="col">Value</th>
            <th scope="col">Kind</th>
            <th scope="col">Reason</th>
            <th scope="col">Source</th>
            <th scope="col" class="hide-sm">Created</th>
            <th scope="col">Expires</th>
            <th scope="col" class="num hide-sm">Offence</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.blocks.map((b) => (
            <ActiveRow key={b.value} b={b} onChanged={props.onChanged} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ActiveRow(props: { b: BlockView; onChanged: () => void }) {
  const b = props.b;
  const unblock = async () => {
    const body: UnblockRequest = { value: b.value, reason: 'unblocked from the dashboard' };
    await post<UnblockResultView>('api/block/unblock', body);
    props.onChanged();
  };
  return (
    <tr data-testid="block-row" data-value={b.value}>
      <td>
        <span class="mono wrap">{b.value}</span>{' '}
        {b.dryRun && <span class="badge badge-plain" title="Recorded in dry run: never pushed to a target">dry run</span>}
      </td>
      <td>{b.kind}</td>
      <td class="wrap">{b.reason}</td>
      <td>{b.source === 'auto' ? 'automatic' : 'manual'}</td>
      <td class="hide-sm">{dateTime(b.createdMs)}</td>
      <td>{dateTime(b.expiresMs)}</td>
      <td class="num hide-sm">{b.offence}</td>
      <td>
        <ActionButton run={unblock} class="btn btn-small" busyLabel="Unblocking…" label={`Unblock ${b.value}`} testId="unblock">
          Unblock
        </ActionButton>
      </td>
    </tr>
  );
}

function AuditTable(props: { entries: BlockAuditResponse['entries'] }) {
  return (
    <div class="table-wrap">
      <table class="table compact" data-testid="audit-table">
        <caption class="visually-hidden">Audit log</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Action</th>
            <th scope="col">Value</th>
            <th scope="col">Result</th>
            <th scope="col">By</th>
            <th scope="col">Reason / detail</th>
          </tr>
        </thead>
        <tbody>
          {props.entries.map((e) => (
            <tr key={e.id} data-testid="audit-row" data-action={e.action} data-result={e.result} data-value={e.value ?? ''}>
              <td>{dateTime(e.tsMs)}</td>
              <td>{e.action.replace(/_/g, ' ')}</td>
              <td class="mono wrap">{e.value ?? '–'}</td>
              <td>
                <span class={e.result === 'refused' || e.result === 'error' ? 'bad' : undefined}>{e.result.replace(/_/g, ' ')}</span>
                {e.guard && <span class="muted small block">{e.guard}</span>}
              </td>
              <td>{e.actor === 'api' ? 'API (by hand)' : e.actor === 'auto' ? 'automatic' : e.actor}</td>
              <td class="wrap">
                {e.reason}
                {e.detail && <span class="muted small block">{e.detail}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ReleaseAllModal(props: { count: number; onClose: () => void; onDone: () => void }) {
  const [reason, setReason] = useState('');
  const [done, setDone] = useState<ReleaseAllResultView | undefined>(undefined);
  const run = async () => {
    const r = await post<ReleaseAllResultView>('api/block/release-all', { reason: reason.trim() || 'release all from the dashboard' });
    setDone(r);
    props.onDone();
  };
  return (
    <Modal title="Release every block?" onClose={props.onClose} testId="release-all-modal">
      {done ? (
        <>
          <p role="status" data-testid="release-all-done">
            Released {plural(done.released, 'block')}. Automation is paused until you resume it.
          </p>
          <p>
            <button type="button" class="btn" onClick={props.onClose} data-autofocus>
              Close
            </button>
          </p>
        </>
      ) : (
        <>
          <p>
            This drops all {plural(props.count, 'active block')}, removes every homesec entry from every target, and pauses automatic blocking until you press Resume.
          </p>
          <label class="field">
            Reason (optional)
            <input type="text" value={reason} maxLength={500} onInput={(e) => setReason((e.currentTarget as HTMLInputElement).value)} />
          </label>
          <p class="modal-buttons">
            <button type="button" class="btn" onClick={props.onClose} data-autofocus>
              Cancel
            </button>
            <ActionButton run={run} class="btn btn-danger" busyLabel="Releasing…" testId="release-all-confirm">
              Release all
            </ActionButton>
          </p>
        </>
      )}
    </Modal>
  );
}
