import type { AgentType } from './inputs.js';

/** Keywords that point a search angle at an agent type; checked in this order. */
const KEYWORDS: Array<[AgentType, RegExp]> = [
  ['academic', /\b(paper|papers|study|studies|research|journal|academic|scholar|peer[- ]review|citation|thesis|arxiv|doi)\b/i],
  ['news', /\b(news|latest|recent|today|breaking|announce\w*|headline|press|this (week|month|year)|20\d\d)\b/i],
  ['video', /\b(video|videos|youtube|watch|tutorial video|footage|clip|livestream)\b/i],
  ['image', /\b(image|images|photo|photos|picture|diagram|chart|illustration|visual)\b/i],
  ['social', /\b(reddit|twitter|tweet|x\.com|social|forum|community|opinion|sentiment|discussion|masto\w*)\b/i],
  ['product', /\b(product|products|buy|price|pricing|review|reviews|compare|vs\.?|best|brand|shop|deal)\b/i],
  ['technical', /\b(api|code|library|framework|documentation|docs|spec|specification|implementation|github|protocol|architecture|benchmark|config\w*)\b/i],
  ['text', /\b(article|articles|blog|guide|overview|explain\w*|definition|history|background)\b/i],
];

/** The agent type for a search angle: the first keyword match that is allowed, else `general` or the first allowed. */
export function pickAgentType(angle: string, allowed?: readonly AgentType[]): AgentType {
  const ok = (type: AgentType) => !allowed || allowed.includes(type);
  for (const [type, pattern] of KEYWORDS) if (ok(type) && pattern.test(angle)) return type;
  if (ok('general')) return 'general';
  return allowed![0]!;
}
