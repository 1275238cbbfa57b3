/**
 * The channel-neutral shape of one message. Notification types describe *what* to say as a
 * {@link MessageDoc}; each channel renderer decides *how*, escaping every string for its own markup.
 * Every string here is plain text, and any of it may come from event data: nothing is pre-escaped.
 */

/** Colour and urgency of a message. */
export const TONES = ['fatal', 'error', 'warning', 'info', 'success', 'neutral'] as const;

/** One of {@link TONES}. */
export type Tone = (typeof TONES)[number];

/** A labelled value: project, environment, counts. */
export interface DocField {
  readonly label: string;
  readonly value: string;
}

/** A link with its visible label. */
export interface DocLink {
  readonly label: string;
  readonly url: string;
}

/** One entry of a list: an issue of a digest, a commit, a change. */
export interface DocListItem {
  readonly text: string;
  readonly url?: string;
  /** Secondary text shown after the entry (counts, author). */
  readonly detail?: string;
}

/** A titled list; renderers cut it to their channel's room and say how many were left out. */
export interface DocList {
  readonly title: string;
  readonly items: readonly DocListItem[];
}

/** What one message says, before any channel has rendered it. */
export interface MessageDoc {
  /** One line: email subject, push title, chat fallback, PagerDuty summary. */
  readonly subject: string;
  /** The heading, usually the issue title. */
  readonly title: string;
  /** Where the heading links to. */
  readonly url?: string;
  readonly tone: Tone;
  /** A short lead above the title ("New alert in Backend"). */
  readonly intro: string;
  /** A paragraph of free text (the event's message). */
  readonly message?: string;
  readonly fields: readonly DocField[];
  /** Top of the stack trace, innermost frame first, one line per frame. */
  readonly stack?: { readonly title: string; readonly lines: readonly string[] };
  readonly tags?: { readonly title: string; readonly pairs: readonly (readonly [string, string])[] };
  readonly lists: readonly DocList[];
  /** Buttons, the main one first. */
  readonly actions: readonly DocLink[];
  /** The issue the message is about, which a chat that answers back may resolve, ignore or take. */
  readonly issueId?: string;
  /** Small print: which rules fired, when it was first seen. */
  readonly footer: readonly string[];
  /** The organization's name, for headers and the "why you receive this" line. */
  readonly orgName: string;
  /** Short origin shown as source or author (project slug, integration name). */
  readonly source: string;
}
