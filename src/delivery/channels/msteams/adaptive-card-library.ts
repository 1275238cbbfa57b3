import { createRequire } from 'node:module';

/** The few parts of the `adaptivecards` library the validation uses. */
interface AdaptiveCardsLibrary {
  AdaptiveCard: new () => {
    parse(json: unknown, context: SerializationContext): void;
    validateProperties(): { validationEvents: readonly { message: string }[] };
  };
  SerializationContext: new () => SerializationContext;
}

interface SerializationContext {
  readonly eventCount: number;
  getEventAt(index: number): { message: string };
}

let loaded: AdaptiveCardsLibrary | undefined;

/**
 * The library, loaded with the first card checked, not at start (about 8 MB of heap for an installation
 * that may never post to Teams). The package ships no ESM entry that plain Node can load; its UMD bundle
 * works through require.
 */
function library(): AdaptiveCardsLibrary {
  loaded ??= createRequire(import.meta.url)('adaptivecards/dist/adaptivecards.js') as AdaptiveCardsLibrary;
  return loaded;
}

/**
 * Problems the official `adaptivecards` library finds in a card: parse events (unknown element types,
 * bad values) and property validation (required properties missing). Empty when the card is valid.
 */
export function libraryCardProblems(card: unknown): string[] {
  const { AdaptiveCard, SerializationContext } = library();
  const context = new SerializationContext();
  const parsed = new AdaptiveCard();
  parsed.parse(card, context);
  const problems: string[] = [];
  for (let i = 0; i < context.eventCount; i++) problems.push(context.getEventAt(i).message);
  for (const event of parsed.validateProperties().validationEvents) problems.push(event.message);
  return problems;
}
