/**
 * A live progress line on stderr (phase, done/total, rate, ETA), rewritten in place on a terminal and
 * printed every few seconds otherwise, so a long benchmark never looks stuck. stdout stays for results.
 */
export function progress(phase: string, total: number) {
  const started = Date.now();
  let done = 0;
  let lastPrint = 0;
  const tty = process.stderr.isTTY;
  const render = (final = false) => {
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const eta = rate > 0 && done < total ? ` · ETA ${Math.ceil((total - done) / rate)} s` : '';
    const line = `${phase}: ${done}/${total} · ${rate.toFixed(1)}/s · ${seconds.toFixed(1)} s${final ? ' · done' : eta}`;
    if (tty) process.stderr.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
    else if (final || Date.now() - lastPrint > 5000) {
      process.stderr.write(`${line}\n`);
      lastPrint = Date.now();
    }
  };
  return {
    tick(n = 1) {
      done += n;
      if (tty || Date.now() - lastPrint > 5000) render();
    },
    done() {
      done = Math.max(done, total);
      render(true);
    },
  };
}
