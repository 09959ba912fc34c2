import { z } from 'zod';
import { defineTool } from '../registry.js';

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The current date and time, in UTC or an IANA time zone. */
export const currentTimeTool = defineTool({
  name: 'current_time',
  description: 'The current date and time, as ISO 8601 UTC and in the given IANA time zone (e.g. "Europe/Berlin").',
  category: 'time',
  tags: ['time', 'date', 'clock'],
  inputSchema: z.strictObject({
    timezone: z.string().max(64).refine(isTimeZone, 'unknown IANA time zone').default('UTC').describe('IANA time zone'),
  }),
  async execute({ timezone }) {
    const now = new Date();
    const local = new Intl.DateTimeFormat('en-CA', {
      timeZone: timezone,
      dateStyle: 'full',
      timeStyle: 'long',
    }).format(now);
    return { iso: now.toISOString(), unix_ms: now.getTime(), timezone, local };
  },
});
