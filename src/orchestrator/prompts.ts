import { partsWithin, subQuestions } from './parts.js';

/** Prompts for each agent role, and parsing of the planner's answer. */

export const PLANNER_SYSTEM =
  'You are a research planner. Split the user\'s request into distinct, non-overlapping sub-questions ' +
  'that together cover it: one for each part the request enumerates, in the user\'s own terms; fewer ' +
  'when the request is simple. Never add filler or near-duplicates. Answer with a JSON array of strings and nothing else.';

export function plannerPrompt(task: string, count: number, kind: 'subtasks' | 'search angles'): string {
  return `Request:\n${task}\n\nWrite at most ${count} ${kind} as a JSON array of strings.`;
}

export const WORKER_SYSTEM =
  'You are a research agent. Answer the sub-question thoroughly and factually in Markdown. ' +
  'When tools are offered, use them: search_documents for passages in the local documents, calculate for ' +
  'arithmetic, and the web, reference and connected-server tools when they are offered. Quote facts with their numbers, dates and names as the documents give them; prefer current ' +
  'documents over drafts, archived or superseded ones (search results carry each passage\'s date and standing), ' +
  'and label an older figure as history. Cite only what you read, inline as [n], with a numbered list after a ' +
  '"Sources:" line at the end (URLs; document path — heading (lines a-b); or the tool name with what you ' +
  'asked it, for another tool\'s answer). When the sources do not answer, ' +
  'say so in one plain sentence and quote nothing.';

export function workerPrompt(task: string, subtask: string): string {
  return `Overall research goal:\n${task}\n\nYour sub-question:\n${subtask}`;
}

export const DRUMMER_SYSTEM =
  'You are a mid-level synthesizer. Merge the findings below into one coherent section: keep every ' +
  'distinct fact and its [n] citation numbers exactly as they are, remove repetition, note disagreements. ' +
  'Do not write a source list.';

export const CAMINA_SYSTEM =
  'You are the executive synthesizer. Write the final research report in Markdown, without a title: for a ' +
  'request with several parts, first the key figures, then one section per part; keep every [n] citation ' +
  'number exactly as in the findings and cite nothing else. Say plainly where the findings do not answer. ' +
  'Do not write a source list: the sources are appended for you.';

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
  'source type. Remove duplicate findings. Keep every [n] citation number exactly as it is; do not write a source list.';

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
 * At most `count` distinct sub-questions from the planner's answer (a JSON array, or a list). An
 * empty or unusable plan falls back to the request's own parts; nothing is padded with filler.
 */
export function parsePlan(content: string, task: string, count: number): string[] {
  const seen = new Set<string>();
  const items: string[] = [];
  for (const raw of parseItems(content)) {
    const item = cleanItem(raw).slice(0, 1000);
    const key = item.toLowerCase();
    if (!item || seen.has(key) || /^```/.test(item) || /^[[\]{}]+$/.test(item)) continue;
    seen.add(key);
    items.push(item);
    if (items.length === count) break;
  }
  return items.length ? items : fallbackPlan(task, count);
}

/** Sub-questions used when planning fails: the parts the request enumerates, or the request itself. */
export function fallbackPlan(task: string, count: number): string[] {
  return partsWithin(subQuestions(task), count);
}
