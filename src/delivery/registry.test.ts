import { describe, expect, it } from 'vitest';
import { CHANNEL_KINDS } from './channel.js';
import { httpClient } from './http-client.js';
import { buildChannels, channelFactories, closeChannels } from './registry.js';

describe('channel registry', () => {
  it('builds a channel of the right kind for every outbound kind', async () => {
    const http = httpClient();
    const channels = buildChannels({ http });
    expect([...channels.keys()].sort()).toEqual(CHANNEL_KINDS.filter((k) => k !== 'inapp').sort());
    for (const [kind, channel] of channels) expect(channel.kind).toBe(kind);
    await closeChannels(channels);
    http.close();
  });

  it('takes extra factories without a switch over kinds', () => {
    const http = httpClient();
    const inapp = { kind: 'inapp' as const, send: async () => ({}) };
    const channels = buildChannels({ http }, { ...channelFactories, inapp: () => inapp });
    expect(channels.get('inapp')).toBe(inapp);
    http.close();
  });
});
