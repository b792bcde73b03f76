import { runMigrations } from './data-source';

const main = async (): Promise<void> => {
  const cmd = process.argv[2] ?? 'migrate';
  if (cmd !== 'migrate') throw new Error(`unknown command ${cmd}: use "migrate"`);
  const ran = await runMigrations();
  console.log(ran.length ? `applied: ${ran.join(', ')}` : 'schema up to date');
};
main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
