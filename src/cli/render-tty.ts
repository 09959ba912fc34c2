import { boardProgress, type BoardState } from './board-state.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const ICON: Record<string, string> = { completed: '✓', failed: '✗' };
const COLOR: Record<string, string> = { completed: '\x1b[32m', failed: '\x1b[31m', retrying: '\x1b[33m', cancelled: '\x1b[33m' };
const RESET = '\x1b[0m';

function bar(done: number, total: number, width = 20): string {
  const filled = Math.round((done / Math.max(total, 1)) * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

function fit(line: string, columns: number): string {
  // Count visible characters only (colour codes take no room).
  let visible = 0;
  let out = '';
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\x1b') {
      const end = line.indexOf('m', i);
      out += line.slice(i, end + 1);
      i = end;
      continue;
    }
    if (visible >= columns - 1) break;
    out += line[i];
    visible++;
  }
  return out + RESET;
}

/** The lines of one frame: a header with an overall bar, then one line per agent. */
export function frameLines(state: BoardState, tick: number): string[] {
  const { done, total } = boardProgress(state);
  const tokens = state.usage.input_tokens + state.usage.output_tokens;
  const secs = Math.round((Date.now() - state.startedAt) / 1000);
  const color = COLOR[state.status] ?? '';
  const lines = [
    `${state.taskId}  ${color}${state.status}${RESET}  ${bar(done, total)} ${done}/${total} agents  ${tokens} tokens  $${state.usage.cost_usd.toFixed(4)}  ${secs}s  ${state.phase}`,
  ];
  const width = Math.max(...[...state.agents.keys()].map((k) => k.length), 8);
  for (const a of state.agents.values()) {
    const icon = ICON[a.status] ?? SPINNER[tick % SPINNER.length];
    const extra = a.error ? ` ${a.error}` : a.tool ? ` → ${a.tool}` : '';
    const retry = a.retries ? ` retry ${a.retries}` : '';
    lines.push(`${COLOR[a.status] ?? ''}${icon}${RESET} ${a.id.padEnd(width)}  ${a.role.padEnd(11)} ${(COLOR[a.status] ?? '') + a.status.padEnd(9) + RESET} ${String(a.chars).padStart(6)} chars${retry}${extra}`);
  }
  return lines;
}

/** A live view redrawn in place on a terminal (ANSI cursor moves), about ten times a second. */
export class TtyBoard {
  private drawn = 0;
  private tick = 0;
  private timer: NodeJS.Timeout | undefined;
  private paused = false;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly state: BoardState,
  ) {}

  start(): void {
    this.out.write('\x1b[?25l'); // hide the cursor while redrawing
    this.timer = setInterval(() => this.draw(), 100);
    this.timer.unref();
  }

  draw(): void {
    if (this.paused) return;
    this.tick++;
    const columns = this.out.columns || 100;
    const lines = frameLines(this.state, this.tick).map((l) => `\x1b[2K${fit(l, columns)}`);
    const up = this.drawn ? `\x1b[${this.drawn}A\r` : '';
    this.out.write(`${up}${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }

  /** Stop redrawing (e.g. while asking a question); `resume` draws a fresh frame below. */
  pause(): void {
    this.paused = true;
    this.drawn = 0;
  }

  resume(): void {
    this.paused = false;
    this.draw();
  }

  stop(): void {
    clearInterval(this.timer);
    this.paused = false;
    this.draw();
    this.out.write('\x1b[?25h');
  }
}
