/** Prompts for each agent role, and parsing of the planner's answer. */

export const PLANNER_SYSTEM =
  'You are a research planner. Split the user\'s request into distinct, non-overlapping sub-questions ' +
  'that together cover it. Answer with a JSON array of strings and nothing else.';

export function plannerPrompt(task: string, count: number, kind: 'subtasks' | 'search angles'): string {
  return `Request:\n${task}\n\nWrite exactly ${count} ${kind} as a JSON array of ${count} strings.`;
}

export const WORKER_SYSTEM =
  'You are a research agent. Answer the sub-question thoroughly and factually in Markdown. ' +
  'When tools are offered, call search_documents to find passages in the local documents and calculate for ' +
  'arithmetic. Cite sources inline as [n] with a numbered list after a "Sources:" line at the end ' +
  '(URLs, or document path — heading (lines a-b)). Say plainly what you do not know.';

export function workerPrompt(task: string, subtask: string): string {
  return `Overall research goal:\n${task}\n\nYour sub-question:\n${subtask}`;
}

export const DRUMMER_SYSTEM =
  'You are a mid-level synthesizer. Merge the findings below into one coherent section: keep every ' +
  'distinct fact and its citations, remove repetition, note disagreements.';

export const CAMINA_SYSTEM =
  'You are the executive synthesizer. Write the final research report in Markdown: a title, a short ' +
  'summary, then sections by theme, then a numbered list of sources. Keep the citations from the findings.';

export const SWARM_SYSTEMS: Record<string, string> = {
  general: 'You are a search agent. Find and summarise what is known about the query angle, with sources.',
  text: 'You are a text search agent. Summarise the most relevant written sources on the angle, with links.',
  image: 'You are an image search agent. Describe the most relevant images and where they are published, with links.',
  video: 'You are a video search agent. List the most relevant videos (title, channel, what they show), with links.',
  news: 'You are a news search agent. Report recent news on the angle with dates and outlets, with links.',
  academic: 'You are an academic search agent. Summarise relevant papers (authors, year, venue, finding), with links or DOIs.',
  social: 'You are a social media search agent. Summarise what people are saying and where, with links.',
  product: 'You are a product search agent. Compare relevant products (name, maker, price range, strengths), with links.',
  technical: 'You are a technical search agent. Summarise documentation, specifications and code sources, with links.',
};

export const SWARM_SYNTHESIS_SYSTEM =
  'You are a search synthesizer. Combine the findings below into one answer in Markdown, grouped by ' +
  'source type. Remove duplicate findings and duplicate sources. Keep every citation.';

export function findingsPrompt(task: string, findings: Array<{ label: string; content: string }>): string {
  const body = findings.map((f) => `### ${f.label}\n${f.content}`).join('\n\n');
  return `Original request:\n${task}\n\nFindings:\n\n${body}`;
}

function cleanItem(item: string): string {
  return item
    .replace(/^\s*(?:[-*•]|\d+[.)]|#+)\s*/, '')
    .replace(/^["'`]|["'`,]$/g, '')
    .trim();
}

function parseItems(content: string): string[] {
  const match = content.match(/\[[\s\S]*\]/);
  if (match) {
    try {
      const parsed: unknown = JSON.parse(match[0]);
      if (Array.isArray(parsed)) {
        return parsed.map((v) => (typeof v === 'string' ? v : typeof v === 'object' && v ? Object.values(v).join(' ') : String(v)));
      }
    } catch {
      // Not JSON after all: fall back to one item per line.
    }
  }
  return content.split('\n').map(cleanItem);
}

/**
 * Exactly `count` distinct sub-questions from the planner's answer (a JSON array, or a list).
 * Missing ones are filled with angles on the task itself, so the workers always have work.
 */
export function parsePlan(content: string, task: string, count: number): string[] {
  const seen = new Set<string>();
  const items: string[] = [];
  for (const raw of parseItems(content)) {
    const item = cleanItem(raw).slice(0, 1000);
    const key = item.toLowerCase();
    if (item.length < 3 || seen.has(key) || /^```/.test(item)) continue;
    seen.add(key);
    items.push(item);
    if (items.length === count) return items;
  }
  return [...items, ...fallbackPlan(task, count).slice(items.length)];
}

const FALLBACK_ANGLES = [
  'background and key definitions',
  'current state and recent developments',
  'main approaches and how they compare',
  'evidence, data and sources',
  'risks, limitations and open problems',
  'practical applications and examples',
  'key people, organisations and projects',
  'history and how it evolved',
  'costs, trade-offs and constraints',
  'future directions and predictions',
];

/** Sub-questions used when planning fails or comes back short. */
export function fallbackPlan(task: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const angle = FALLBACK_ANGLES[i % FALLBACK_ANGLES.length]!;
    const round = Math.floor(i / FALLBACK_ANGLES.length);
    return `${task} — ${angle}${round ? ` (part ${round + 1})` : ''}`;
  });
}
