/**
 * A button that runs an API action: disabled while it runs, then shows the outcome as text
 * in a polite live region next to it. Rule: failures show the server's error text, never
 * markup.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

export function ActionButton(props: {
  run: () => Promise<string | void>;
  children: ComponentChildren;
  disabled?: boolean;
  class?: string;
  busyLabel?: string;
  title?: string;
  testId?: string;
  label?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState<{ text: string; bad: boolean } | undefined>(undefined);
  const click = async () => {
    setBusy(true);
    setMsg(undefined);
    try {
      const text = await props.run();
      if (text) setMsg({ text, bad: false });
    } catch (err) {
      setMsg({ text: err instanceof Error ? err.message : String(err), bad: true });
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="action">
      <button
        type="button"
        class={props.class ?? 'btn'}
        disabled={busy || props.disabled}
        onClick={() => void click()}
        title={props.title}
        aria-label={props.label}
        data-testid={props.testId}
      >
        {busy ? (props.busyLabel ?? 'Working…') : props.children}
      </button>
      <span class={msg?.bad ? 'action-msg bad' : 'action-msg'} role="status">
        {msg?.text ?? ''}
      </span>
    </span>
  );
}
