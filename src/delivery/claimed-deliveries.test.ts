import { describe, expect, it } from 'vitest';
import type { DeliveryTable } from '../store/schema.js';
import { claimedDeliveries } from './claimed-deliveries.js';
import { asClaimed } from './delivery-statements.js';
import { deliveryRow } from './test-fixtures.js';

const row = (id: string): DeliveryTable =>
  deliveryRow({ id, integration_id: 'int_1', next_attempt_at: 1000, created_at: 1000, updated_at: 1000 });

describe('deliveries written claimed for their first send', () => {
  it('is written as the delivery stage would claim it: sending, attempt counted, lease from now', () => {
    expect(asClaimed(row('dlv_1'), 2000)).toEqual({
      ...row('dlv_1'),
      status: 'sending',
      attempts: 1,
      updated_at: 2000,
    });
  });

  it('hands each row to the delivery stage once', () => {
    const claimed = claimedDeliveries();
    claimed.put(row('dlv_1'));
    expect(claimed.take('dlv_1')?.id).toBe('dlv_1');
    expect(claimed.take('dlv_1')).toBeUndefined();
    expect(claimed.take('dlv_2')).toBeUndefined();
  });

  it('forgets the oldest rows beyond its bound (a row not found is claimed as usual)', () => {
    const claimed = claimedDeliveries(2);
    for (const id of ['dlv_1', 'dlv_2', 'dlv_3']) claimed.put(row(id));
    expect(claimed.take('dlv_1')).toBeUndefined();
    expect(claimed.take('dlv_2')?.id).toBe('dlv_2');
    expect(claimed.take('dlv_3')?.id).toBe('dlv_3');
  });
});
