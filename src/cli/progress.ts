import cliProgress from 'cli-progress';

/** A progress bar on stderr (rate and ETA) when stderr is a terminal; silent otherwise. After stop(), the next update starts it again. */
export function progressBar(label: string, unit = 'files'): { update: (done: number, total: number) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const started = performance.now();
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} |{bar}| {value}/{total} ${unit} · {rate}/s · ETA {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let startedBar = false;
  return {
    update(done, total) {
      if (!startedBar) {
        bar.start(total, 0, { rate: '0' });
        startedBar = true;
      }
      const seconds = (performance.now() - started) / 1000;
      bar.setTotal(total);
      bar.update(done, { rate: seconds > 0 ? (done / seconds).toFixed(0) : '0' });
    },
    stop: () => {
      if (startedBar) bar.stop();
      startedBar = false;
    },
  };
}
