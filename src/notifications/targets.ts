import type { ChannelKind } from '../delivery/channel.js';

/** People to reach on personal channels (email, Slack DM, push, in-app). */
export interface PeopleTarget {
  readonly kind: 'people';
  readonly userIds: readonly string[];
  readonly channels: readonly ChannelKind[];
  /** Users subscribed to the issue (workflow `subscribe_only`). */
  readonly subscribedUserIds?: readonly string[];
  /** Users who authored a commit of the release (deploy `committed_only`). */
  readonly committedUserIds?: readonly string[];
  /** Users left out (they muted the rule that named them). */
  readonly excludedUserIds?: readonly string[];
  /**
   * Channels to try in order when a person cannot be reached on `channels` (dead or unroutable), as a
   * rule's action names them; absent or empty, each person's own list is tried.
   */
  readonly fallback?: readonly ChannelKind[];
}

/** A shared destination reached through an integration: a Slack or Teams channel, a webhook, … */
export interface IntegrationTarget {
  readonly kind: 'integration';
  readonly integrationId: string;
  readonly channel: ChannelKind;
  /** Where inside the integration: a Slack channel name or id; absent for single-target integrations. */
  readonly address?: string;
}

/**
 * A person or team a rule names who is not in the organization (removed, or a team deleted): nothing is
 * sent, and the history records the delivery as suppressed (`unroutable`) with `problem` as its error.
 */
export interface UnreachableTarget {
  readonly kind: 'unreachable';
  readonly recipientType: 'user' | 'team';
  readonly recipientId: string;
  readonly channel: ChannelKind;
  /** Why, as the history's `lastError` shows it. */
  readonly problem: string;
}

/** Whom a notification goes to, before preferences: what a fan-out job carries. */
export type Target = PeopleTarget | IntegrationTarget | UnreachableTarget;
