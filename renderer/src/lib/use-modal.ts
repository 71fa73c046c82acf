import { useEffect, useRef } from 'react';

/** A <dialog> shown modally while `open` (focus trapped, Escape closes it), closed otherwise. */
export function useModal(open: boolean, onOpen?: () => void) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) {
      onOpen?.();
      element.showModal();
    }
    if (!open && element.open) element.close();
  }, [open, onOpen]);
  return dialog;
}
