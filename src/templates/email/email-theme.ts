import type { Tone } from '../message-doc.js';

/** Accent colour of each tone: the card's top border and the intro line. */
export const TONE_COLORS: Readonly<Record<Tone, string>> = {
  fatal: '#a40e26',
  error: '#cf222e',
  warning: '#bf8700',
  info: '#0969da',
  success: '#1a7f37',
  neutral: '#57606a',
};

/** The palette of the email layout. */
export const EMAIL_COLORS = {
  page: '#f3f4f6',
  card: '#ffffff',
  text: '#1f2328',
  muted: '#59636e',
  border: '#d1d9e0',
  code: '#f6f8fa',
  tag: '#eef1f4',
} as const;

/** System font stacks; web fonts are blocked by most mail clients anyway. */
export const FONTS = {
  body: "-apple-system, BlinkMacSystemFont, 'Segoe UI', Helvetica, Arial, 'Hiragino Sans', 'Noto Sans CJK JP', sans-serif",
  mono: "ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace",
} as const;
