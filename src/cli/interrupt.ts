import readline from 'node:readline';

/**
 * Ask a yes/no question on stderr and read the answer from stdin. Resolves true for y/yes, false
 * for anything else, and undefined when no answer can come (stdin closed, or Ctrl-C again).
 */
export function askYesNo(question: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): { answer: Promise<boolean | undefined>; abort(): void } {
  const rl = readline.createInterface({ input, output, terminal: Boolean(input.isTTY && output.isTTY) });
  let settle!: (value: boolean | undefined) => void;
  const answer = new Promise<boolean | undefined>((resolve) => (settle = resolve));
  const done = (value: boolean | undefined) => {
    settle(value);
    rl.close();
    input.pause();
  };
  rl.once('line', (line) => done(/^y(es)?$/i.test(line.trim())));
  rl.once('close', () => settle(undefined));
  rl.once('SIGINT', () => done(undefined)); // Ctrl-C at the prompt of a terminal
  output.write(question);
  return { answer, abort: () => done(undefined) };
}
