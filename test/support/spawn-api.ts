import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export interface ApiProcess {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/** Starts test/support/api-process.ts as its own Node process on a test schema; resolves once it listens. */
/** `env`: settings for this process only, on top of the test's own environment. */
export async function spawnApi(schema: string, operatorKey: string, env: Record<string, string> = {}): Promise<ApiProcess> {
  const child = spawn(process.execPath, ['-r', join(__dirname, 'swc-register.js'), join(__dirname, 'api-process.ts')], {
    env: { ...process.env, ...env, PUNCHCARD_TEST_SCHEMA: schema, PUNCHCARD_OPERATOR_KEY: operatorKey, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`API process exited with ${code} before listening`)));
  });
  return { child, url: `http://127.0.0.1:${port}`, stop };
}
