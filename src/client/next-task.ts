/**
 * Runs `step` in a task of its own, as soon as the page's other queued work allows. Homing's start
 * is a few such steps (homing.ts) because in one task it was a long task: 60–120 ms at 1× and up
 * to 630 ms at 4× CPU throttling on a fresh Chromium page.
 *
 * A message on a channel of our own, not `setTimeout(0)`: Chromium aligns a hidden tab's timers to
 * one second (a page opened in a background tab would wait that long per step) and clamps nested
 * ones to 4 ms; a message event is neither. A step that throws is handed to `failed`: nothing
 * reaches the page as an uncaught error.
 */
export function nextTask(step: () => void, failed: (err: unknown) => void): void {
  const { port1, port2 } = new MessageChannel();
  port1.onmessage = () => {
    port1.close(); // a port with a listener stays alive until closed
    try {
      step();
    } catch (err) {
      failed(err);
    }
  };
  port2.postMessage(0);
}
