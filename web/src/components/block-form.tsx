/**
 * The manual block form (POST api/block) and its modal, shared by the Blocking view and the
 * "Block…" actions of Findings and External IPs. Rules:
 * - A reason is required; the TTL in minutes is optional (empty: the policy's duration).
 * - A refusal by a safety guard (400 with `guard`) is shown as such, naming the protected
 *   class; other failures show the server's error text. Everything is rendered as text.
 * - `useBlockingEnabled()` tells the other views whether to offer "Block…" at all.
 */
import { useState } from 'preact/hooks';
import { ApiFailure, post } from '../api/client';
import type { BlockRefusedError, BlockRequest, BlockResultView, BlockStatusView } from '../api/types';
import { useApi } from '../api/use-api';
import { clipReason, guardText } from '../lib/block';
import { dateTime } from '../lib/format';
import { Modal } from './modal';

type Outcome = { kind: 'ok'; text: string } | { kind: 'refused'; guard: string; error: string } | { kind: 'error'; error: string };

/** Blocking status for views that only need to know whether to offer "Block…". */
export function useBlockingEnabled(): boolean {
  const r = useApi<BlockStatusView>('api/block', ['blocking']);
  return r.data?.enabled === true;
}

/** `onAnswered`: after every answer, refusals included (a refusal is logged but raises no live update). */
export function BlockForm(props: { value?: string; reason?: string; onAnswered?: () => void; testId?: string }) {
  const [value, setValue] = useState(props.value ?? '');
  const [reason, setReason] = useState(clipReason(props.reason ?? ''));
  const [ttl, setTtl] = useState('');
  const [busy, setBusy] = useState(false);
  const [out, setOut] = useState<Outcome | undefined>(undefined);

  const ttlNum = ttl.trim() === '' ? undefined : Number(ttl);
  const ttlBad = ttlNum !== undefined && (!Number.isInteger(ttlNum) || ttlNum < 1 || ttlNum > 525_600);
  const canSubmit = value.trim() !== '' && reason.trim() !== '' && !ttlBad && !busy;

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!canSubmit) return;
    setBusy(true);
    setOut(undefined);
    const body: BlockRequest = { value: value.trim(), reason: reason.trim(), ...(ttlNum !== undefined ? { ttl_minutes: ttlNum } : {}) };
    try {
      const r = await post<BlockResultView>('api/block', body);
      const what = r.already ? 'Already blocked; extended' : 'Blocked';
      setOut({ kind: 'ok', text: `${what}: ${r.block.value} until ${dateTime(r.block.expiresMs)}${r.dryRun ? ' (dry run: recorded only, nothing enforced)' : ''}.` });
    } catch (err) {
      const guard = err instanceof ApiFailure && err.status === 400 ? (err.body as BlockRefusedError | undefined)?.guard : undefined;
      if (guard) setOut({ kind: 'refused', guard, error: err instanceof Error ? err.message : String(err) });
      else setOut({ kind: 'error', error: err instanceof Error ? err.message : String(err) });
    } finally {
      setBusy(false);
      props.onAnswered?.();
    }
  };

  return (
    <form class="block-form" onSubmit={(e) => void submit(e)} data-testid={props.testId ?? 'block-form'} noValidate>
      <label class="field">
        IP address or domain
        <input type="text" name="value" value={value} maxLength={254} required autoComplete="off" spellcheck={false} onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)} data-autofocus={props.value ? undefined : true} />
      </label>
      <label class="field">
        Reason (kept in the audit log)
        <input type="text" name="reason" value={reason} maxLength={500} required onInput={(e) => setReason((e.currentTarget as HTMLInputElement).value)} data-autofocus={props.value ? true : undefined} />
      </label>
      <label class="field">
        Duration in minutes <span class="muted small">(optional; empty: the policy's duration)</span>
        <input type="number" name="ttl_minutes" value={ttl} min={1} max={525_600} step={1} inputMode="numeric" onInput={(e) => setTtl((e.currentTarget as HTMLInputElement).value)} aria-invalid={ttlBad} />
      </label>
      {ttlBad && <p class="action-msg bad">Enter whole minutes from 1 to 525,600.</p>}
      <p>
        <button type="submit" class="btn btn-primary" disabled={!canSubmit} data-testid="block-submit">
          {busy ? 'Blocking…' : 'Block'}
        </button>
      </p>
      {out?.kind === 'ok' && (
        <p class="note" role="status" data-testid="block-result">
          {out.text}
        </p>
      )}
      {out?.kind === 'refused' && (
        <div class="note note-error" role="alert" data-testid="block-refused" data-guard={out.guard}>
          <strong>Refused by a safety guard</strong>
          <span class="block">
            {value.trim()} is {guardText(out.guard)} ({out.guard}).
          </span>
          <span class="block small">{out.error}</span>
        </div>
      )}
      {out?.kind === 'error' && (
        <p class="note note-error" role="alert" data-testid="block-error">
          {out.error}
        </p>
      )}
    </form>
  );
}

/** The form in a modal (the "Block…" action of other views). */
export function BlockModal(props: { value: string; reason: string; onClose: () => void }) {
  return (
    <Modal title="Block" onClose={props.onClose} testId="block-modal">
      <BlockForm value={props.value} reason={props.reason} />
      <p class="small muted">
        See and undo blocks in the <a href="#/blocking">Blocking</a> view.
      </p>
    </Modal>
  );
}
