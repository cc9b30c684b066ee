import type { SimActions } from './types.js';

/** The actions the example chains in `chains/` call, so `npm start` succeeds with no setup. */
export const BUILTIN_ACTIONS: SimActions = {
  'da-fetch-customer-profile': {
    body: { customerId: '${{ payload.customerId }}', name: 'Ada Lovelace', email: 'ada@example.com', tier: 'premium' },
  },
  'da-validate-tier-eligibility': {
    body: {
      eligible: true,
      tier: '${{ payload.tier }}',
      region: '${{ payload.region }}',
      offers: ['annual-discount', 'priority-support'],
    },
  },
  'da-update-external-crm': {
    body: { synced: true, targetSystem: '${{ payload.targetSystem }}' },
  },
  'da-upgrade-tier': {
    body: { upgraded: true, customerId: '${{ payload.customerId }}', offer: '${{ payload.offer }}' },
  },
  'da-queue-crm-retry': {
    body: { queued: true, customerId: '${{ payload.customerId }}' },
  },
  'da-lookup-order': {
    body: { orderId: '${{ payload.orderId }}', status: 'shipped', eta: '2026-12-01', carrier: 'UPS' },
  },
  'da-send-sms': {
    body: { messageId: 'SM${{ call }}', to: '${{ payload.to }}', status: 'queued' },
  },
  'da-echo': {
    body: { echo: '${{ payload }}' },
  },
};
