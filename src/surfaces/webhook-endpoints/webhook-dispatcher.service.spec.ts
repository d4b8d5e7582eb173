import { eventBody, interleave } from './webhook-dispatcher.service';

describe('eventBody', () => {
  const base = {
    event_id: '7b0e1a52-3f0c-4a51-9d55-0b4f6f4a7c11',
    occurred_at: new Date('2027-01-01T10:00:00Z'),
    data: { subscriberId: 's1' },
  };

  it('adds the current address to the events that need it, null once erased', () => {
    expect(
      eventBody({ ...base, event_type: 'subscriber.unsubscribed', email: 'ada@example.test' }),
    ).toEqual({
      id: base.event_id,
      type: 'subscriber.unsubscribed',
      occurredAt: '2027-01-01T10:00:00.000Z',
      data: { subscriberId: 's1', email: 'ada@example.test' },
    });
    expect(eventBody({ ...base, event_type: 'subscriber.created', email: null }).data).toEqual({
      subscriberId: 's1',
      email: null,
    });
  });

  it('never adds it to message, notice, campaign or erasure events', () => {
    for (const type of ['message.sent', 'notice.deadline_missed', 'subscriber.erased'] as const) {
      expect(eventBody({ ...base, event_type: type, email: 'ada@example.test' }).data).toEqual({
        subscriberId: 's1',
      });
    }
  });
});

describe('interleave', () => {
  it("takes one endpoint's deliveries in turn with the others', keeping each one's order", () => {
    const rows = ['a1', 'a2', 'a3', 'b1', 'c1', 'b2'].map((id) => ({ id, endpoint_id: id[0] }));
    expect(interleave(rows).map((r) => r.id)).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
  });
});
