import { execFileSync } from 'node:child_process';
import { lowerCpuPriority } from './cpu-priority';

describe('lowerCpuPriority', () => {
  it('refuses values outside 0–19', () => {
    expect(() => lowerCpuPriority(-1)).toThrow(/0 to 19/);
    expect(() => lowerCpuPriority(20)).toThrow(/0 to 19/);
    expect(() => lowerCpuPriority(1.5)).toThrow(/0 to 19/);
  });

  it('lowers every thread of the process, in a child process of its own', () => {
    // the nice value of each thread: field 19 of /proc/self/task/<tid>/stat (after the command name in parentheses)
    const script = `
      const { readdirSync, readFileSync } = require('node:fs');
      const { lowerCpuPriority } = require('./libs/kafka/src/cpu-priority.ts');
      const now = lowerCpuPriority(7);
      const nices = readdirSync('/proc/self/task').map((t) => Number(readFileSync('/proc/self/task/' + t + '/stat', 'utf8').split(') ')[1].split(' ')[16]));
      console.log(JSON.stringify({ now, nices }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['-r', '@swc-node/register', '-e', script], { encoding: 'utf8' })) as {
      now: number;
      nices: number[];
    };
    expect(out.now).toBe(7);
    expect(out.nices.length).toBeGreaterThan(1);
    expect(new Set(out.nices)).toEqual(new Set([7]));
  });
});
