import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

/**
 * FIXLIFY_CPU_PROFILE=<file> (any service): profiles the whole process and writes a .cpuprofile
 * (Chrome DevTools format) when it is told to stop (SIGTERM). --cpu-prof cannot be set through
 * NODE_OPTIONS, and the services are started by tooling that owns the command line.
 */
export const profileUntilSigterm = (file: string | undefined = process.env.FIXLIFY_CPU_PROFILE): void => {
  if (!file) return;
  const session = new Session();
  session.connect();
  session.post('Profiler.enable', () => session.post('Profiler.start'));
  // before the service's own SIGTERM handler, which exits the process
  process.prependOnceListener('SIGTERM', () => {
    session.post('Profiler.stop', (err, r) => {
      if (!err) writeFileSync(file, JSON.stringify(r.profile));
    });
  });
};
