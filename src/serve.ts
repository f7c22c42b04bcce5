import type { Config } from './config.js';
export async function serveCommand(_config: Config): Promise<number> {
  throw new Error('serve is not implemented yet');
}
